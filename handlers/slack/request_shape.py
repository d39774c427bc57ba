"""What a request to /slack/events must look like before bolt sees it.

Bolt parses the body before it checks the signature, and raises on bodies Slack never sends
(bytes that are not UTF-8, a ``payload`` that is not a JSON object, JSON that is not an
object). The endpoint checks the signature first (handlers.signing), then the shape here, so forged
requests get a 401 and signed garbage a 400 with the reason, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import handlers.body as request_body

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Interactivity payload types Slack sends (Block Kit and legacy), each from one user.
PAYLOAD_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


class BadSlackRequest(ValueError):
    """A request that is not something Slack sends; the message is the reason."""


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        data = request_body.loads(text, what=what)
    except request_body.BadJSON as err:
        raise BadSlackRequest(str(err)) from err
    if not isinstance(data, dict):
        raise BadSlackRequest(f"{what} must be a JSON object")
    return data


def _text_field(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BadSlackRequest(f"{where} has no {key}")
    return value


def _user_id(data: Mapping[str, Any], where: str) -> None:
    user = data.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise BadSlackRequest(f"{where} has no user.id")


def _response_url(value: Any) -> None:
    # Slack's are https; the tests' fake Slack is http on loopback.
    if value in (None, "") or (
        isinstance(value, str) and urlsplit(value).scheme in ("http", "https")
    ):
        return
    raise BadSlackRequest("response_url is not a URL")


def _check_payload(payload: dict[str, Any]) -> None:
    kind = _text_field(payload, "type", "payload")
    if kind not in PAYLOAD_TYPES:
        raise BadSlackRequest(f"unknown payload type {kind[:40]!r}")
    _user_id(payload, "payload")
    _response_url(payload.get("response_url"))
    if kind == "block_actions":
        actions = payload.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(a, dict) for a in actions)
        ):
            raise BadSlackRequest("block_actions payload has no actions list")
        for action in actions:
            _text_field(action, "action_id", "action")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("state", {}), dict):
            raise BadSlackRequest(f"{kind} payload has no view")


def _check_form(text: str, commands: frozenset[str]) -> None:
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        _check_payload(_object(form["payload"][-1], "payload"))
    elif "command" in form:
        for key in ("command", "user_id", "team_id", "response_url"):
            if not form.get(key, [""])[-1]:
                raise BadSlackRequest(f"slash command has no {key}")
        # Bolt would wait out Slack's 3 seconds for an ack nobody sends, then answer 404.
        if (command := form["command"][-1]) not in commands:
            raise BadSlackRequest(f"unknown command {command[:40]!r}")
        _response_url(form.get("response_url", [""])[-1])
    elif "ssl_check" not in form:
        raise BadSlackRequest("form is not a slash command or interactivity payload")


def _check_json(text: str) -> None:
    data = _object(text, "body")
    kind = _text_field(data, "type", "body")
    if kind not in EVENT_TYPES:
        raise BadSlackRequest(f"unknown request type {kind[:40]!r}")
    if kind == "url_verification":
        _text_field(data, "challenge", "url_verification")
    if kind == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadSlackRequest("event_callback has no event.type")
        if event["type"] == "app_home_opened" and not isinstance(event.get("user"), str):
            raise BadSlackRequest("app_home_opened has no user")


def check(body: bytes, content_type: str, *, commands: frozenset[str]) -> None:
    """Raise BadSlackRequest unless body is a form or JSON request of a kind Slack sends."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadSlackRequest("body is not UTF-8 text") from err
    if content_type == FORM:
        _check_form(text, commands)
    elif content_type == JSON:
        _check_json(text)
    else:
        raise BadSlackRequest(f"content type must be {FORM} or {JSON}")
