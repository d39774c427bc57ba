"""Slack's requests as typed objects: each Bolt body is read once, here, and never dug in again.

One small class per kind of request (a slash command, a button, a modal submitted, the App
Home opened), built with ``of(...)`` from what Bolt hands a listener. Shapes Slack does not
send read as blank (None, "", {}): the endpoint has refused malformed bodies already
(``request_shape``), and a listener answers a blank the way it answers a stale button.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _dig(value: Any, *keys: str) -> Any:
    """Follow keys through nested dicts of a payload; None where the shape is not as expected."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _url(value: Any) -> str | None:
    url = _text(value)
    return url if url and url.startswith(("https://", "http://")) else None


def _value(value: Any) -> str | None:
    """A button's value as Slack sends it (a string); a bare number is read as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Origin:
    """Where an interaction happened, read from its payload: who, and how to answer them.

    Buttons on messages come with a ``response_url``; buttons on the App Home tab do not
    (their container is the home view), so they are answered by re-publishing the tab.
    """

    user_id: str
    trigger_id: str | None = None
    response_url: str | None = None
    on_home: bool = False

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Origin:
        """Read the origin of a block_actions or view_submission payload (odd shapes: blank)."""
        return cls(
            user_id=_text(_dig(body, "user", "id")) or "",
            trigger_id=_text(body.get("trigger_id")),
            response_url=_url(body.get("response_url")),
            on_home=_dig(body, "container", "type") == "view"
            and _dig(body, "view", "type") == "home",
        )


@dataclass(frozen=True)
class SlashCommand:
    """`/baton …` as Slack posts it: who, what they typed, where, and the trigger for a modal."""

    user_id: str
    text: str = ""
    trigger_id: str | None = None
    channel_id: str | None = None

    @classmethod
    def of(cls, command: Mapping[str, Any]) -> SlashCommand:
        """Read Bolt's ``command`` argument."""
        return cls(
            user_id=str(command.get("user_id", "")),
            text=str(command.get("text", "")),
            trigger_id=_text(command.get("trigger_id")),
            channel_id=_text(command.get("channel_id")),
        )


@dataclass(frozen=True)
class ButtonPress:
    """A block_actions click: where it came from, which button, and what the button carries.

    ``value`` is a button's value; ``selected`` the value of the option picked in a select.
    """

    origin: Origin
    action_id: str = ""
    value: str | None = None
    selected: str | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any], action: Mapping[str, Any]) -> ButtonPress:
        """Read Bolt's ``body`` and ``action`` arguments."""
        return cls(
            origin=Origin.of(body),
            action_id=str(action.get("action_id", "")),
            value=_value(action.get("value")),
            selected=_value(_dig(action, "selected_option", "value")),
        )


@dataclass(frozen=True)
class ViewSubmission:
    """A modal submitted: who, the metadata it was opened with, and its inputs' state."""

    user_id: str
    private_metadata: str = ""
    state: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, body: Mapping[str, Any], view: Mapping[str, Any]) -> ViewSubmission:
        """Read Bolt's ``body`` and ``view`` arguments."""
        state = _dig(view, "state", "values")
        return cls(
            user_id=Origin.of(body).user_id,
            private_metadata=_value(view.get("private_metadata")) or "",
            state=state if isinstance(state, dict) else {},
        )

    def element(self, block_id: str, action_id: str) -> Mapping[str, Any]:
        """One input element's state ({} when the modal has no such input)."""
        found = _dig(self.state, block_id, action_id)
        return found if isinstance(found, dict) else {}

    def text(self, block_id: str, action_id: str) -> str | None:
        """What was typed in a text input (None: nothing sent)."""
        value = self.element(block_id, action_id).get("value")
        return value if isinstance(value, str) else None

    def picked(self, block_id: str, action_id: str) -> str | None:
        """The option picked in a select or a set of radio buttons."""
        value = _dig(self.element(block_id, action_id), "selected_option", "value")
        return value if isinstance(value, str) else None

    def picked_all(self, block_id: str, action_id: str) -> list[str] | None:
        """The options ticked in checkboxes or a multi-select (None: not that kind of input)."""
        options = self.element(block_id, action_id).get("selected_options")
        if not isinstance(options, list):
            return None
        return [str(o.get("value")) for o in options if isinstance(o, dict)]

    def user(self, block_id: str, action_id: str) -> str | None:
        """The user picked in a users select."""
        value = self.element(block_id, action_id).get("selected_user")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class HomeOpened:
    """The app_home_opened event: whose tab, and which tab (home or messages)."""

    user_id: str
    tab: str = "home"

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> HomeOpened:
        """Read Bolt's ``event`` argument."""
        return cls(user_id=str(event["user"]), tab=str(event.get("tab", "home")))
