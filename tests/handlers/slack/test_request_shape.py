"""/slack/events: forged requests get 401, signed garbage 400 with the reason, before bolt."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from handlers.signing import sign_slack
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import ANA, SECRET, action_body, command_body

FORM, JSON = "application/x-www-form-urlencoded", "application/json"


async def post(
    client: TestClient, body: bytes, ctype: str, *, secret: str = SECRET
) -> tuple[int, str]:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": ctype,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign_slack(secret, ts, body),
    }
    resp = await client.post("/slack/events", data=body, headers=headers)
    if resp.content_type != "application/json":
        return resp.status, ""  # bolt's own (empty) acknowledgement
    return resp.status, (await resp.json()).get("error", "")


@pytest.mark.parametrize(
    ("body", "ctype", "reason"),
    [
        (b"\xff\xfe\x00binary", FORM, "not UTF-8"),
        (b"\x00" * 64, "application/octet-stream", "content type"),
        (b"payload=%5B1%2C2%5D", FORM, "payload must be a JSON object"),
        (b"payload=not-json", FORM, "payload is not valid JSON"),
        (b"payload=" + quote(json.dumps({"type": "nope"})).encode(), FORM, "unknown payload type"),
        (b"payload=" + quote(json.dumps({"type": "block_actions"})).encode(), FORM, "user.id"),
        (b"foo=bar", FORM, "not a slash command or interactivity payload"),
        (b"[1, 2]", JSON, "body must be a JSON object"),
        (b'{"type": "event_callback", "event": "x"}', JSON, "event.type"),
        (b'{"type": "surprise"}', JSON, "unknown request type"),
    ],
)
async def test_signed_garbage_is_400_with_the_reason(
    client: TestClient, body: bytes, ctype: str, reason: str
) -> None:
    status, error = await post(client, body, ctype)
    assert status == 400 and reason in error


async def test_unknown_command_and_missing_fields_are_400_not_a_3_second_wait(
    client: TestClient, fake_slack: FakeSlack
) -> None:
    other = command_body(fake_slack, user=ANA, text="help").replace("%2Fbaton", "%2Fother")
    started = time.monotonic()
    assert await post(client, other.encode(), FORM) == (400, "unknown command '/other'")
    assert time.monotonic() - started < 1.0
    no_url = command_body(fake_slack, user=ANA, text="help").split("&response_url=")[0]
    assert await post(client, no_url.encode(), FORM) == (400, "slash command has no response_url")


async def test_forged_is_401_and_real_requests_still_work(
    client: TestClient, fake_slack: FakeSlack
) -> None:
    body = action_body(fake_slack, user=ANA, action_id="esc_claim", value="999").encode()
    status, error = await post(client, body, FORM, secret="not-the-secret")
    assert status == 401 and "signature" in error
    assert (await post(client, b"\xff\xfe", FORM, secret="x"))[0] == 401  # unsigned binary too
    ok = command_body(fake_slack, user=ANA, text="help").encode()
    status, _ = await post(client, ok, FORM)
    assert status == 200
    await fake_slack.wait_for("response_url")
