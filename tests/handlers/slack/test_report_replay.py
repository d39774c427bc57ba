"""A replayed `/baton report` (the same signed request again) posts nothing the second time."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import ANA, command_body, sign
from tests.handlers.slack.test_report import client, services  # noqa: F401


async def test_a_replayed_report_is_posted_once(client: TestClient, fake_slack: FakeSlack) -> None:  # noqa: F811
    body = command_body(fake_slack, user=ANA, text="report week")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    first = await client.post("/slack/events", data=body.encode(), headers=headers)
    assert first.status == 200
    await fake_slack.wait_for("files.completeUploadExternal", timeout=30)
    await fake_slack.wait_for("response_url")
    replay = await client.post("/slack/events", data=body.encode(), headers=headers)
    assert replay.status == 200 and await replay.text() == ""
    await asyncio.sleep(0.5)  # time for a listener to start, had the replay reached one
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert len(fake_slack.called("files.completeUploadExternal")) == 1
    assert len(fake_slack.called("response_url")) == 1
