"""What the fake Slack checks in blocks and views before it accepts them, as Slack does.

Slack's own table, not Baton's: every number comes from Slack's Block Kit reference as
``tests/slack_messages/fixtures/block_kit_limits.json`` quotes it (``test_limits.py`` beside
it holds the two together), plus the text object's documented 1 to 3,000 characters. It must
not import ``bot.slack_messages.limits``: the fake stands for Slack, and a wrong production limit
would otherwise pass its own test.

Errors read like Slack's: chat methods answer ``invalid_blocks`` with ``errors`` such as
``must be less than 3001 characters [json-pointer:/blocks/0/text/text]`` (each also in
``response_metadata.messages`` with an ``[ERROR]`` prefix); views answer ``invalid_arguments``
with the messages only, their pointers under ``/view``.
"""

from __future__ import annotations

from typing import Any

# Most characters (inclusive) per place, and most items per list.
SLACK = {
    "text_object": 3000,
    "section.text": 3000,
    "section.fields": 10,
    "section.fields[].text": 2000,
    "header.text": 150,
    "context.elements": 10,
    "actions.elements": 25,
    "input.label": 2000,
    "input.hint": 2000,
    "button.text": 75,
    "button.value": 2000,
    "button.url": 3000,
    "option.text": 75,
    "option.value": 150,
    "option.description": 75,
    "select.options": 100,
    "placeholder": 150,
    "plain_text_input.max_length": 3000,
    "confirm.title": 100,
    "confirm.text": 300,
    "confirm.button": 30,
    "block_id": 255,
    "action_id": 255,
    "message.blocks": 50,
    "view.blocks": 100,
    "view.title": 24,
    "view.button": 24,
    "view.private_metadata": 3000,
    "view.callback_id": 255,
}
MESSAGE_TEXT = 40000  # longer fallback text is not refused: Slack truncates it


