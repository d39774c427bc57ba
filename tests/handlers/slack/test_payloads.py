"""Slack's requests read once into typed objects: recorded payloads in, attributes out.

Every listener reads its request through these classes, so an odd shape reads as blank here
and the listener answers it like a stale button, instead of a KeyError inside bolt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from handlers.slack.payloads import ButtonPress, HomeOpened, Origin, SlashCommand, ViewSubmission

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def test_a_message_button_is_answered_under_its_message() -> None:
    body = _recorded("interactive_block_actions_message_button.json")
    press = ButtonPress.of(body, body["actions"][0])
    assert press.origin == Origin(
        user_id="U111",
        trigger_id="4916855695380.xxx.yyy",
        response_url="http://localhost:8888/webhook",
        on_home=False,
    )
    assert (press.action_id, press.value, press.selected) == ("button", "clicked", None)


def test_a_home_tab_button_has_no_message_to_answer_under() -> None:
    body = _recorded("interactive_block_actions_home_tab.json")
    press = ButtonPress.of(body, body["actions"][0])
    assert press.origin.on_home and press.origin.response_url is None
    assert press.origin.trigger_id and press.origin.user_id == "U123"
    assert press.value == "create_task"


def test_a_response_url_that_is_not_a_web_address_is_not_used() -> None:
    body = {"user": {"id": "U1"}, "response_url": "javascript:alert(1)", "trigger_id": ""}
    assert Origin.of(body) == Origin(user_id="U1")


@pytest.mark.parametrize(
    ("value", "read"),
    [("42", "42"), (42, "42"), (True, None), ({"id": 1}, None), (None, None), ("", "")],
)
def test_a_button_value_is_read_as_text(value: object, read: str | None) -> None:
    assert ButtonPress.of({"user": {"id": "U1"}}, {"value": value}).value == read


def test_a_picked_option_is_the_selected_value() -> None:
    action = {"action_id": "draft_language", "selected_option": {"value": "7:es"}}
    press = ButtonPress.of({"user": {"id": "U1"}}, action)
    assert (press.value, press.selected) == (None, "7:es")


def test_odd_shapes_read_as_blank() -> None:
    press = ButtonPress.of({"user": "U1", "container": []}, {"selected_option": "x"})
    assert press.origin == Origin(user_id="") and press.selected is None


def test_a_submitted_modal_reads_its_inputs() -> None:
    body = _recorded("interactive_view_submission.json")
    submitted = ViewSubmission.of(body, body["view"])
    assert submitted.user_id == "W111" and submitted.private_metadata == "This is for you!"
    assert submitted.text("hspI", "maBWU") == "test"
    assert submitted.text("hspI", "missing") is None and submitted.element("nope", "x") == {}


def test_every_kind_of_input_reads_back() -> None:
    state = {
        "who": {"pick": {"type": "users_select", "selected_user": "U05CAR0003"}},
        "cause": {"pick": {"type": "static_select", "selected_option": {"value": "other"}}},
        "unset": {"pick": {"type": "static_select", "selected_option": None}},
        "boxes": {"pick": {"type": "checkboxes", "selected_options": [{"value": "a"}, "junk"]}},
    }
    view = {"private_metadata": 17, "state": {"values": state}}
    submitted = ViewSubmission.of({"user": {"id": "U1"}}, view)
    assert submitted.user("who", "pick") == "U05CAR0003"
    assert (
        submitted.picked("cause", "pick") == "other" and submitted.picked("unset", "pick") is None
    )
    assert submitted.picked_all("boxes", "pick") == ["a"]
    assert submitted.picked_all("cause", "pick") is None
    assert submitted.private_metadata == "17"  # read as the digits an escalation id has


def test_a_modal_without_state_has_no_inputs() -> None:
    submitted = ViewSubmission.of({"user": {"id": "U1"}}, {"state": "broken"})
    assert submitted.state == {} and submitted.private_metadata == ""


def test_a_slash_command_as_slack_posts_it() -> None:
    form = dict(parse_qsl((FIXTURES / "slash_command_body_docs_example.txt").read_text().strip()))
    asked = SlashCommand.of(form)
    assert asked == SlashCommand(
        user_id="U2147483697",
        text="94070",
        trigger_id="13345224609.738474920.8088930838d88f008e0",
        channel_id="C2147483705",
    )
    assert SlashCommand.of({"user_id": "U1"}) == SlashCommand(user_id="U1")


def test_home_opened_names_the_tab() -> None:
    assert HomeOpened.of({"user": "U1"}) == HomeOpened(user_id="U1", tab="home")
    assert HomeOpened.of({"user": "U1", "tab": "messages"}).tab == "messages"
