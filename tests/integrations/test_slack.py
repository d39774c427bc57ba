"""The Slack client's one chokepoint: Slack failures become the right IntegrationError."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import IntegrationError
from bot.ports import SlackPost
from integrations.slack import SlackClient, should_retry
from tests.fakes.slack_server import TOKEN, FakeSlack


def _client(fake: FakeSlack, token: str = TOKEN) -> SlackClient:
    return SlackClient.from_settings(Settings(slack_bot_token=token, slack_api_url=fake.api_url))


async def test_post_update_and_dm(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    dm = await client.open_dm("U05ANA0001")
    posted = await client.post(SlackPost(channel=dm, text="hi", metadata_key="k1"))
    assert posted["channel"] == dm and posted["ts"]
    await client.post(SlackPost(channel=dm, text="edited", ts=posted["ts"]))
    assert fake_slack.messages[dm][0]["text"] == "edited"
    assert await client.find_message(dm, "k1") == posted["ts"]
    assert await client.find_message(dm, "k2") is None


async def test_rate_limit_is_retryable_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", retry_after="7")
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack).post(SlackPost(channel="C1", text="x"))
    assert info.value.retryable and info.value.retry_after == 7.0 and info.value.status == 429


async def test_server_error_is_retryable(fake_slack: FakeSlack) -> None:
    fake_slack.fail("conversations.open", status=503, error="service_unavailable")
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack).open_dm("U1")
    assert info.value.retryable


async def test_api_error_is_not_retryable(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack).post(SlackPost(channel="C404", text="x"))
    assert not info.value.retryable and "channel_not_found" in str(info.value)


async def test_bad_token_is_not_retryable(fake_slack: FakeSlack) -> None:
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack, token="xoxb-wrong").post(SlackPost(channel="C1", text="x"))
    assert not info.value.retryable and "invalid_auth" in str(info.value)


async def test_connection_refused_is_retryable() -> None:
    settings = Settings(slack_bot_token=TOKEN, slack_api_url="http://127.0.0.1:9/api/")
    with pytest.raises(IntegrationError) as info:
        await SlackClient.from_settings(settings).open_dm("U1")
    assert info.value.retryable


async def test_user_locale(fake_slack: FakeSlack) -> None:
    fake_slack.locales["U05ANA0001"] = "pt-BR"
    assert await _client(fake_slack).user_locale("U05ANA0001") == "pt-BR"


def test_should_retry_rule() -> None:
    assert should_retry(429, "ratelimited") and should_retry(502, None)
    assert not should_retry(200, "not_in_channel")


async def test_a_lost_answer_is_not_resent_by_the_sdk(fake_slack: FakeSlack) -> None:
    """The post lands, the connection drops before the answer: one call, a retryable error.

    slack_sdk's default connection-error handler would resend chat.postMessage here and post
    it twice; the outbox, which checks history before a retry, must be the only retry layer.
    """
    fake_slack.fail("chat.postMessage", status=0, land=True)
    with pytest.raises(IntegrationError) as info:
        await _client(fake_slack).post(SlackPost(channel="C1", text="x", metadata_key="k"))
    assert info.value.retryable
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert len(fake_slack.messages["C1"]) == 1

    # The same drop with the SDK's defaults: it resends, and the message is doubled.
    fake_slack.reset()
    fake_slack.fail("chat.postMessage", status=0, land=True)
    default = AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url)
    await default.chat_postMessage(channel="C1", text="x")
    assert len(fake_slack.messages["C1"]) == 2
