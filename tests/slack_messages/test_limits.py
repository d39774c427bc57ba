"""Slack's limits: the fake refuses what Slack refuses, and Baton's fitting never splits markup."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import IntegrationError
from bot.ports import SlackPost
from bot.slack_messages import limits
from bot.slack_messages.text import escape
from integrations.slack import SlackClient
from tests.fakes import slack_blocks
from tests.fakes.slack_server import TOKEN, FakeSlack

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# An escape sequence or a link/mention, whole: what a cut may never leave half of.
_MARKUP = re.compile(r"&(?:amp|lt|gt);|<[^<>]*>")


def _web(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url, retry_handlers=[])


def _section(text: str) -> list[dict[str, object]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


# --- the fake refuses as Slack does ---------------------------------------------------------


async def test_the_fake_refuses_a_section_over_3000_characters_as_slack_does(
    fake_slack: FakeSlack,
) -> None:
    web = _web(fake_slack)
    await web.chat_postMessage(channel="C0ROUTING1", text="ok", blocks=_section("x" * 3000))
    with pytest.raises(SlackApiError) as info:
        await web.chat_postMessage(channel="C0ROUTING1", text="no", blocks=_section("x" * 3001))
    body = info.value.response.data
    assert body["ok"] is False and body["error"] == "invalid_blocks"
    assert body["errors"] == [
        "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]
    assert body["response_metadata"]["messages"][1].startswith("[ERROR] must be less than 3001")
    assert len(fake_slack.messages["C0ROUTING1"]) == 1  # the refused one was not posted


async def test_baton_client_reports_the_refusal_as_final_not_retried(
    fake_slack: FakeSlack,
) -> None:
    client = SlackClient(_web(fake_slack))
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    with pytest.raises(IntegrationError) as info:
        await client.post(SlackPost(channel="C0ROUTING1", text="x", blocks=blocks))
    assert not info.value.retryable and "invalid_blocks" in str(info.value)


@pytest.mark.parametrize("method", ["chat.update", "chat.postEphemeral"])
async def test_edits_and_ephemeral_messages_are_held_to_the_same_limits(
    fake_slack: FakeSlack, method: str
) -> None:
    web = _web(fake_slack)
    posted = await web.chat_postMessage(channel="C0ROUTING1", text="ok")
    fields = [{"type": "mrkdwn", "text": "f"} for _ in range(11)]
    blocks = [{"type": "section", "fields": fields}]
    extra = {"ts": posted["ts"]} if method == "chat.update" else {"user": "U05CAR0003"}
    with pytest.raises(SlackApiError) as info:
        await web.api_call(
            method, json={"channel": "C0ROUTING1", "text": "x", "blocks": blocks, **extra}
        )
    assert info.value.response["error"] == "invalid_blocks"
    assert info.value.response["errors"] == [
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]"
    ]


async def test_views_over_the_limits_answer_invalid_arguments(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title of more than 24 chars"},
        "blocks": _section("ok"),
    }
    with pytest.raises(SlackApiError) as info:
        await web.views_open(trigger_id="1.2.3", view=view)
    body = info.value.response.data
    assert body["error"] == "invalid_arguments" and "errors" not in body
    assert body["response_metadata"]["messages"] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/view/title]",
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
    ]
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackApiError) as info:
        await web.views_publish(user_id="U05CAR0003", view=home)
    assert info.value.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


async def test_an_unknown_channel_is_channel_not_found(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    fake_slack.gone_channels.add("C0ARCHIVED")
    for channel in ("#routing", "", "C0ARCHIVED"):
        with pytest.raises(SlackApiError) as info:
            await web.chat_postMessage(channel=channel, text="x")
        assert info.value.response["error"] == "channel_not_found"


async def test_a_response_url_refuses_oversized_blocks_like_a_webhook(
    fake_slack: FakeSlack,
) -> None:
    client = SlackClient(_web(fake_slack))
    url = fake_slack.response_url("draft")
    await client.respond(url, text="ok", blocks=_section("x" * 3000), replace=False)
    with pytest.raises(IntegrationError) as info:
        await client.respond(url, text="no", blocks=_section("x" * 3001), replace=False)
    assert "HTTP 400" in str(info.value) and not info.value.retryable


def test_the_fakes_table_is_slacks_published_one() -> None:
    """The fake's numbers are the reference's (the corpus copy), not Baton's own."""
    table = json.loads((FIXTURES / "block_kit_limits.json").read_text(encoding="utf-8"))
    published = {row["field"]: row["max"] for row in table["limits"]}
    fake = slack_blocks.SLACK
    assert published["blocks per message"] == fake["message.blocks"]
    assert published["blocks per view (modal or Home tab)"] == fake["view.blocks"]
    assert published["section.text.text"] == fake["section.text"]
    assert published["section.fields (count)"] == fake["section.fields"]
    assert published["section.fields[].text"] == fake["section.fields[].text"]
    assert published["button.text.text"] == fake["button.text"]
    assert published["button.value"] == fake["button.value"]
    assert published["option.text.text"] == fake["option.text"]
    assert published["option.value"] == fake["option.value"]
    assert published["static_select.options (count)"] == fake["select.options"]
    assert published["modal title.text"] == fake["view.title"]
    assert published["modal close.text / submit.text"] == fake["view.button"]
    assert published["plain_text_input.max_length (allowed value)"] == 3000


# --- fitting ----------------------------------------------------------------------------------


def test_a_cut_never_splits_an_escape_or_a_link() -> None:
    text = escape("a & b " * 600) + " <https://acme.zendesk.com/agent/tickets/1|ticket #1> " * 40
    fitted = limits.fit(text, 3000)
    assert limits.length(fitted) <= 3000 and fitted.endswith("…")
    assert "&" not in _MARKUP.sub("", fitted) and "<" not in _MARKUP.sub("", fitted)
    for limit in range(1, 40):  # every cut point near a sequence
        cut = limits.fit(escape("<&>" * 20), limit)
        assert limits.length(cut) <= limit
        assert "&" not in _MARKUP.sub("", cut)


def test_a_cut_ends_with_where_to_read_the_rest() -> None:
    more = "<https://acme.zendesk.com/agent/tickets/48213|Read the rest on ticket #48213>"
    fitted = limits.fit("palavra " * 1000, 3000, more=more)
    assert limits.length(fitted) <= 3000
    assert fitted.endswith(f"… {more}") and fitted.startswith("palavra palavra")
    assert limits.fit("short", 3000, more=more) == "short"  # nothing cut, no link


def test_an_emoji_counts_as_two_and_is_never_halved() -> None:
    fitted = limits.fit("😀" * 2000, 3000)
    assert limits.length(fitted) <= 3000
    assert fitted.encode("utf-8").decode("utf-8") == fitted
    assert len(fitted) == 1500  # 1,499 emoji and the ellipsis


_TEXT = st.text(
    alphabet=st.sampled_from("ab &<>|\n\t中文ру😀é\u0301*_~`"), min_size=0, max_size=400
)


@settings(max_examples=200, deadline=None)
@given(raw=_TEXT, limit=st.integers(min_value=1, max_value=120))
def test_fit_is_within_the_limit_and_keeps_markup_whole(raw: str, limit: int) -> None:
    escaped = escape(raw)
    fitted = limits.fit(escaped, limit)
    assert limits.length(fitted) <= limit
    if limits.length(escaped) <= limit:
        assert fitted == escaped
    else:
        head = fitted.removesuffix("…")
        assert escaped.startswith(head)
        assert "&" not in _MARKUP.sub("", head)