def chars(text: str) -> int:
    """Slack's count: the stricter reading, UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


class _Check:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def string(self, value: Any, limit: int, at: str) -> None:
        if isinstance(value, str) and chars(value) > limit:
            self.errors.append(f"must be less than {limit + 1} characters [json-pointer:{at}]")

    def items(self, value: Any, limit: int, at: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.errors.append(f"no more than {limit} items allowed [json-pointer:{at}]")

    def text(self, obj: Any, limit: int, at: str) -> None:
        """A text object: 1 to ``limit`` characters, else it matches neither text schema."""
        if not isinstance(obj, dict):
            return
        value = obj.get("text")
        too_long = isinstance(value, str) and chars(value) > min(limit, SLACK["text_object"])
        if not isinstance(value, str) or not value or too_long:
            self.errors.append(f"failed to match all allowed schemas [json-pointer:{at}]")
        if isinstance(value, str) and not value:
            self.errors.append(f"must be more than 0 characters [json-pointer:{at}/text]")
        self.string(value, min(limit, SLACK["text_object"]), f"{at}/text")

    def option(self, option: Any, at: str) -> None:
        if not isinstance(option, dict):
            return
        self.text(option.get("text"), SLACK["option.text"], f"{at}/text")
        self.string(option.get("value"), SLACK["option.value"], f"{at}/value")
        if "description" in option:
            self.text(option["description"], SLACK["option.description"], f"{at}/description")

    def element(self, element: Any, at: str) -> None:
        if not isinstance(element, dict):
            return
        self.string(element.get("action_id"), SLACK["action_id"], f"{at}/action_id")
        if "placeholder" in element:
            self.text(element["placeholder"], SLACK["placeholder"], f"{at}/placeholder")
        if element.get("type") == "button":
            self.text(element.get("text"), SLACK["button.text"], f"{at}/text")
            self.string(element.get("value"), SLACK["button.value"], f"{at}/value")
            self.string(element.get("url"), SLACK["button.url"], f"{at}/url")
        confirm = element.get("confirm")
        if isinstance(confirm, dict):
            self.text(confirm.get("title"), SLACK["confirm.title"], f"{at}/confirm/title")
            self.text(confirm.get("text"), SLACK["confirm.text"], f"{at}/confirm/text")
            for key in ("confirm", "deny"):
                if key in confirm:
                    self.text(confirm[key], SLACK["confirm.button"], f"{at}/confirm/{key}")
        options = element.get("options")
        self.items(options, SLACK["select.options"], f"{at}/options")
        for i, option in enumerate(options or []):
            self.option(option, f"{at}/options/{i}")
        if "initial_option" in element:
            self.option(element["initial_option"], f"{at}/initial_option")
        if element.get("type") == "plain_text_input":
            top = element.get("max_length")
            if isinstance(top, int) and not 1 <= top <= SLACK["plain_text_input.max_length"]:
                self.errors.append(f"must be at most 3000 [json-pointer:{at}/max_length]")
            value = element.get("initial_value")
            if isinstance(top, int) and isinstance(value, str):
                self.string(value, top, f"{at}/initial_value")

    def block(self, block: Any, at: str) -> None:
        if not isinstance(block, dict):
            self.errors.append(f"expected an object [json-pointer:{at}]")
            return
        kind = block.get("type")
        self.string(block.get("block_id"), SLACK["block_id"], f"{at}/block_id")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.errors.append(f"must provide text or fields [json-pointer:{at}]")
            if "text" in block:
                self.text(block["text"], SLACK["section.text"], f"{at}/text")
            fields = block.get("fields")
            self.items(fields, SLACK["section.fields"], f"{at}/fields")
            for i, field in enumerate(fields or []):
                self.text(field, SLACK["section.fields[].text"], f"{at}/fields/{i}")
            if "accessory" in block:
                self.element(block["accessory"], f"{at}/accessory")
        elif kind == "header":
            self.text(block.get("text"), SLACK["header.text"], f"{at}/text")
        elif kind == "context":
            elements = block.get("elements")
            self.items(elements, SLACK["context.elements"], f"{at}/elements")
            for i, element in enumerate(elements or []):
                if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                    self.text(element, SLACK["text_object"], f"{at}/elements/{i}")
        elif kind == "actions":
            elements = block.get("elements")
            if not elements:
                self.errors.append(f"must have at least 1 item [json-pointer:{at}/elements]")
            self.items(elements, SLACK["actions.elements"], f"{at}/elements")
            for i, element in enumerate(elements or []):
                self.element(element, f"{at}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), SLACK["input.label"], f"{at}/label")
            if "hint" in block:
                self.text(block["hint"], SLACK["input.hint"], f"{at}/hint")
            self.element(block.get("element"), f"{at}/element")


def message_errors(blocks: Any) -> list[str]:
    """Why Slack would refuse a message's blocks (empty: it accepts them)."""
    if blocks is None or blocks == "":
        return []
    check = _Check()
    if not isinstance(blocks, list):
        return ["expected an array [json-pointer:/blocks]"]
    check.items(blocks, SLACK["message.blocks"], "/blocks")
    for i, block in enumerate(blocks):
        check.block(block, f"/blocks/{i}")
    return check.errors


def view_errors(view: Any) -> list[str]:
    """Why Slack would refuse a view (a modal or the App Home; empty: it accepts it)."""
    if not isinstance(view, dict):
        return ["expected an object [json-pointer:/view]"]
    check = _Check()
    for key in ("title", "submit", "close"):
        if key in view and view[key] is not None:
            limit = SLACK["view.title"] if key == "title" else SLACK["view.button"]
            check.text(view[key], limit, f"/view/{key}")
    check.string(
        view.get("private_metadata"), SLACK["view.private_metadata"], "/view/private_metadata"
    )
    check.string(view.get("callback_id"), SLACK["view.callback_id"], "/view/callback_id")
    blocks = view.get("blocks") or []
    check.items(blocks, SLACK["view.blocks"], "/view/blocks")
    for i, block in enumerate(blocks):
        check.block(block, f"/view/blocks/{i}")
    return check.errors


def refused_blocks(errors: list[str]) -> dict[str, Any]:
    """chat.postMessage / chat.update / chat.postEphemeral's answer to blocks it refuses."""
    return {
        "ok": False,
        "error": "invalid_blocks",
        "errors": errors,
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


def refused_view(errors: list[str]) -> dict[str, Any]:
    """views.open / views.update / views.publish's answer to a view it refuses."""
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }
