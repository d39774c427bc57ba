"""Slack's Block Kit limits, and the one way Baton fits text and blocks to them.

Slack refuses a whole message (``invalid_blocks``) or view (``invalid_arguments``) when one
text is a character too long, so an alert about a ticket with a 5,700-character subject would
never arrive. Builders fit outside text where it enters a block (``fit``, with a link to where
the rest can be read), then pass the finished message or view through ``message`` or ``view``,
which holds every place to its limit, so nothing a customer or an agent wrote can make Slack
refuse it.

The limits are Slack's published Block Kit reference (blocks, section, button, select menu,
option, plain-text input, modal views), as the team corpus records them in
``slack/block_kit_limits.json``. Slack does not say what a "character" is; Baton counts UTF-16
code units (an emoji is two), the larger of the usual readings, so it is under the limit on
either.

Text is cut after it was escaped and masked, at a boundary that splits no escape sequence
(``&amp;``) and no link or mention (``<…|…>``), with an ellipsis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot import i18n
from bot.slack_messages.text import escape

Block = dict[str, Any]

SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS = 10
CONTEXT_TEXT = 2000
CONTEXT_ELEMENTS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
CHOICES = 10  # radio buttons and checkboxes
PLACEHOLDER = 150
INPUT_LABEL = 2000
INPUT_VALUE = 3000  # a plain_text_input's max_length, and so its initial_value
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
ACTIONS_ELEMENTS = 25
MODAL_TITLE = 24
MODAL_BUTTON = 24  # submit and close
PRIVATE_METADATA = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the App Home
MESSAGE_TEXT = 40000  # the fallback text: Slack truncates past it

ELLIPSIS = "…"
# An escape sequence, a link or mention, or one character: never cut inside the first two.
_TOKEN = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]*>|.", re.DOTALL)
_NEAR = 40  # prefer a line break or a space this close to the limit to a cut inside a word


def length(text: str) -> int:
    """Text's length as Slack may count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, budget: int) -> str:
    """The longest safe prefix of text within budget, ending at a word if one ends near it."""
    used = end = 0
    line = space = -1
    for token in _TOKEN.finditer(text):
        size = length(token.group())
        if used + size > budget:
            break
        used += size
        end = token.end()
        if token.group() == "\n":
            line = end
        elif token.group().isspace():
            space = end
    for soft in (line, space):
        if soft >= 0 and length(text[soft:end]) <= _NEAR:
            return text[:soft]
    return text[:end]


def fit(text: str, limit: int, *, more: str = "") -> str:
    """Text within ``limit``: unchanged if it fits, else cut with "…" and then ``more``.

    ``more`` says where to read the rest (a mrkdwn link to the ticket); it is left out when
    it would take more than half the room.
    """
    if length(text) <= limit:
        return text
    tail = f"{ELLIPSIS} {more}" if more and length(more) + 2 <= limit // 2 else ELLIPSIS
    head = _cut(text, max(limit - length(tail), 0)).rstrip()
    return head + tail if length(head + tail) <= limit else _cut(text, limit)


