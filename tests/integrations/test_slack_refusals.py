"""The fake Slack refuses what Slack refuses, and Baton's client copes with each refusal."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import IntegrationError
from bot.ports import SlackPost
from integrations.slack import METADATA_EVENT, SlackClient
from tests.fakes.slack_server import TOKEN, FakeSlack

CHANNEL = "C0ESCALATE"
META = {"event_type": METADATA_EVENT, "event_payload": {"key": "outbox:7"}}


def _web(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url, retry_handlers=[])


def _client(fake: FakeSlack) -> SlackClient:
    return SlackClient.from_settings(Settings(slack_bot_token=TOKEN, slack_api_url=fake.api_url))


async def _error(call: Awaitable[Any]) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_history_and_replies_carry_metadata_only_when_asked(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    parent = await web.chat_postMessage(channel=CHANNEL, text="alert", metadata=META)
    await web.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=parent["ts"])
    plain = await web.conversations_history(channel=CHANNEL)
    assert [m["text"] for m in plain["messages"]] == ["alert"]  # a thread's reply is not there
    assert "metadata" not in plain["messages"][0]
    asked = await web.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert asked["messages"][0]["metadata"] == META
    thread = await web.conversations_replies(channel=CHANNEL, ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["alert", "reply"]
    assert "metadata" not in thread["messages"][0]
    thread = await web.conversations_replies(
        channel=CHANNEL, ts=parent["ts"], include_all_metadata=True
    )
    assert thread["messages"][0]["metadata"] == META
    assert await _error(web.conversations_replies(channel=CHANNEL, ts="1.2")) == (
        "thread_not_found"
    )


async def test_baton_asks_for_the_metadata_it_looks_for(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    posted = await client.post(SlackPost(channel=CHANNEL, text="hi", metadata_key="outbox:9"))
    assert await client.find_message(CHANNEL, "outbox:9") == posted["ts"]
    (history,) = fake_slack.called("conversations.history")
    assert history.params["include_all_metadata"] in ("1", "true")


async def test_an_unknown_or_gone_channel_is_refused_and_not_retried(
    fake_slack: FakeSlack,
) -> None:
    web = _web(fake_slack)
    assert await _error(web.chat_postMessage(channel="#general", text="x")) == ("channel_not_found")
    fake_slack.gone_channels.add(CHANNEL)
    assert await _error(web.conversations_history(channel=CHANNEL)) == "channel_not_found"
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack).post(SlackPost(channel=CHANNEL, text="x"))
    assert not info.value.retryable and "channel_not_found" in str(info.value)
    # Baton cannot look in a channel it cannot read: it posts (one duplicate at worst).
    assert await _client(fake_slack).find_message(CHANNEL, "k") is None
    assert fake_slack.messages == {}


async def test_a_message_needs_content_and_metadata_its_shape(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too
        assert await _error(web.chat_postMessage(channel=CHANNEL)) == "no_text"
    bad = {"event_payload": {"key": "k"}}  # no event_type
    assert await _error(web.chat_postMessage(channel=CHANNEL, text="x", metadata=bad)) == (
        "invalid_metadata_format"
    )
    oversized = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert await _error(web.chat_postMessage(channel=CHANNEL, text="x", blocks=oversized)) == (
        "invalid_blocks"
    )
    assert fake_slack.messages == {}


async def test_a_home_tab_needs_a_user(fake_slack: FakeSlack) -> None:
    web = _web(fake_slack)
    view = {"type": "home", "blocks": []}
    with pytest.raises(SlackApiError) as info:
        await web.views_publish(user_id="nobody", view=view)
    assert info.value.response["error"] == "invalid_arguments"
    assert info.value.response["response_metadata"]["messages"] == ["invalid `user_id`"]
    assert (await web.views_publish(user_id="U05ANA0001", view=view))["ok"]
