"""What every endpoint that reads a body shares (handlers/body.py), through the real app:
deeply nested JSON is a 400, a body dribbled slowly a 408 with the connection closed, and every
response says only "Baton" in its Server header."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

import handlers.body as request_body
from bot import logs
from bot.app import create_app
from bot.services import Services
from bot.store.models import InboxEvent
from handlers.signing import sign_hub, sign_slack, sign_zendesk
from tests.fakes.slack_server import FakeSlack, fake_slack, fake_slack_server  # noqa: F401
from tests.handlers.slack.support import ROOT, make_services
from tests.handlers.slack.support import SECRET as SLACK_SECRET

ZENDESK_SECRET = "zendesk-secret"
JIRA_SECRET = "jira-secret"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DEEP = [
    b"[" * 100_000,  # RecursionError in the parser
    b'{"ticket_id": "1", "webhookEvent": "jira:issue_updated", "type": "event_callback", "x": '
    + b"[" * 100
    + b"]" * 100
    + b"}",  # parses, but deeper than any vendor nests
]


@pytest.fixture
async def services(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Services]:  # noqa: F811
    base = make_services(database_url, fake_slack)
    settings = dataclasses.replace(
        base.settings, zendesk_webhook_secret=ZENDESK_SECRET, jira_webhook_secret=JIRA_SECRET
    )
    svc = dataclasses.replace(base, settings=settings, clock=lambda: datetime.now(UTC))
    yield svc
    await svc.db.dispose()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(services, body_timeout=1.0))) as c:
        yield c


def signed(path: str, body: bytes, ctype: str = JSON) -> dict[str, str]:
    """The headers each sender signs its body with."""
    headers = {"Content-Type": ctype}
    if path == "/webhooks/zendesk":
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers["X-Zendesk-Webhook-Signature-Timestamp"] = ts
        headers["X-Zendesk-Webhook-Signature"] = sign_zendesk(ZENDESK_SECRET, ts, body)
    elif path == "/webhooks/jira":
        headers["X-Hub-Signature"] = sign_hub(JIRA_SECRET, body)
    else:
        ts = str(int(time.time()))
        headers["X-Slack-Request-Timestamp"] = ts
        headers["X-Slack-Signature"] = sign_slack(SLACK_SECRET, ts, body)
    return headers


@pytest.mark.parametrize("nested", DEEP, ids=["100000-brackets", "100-levels-in-an-object"])
@pytest.mark.parametrize(
    ("path", "ctype", "wrap"),
    [
        ("/webhooks/zendesk", JSON, lambda b: b),
        ("/webhooks/jira", JSON, lambda b: b),
        ("/slack/events", JSON, lambda b: b),  # Events API
        ("/slack/events", FORM, lambda b: b"payload=" + quote(b).encode()),  # interactivity
    ],
    ids=["zendesk", "jira", "slack-events", "slack-payload"],
)
async def test_deeply_nested_json_is_a_400_with_the_reason(
    client: TestClient[Any, Any],
    services: Services,
    path: str,
    ctype: str,
    wrap: Any,
    nested: bytes,
) -> None:
    body = wrap(nested)
    resp = await client.post(path, data=body, headers=signed(path, body, ctype))
    assert (resp.status, await resp.json()) == (400, {"error": "JSON nested too deeply"})
    async with services.db.session() as s:
        assert await s.scalar(select(InboxEvent.id)) is None


def test_every_recorded_vendor_payload_is_within_the_nesting_limit() -> None:
    recorded = sorted(p for p in (ROOT / "tests").rglob("*.json") if "fixtures" in p.parts)
    assert len(recorded) > 20
    for path in recorded:
        try:
            json.loads(path.read_bytes())
        except ValueError:
            continue  # not JSON on purpose (a broken body kept as a sample)
        request_body.loads(path.read_bytes())  # no BadJSON: nothing real nests that deep


async def dribble(client: TestClient[Any, Any], path: str, ctype: str) -> tuple[bytes, float]:
    """Send the headers, then one byte of a 64-byte body every 0.2 s; return what came back
    (until the server closed the connection) and how long that took. Loopback only, bounded."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: {ctype}\r\n"
        "Content-Length: 64\r\nConnection: keep-alive\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    started = time.monotonic()

    async def trickle() -> None:
        for _ in range(60):
            await asyncio.sleep(0.2)
            if writer.is_closing():
                return
            writer.write(b" ")
            try:
                await writer.drain()
            except ConnectionError:
                return

    sender = asyncio.create_task(trickle())
    try:
        async with asyncio.timeout(8):
            answer = await reader.read()  # to EOF: the server closes after its answer
    finally:
        sender.cancel()
        writer.close()
    return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("path", "ctype"),
    [("/webhooks/zendesk", JSON), ("/webhooks/jira", JSON), ("/slack/events", FORM)],
    ids=["zendesk", "jira", "slack"],
)
async def test_a_body_dribbled_slowly_gets_a_408_and_the_connection_closed(
    client: TestClient[Any, Any], path: str, ctype: str
) -> None:
    answer, took = await dribble(client, path, ctype)
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert json.loads(rest) == {"error": "request body not received in time"}
    # Cut off at the 1 s timeout, not after the 12.8 s the body would take, nor lingering.
    assert 0.9 < took < 3.0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/nowhere"),  # 404
        ("GET", "/webhooks/zendesk"),  # 405
        ("POST", "/webhooks/zendesk"),  # 415
        ("POST", "/webhooks/jira"),
        ("POST", "/slack/events"),  # 401
    ],
)
async def test_every_response_says_only_baton_in_its_server_header(
    client: TestClient[Any, Any], method: str, path: str
) -> None:
    resp = await client.request(method, path, data=b"{}")
    assert resp.headers["Server"] == "Baton", (resp.status, resp.headers["Server"])


async def test_the_408_says_only_baton_too(client: TestClient[Any, Any]) -> None:
    answer, _ = await dribble(client, "/webhooks/jira", JSON)
    assert b"\r\nServer: Baton\r\n" in answer and b"aiohttp" not in answer


async def test_zendesk_configured_without_its_secret_is_said_at_start(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dataclasses.replace(
        services.settings,
        zendesk_url="http://127.0.0.1:9",
        zendesk_email="baton@example.com",
        zendesk_api_token="t",
        zendesk_webhook_secret=None,
    )
    with caplog.at_level(logging.WARNING):
        async with TestClient(
            TestServer(create_app(dataclasses.replace(services, settings=settings)))
        ):
            pass
    lines = [
        logs.KeyValueFormatter("%(message)s").format(r)
        for r in caplog.records
        if r.getMessage() == "webhook.secret_missing"
    ]
    assert lines == [
        "webhook.secret_missing answer=503 until it is set endpoint=/webhooks/zendesk "
        "setting=ZENDESK_WEBHOOK_SECRET"
    ]