def _text(obj: Any, limit: int) -> Any:
    """A text object ({"type": …, "text": …}) with its text fitted."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return {**obj, "text": fit(obj["text"], limit)}
    return obj


def _option(option: Any) -> Block | None:
    if not isinstance(option, dict) or length(str(option.get("value", ""))) > OPTION_VALUE:
        return None  # a cut value would answer as another option: leave it out
    out = {**option, "text": _text(option.get("text"), OPTION_TEXT)}
    if "description" in out:
        out["description"] = _text(out["description"], OPTION_TEXT)
    return out


def _options(items: Any, limit: int) -> list[Block]:
    return [o for o in (_option(x) for x in items or []) if o is not None][:limit]


def _confirm(confirm: Block) -> Block:
    return {
        **confirm,
        "title": _text(confirm.get("title"), CONFIRM_TITLE),
        "text": _text(confirm.get("text"), CONFIRM_TEXT),
        "confirm": _text(confirm.get("confirm"), CONFIRM_BUTTON),
        "deny": _text(confirm.get("deny"), CONFIRM_BUTTON),
    }


def _element(element: Any) -> Block | None:
    """An interactive element within its limits; None if it cannot be (its value is too long)."""
    if not isinstance(element, dict):
        return None
    out = dict(element)
    kind = out.get("type")
    if "placeholder" in out:
        out["placeholder"] = _text(out["placeholder"], PLACEHOLDER)
    if "confirm" in out:
        out["confirm"] = _confirm(out["confirm"])
    if kind == "button":
        if length(str(out.get("value", ""))) > BUTTON_VALUE or length(out.get("url", "")) > URL:
            return None  # Baton reads a button's value back: a cut one would be another's
        out["text"] = _text(out.get("text"), BUTTON_TEXT)
    if "options" in out:
        limit = CHOICES if kind in ("radio_buttons", "checkboxes") else OPTIONS
        out["options"] = _options(out["options"], limit)
        values = {o.get("value") for o in out["options"]}
        if "initial_option" in out:
            initial = _option(out["initial_option"])
            if initial is None or initial.get("value") not in values:
                del out["initial_option"]
            else:
                out["initial_option"] = initial
        if "initial_options" in out:
            kept = _options(out["initial_options"], limit)
            out["initial_options"] = [o for o in kept if o.get("value") in values]
    if kind == "plain_text_input":
        top = min(int(out.get("max_length") or INPUT_VALUE), INPUT_VALUE)
        out["max_length"] = top
        if isinstance(out.get("initial_value"), str):
            out["initial_value"] = fit(out["initial_value"], top)
    return out


def _block(block: Any) -> Block | None:
    """One block within its limits."""
    if not isinstance(block, dict):
        return None
    out = dict(block)
    kind = out.get("type")
    if kind == "section":
        if "text" in out:
            out["text"] = _text(out["text"], SECTION_TEXT)
        if "fields" in out:
            out["fields"] = [_text(f, FIELD_TEXT) for f in out["fields"][:FIELDS]]
        if "accessory" in out:
            accessory = _element(out["accessory"])
            if accessory is None:
                del out["accessory"]
            else:
                out["accessory"] = accessory
    elif kind == "header":
        out["text"] = _text(out.get("text"), HEADER_TEXT)
    elif kind == "context":
        elements = out.get("elements") or []
        out["elements"] = [_text(e, CONTEXT_TEXT) for e in elements[:CONTEXT_ELEMENTS]]
    elif kind == "actions":
        elements = [e for e in (_element(x) for x in out.get("elements") or []) if e is not None]
        if not elements:
            return None  # an actions block needs one element
        out["elements"] = elements[:ACTIONS_ELEMENTS]
    elif kind == "input":
        out["label"] = _text(out.get("label"), INPUT_LABEL)
        if "hint" in out:
            out["hint"] = _text(out["hint"], INPUT_LABEL)
        element = _element(out.get("element"))
        if element is None:
            return None
        out["element"] = element
    return out


def blocks(items: Sequence[Any], *, most: int) -> list[Block]:
    """Blocks within their limits, at most ``most`` of them (the first ones)."""
    return [b for b in (_block(x) for x in items) if b is not None][:most]


def message(text: str, items: Sequence[Any]) -> tuple[str, list[Block]]:
    """A message's (fallback text, blocks) within Slack's limits."""
    return fit(text, MESSAGE_TEXT), blocks(items, most=MESSAGE_BLOCKS)


def view(payload: dict[str, Any]) -> dict[str, Any]:
    """A modal or App Home view within Slack's limits."""
    out = dict(payload)
    for key, limit in (("title", MODAL_TITLE), ("submit", MODAL_BUTTON), ("close", MODAL_BUTTON)):
        if key in out:
            out[key] = _text(out[key], limit)
    out["blocks"] = blocks(out.get("blocks") or [], most=VIEW_BLOCKS)
    return out


def pack(lines: Sequence[str], limit: int = SECTION_TEXT) -> list[str]:
    """Lines joined into as few texts within ``limit`` as they go (one section each)."""
    out: list[str] = []
    for line in (fit(x, limit) for x in lines):
        if out and length(out[-1]) + 1 + length(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def read_more(_: i18n.Gettext, *, ticket_id: int, url: str | None) -> str:
    """Where to read what was cut: the ticket, as a link when Zendesk's address is known."""
    label = _("Read the rest on ticket #{ticket}").format(ticket=ticket_id)
    return f"<{escape(url)}|{label}>" if url else label
