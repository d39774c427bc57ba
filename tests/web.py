"""Serving Baton's real aiohttp app to a test client, services wired to the fake Zendesk, and
signing Zendesk webhooks for it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, create_app
from bot.config import BatonConfig, Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.services import Services, Unconfigured
from bot.store.db import Database
from handlers.signing import sign_zendesk
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROSTER = Path(__file__).resolve().parent.parent / "examples" / "roster.toml"


def zendesk_services(
    db: Database,
    fake: FakeZendesk,
    clock: Clock,
    *,
    secret: str,
    config: BatonConfig | None = None,
) -> Services:
    """The real zenpy client on the fake Zendesk, the sample roster, Slack not configured."""
    return Services(
        settings=Settings(
            database_url=db.url, zendesk_webhook_secret=secret, config=config or BatonConfig()
        ),
        db=db,
        roster=load_roster(ROSTER),
        zendesk=ZendeskClient(base_url=fake.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
        clock=clock,
    )


@asynccontextmanager
async def app_client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    """A client for create_app(services); the test's own fixtures dispose the database."""
    app = create_app(services)
    app.on_cleanup.clear()
    async with TestClient(TestServer(app)) as c:
        yield c


async def post_zendesk(
    client: TestClient[Any, Any], secret: str, body: Mapping[str, Any], **headers: str
) -> ClientResponse:
    """POST a JSON body to /webhooks/zendesk, signed as Zendesk does, stamped by the app clock."""
    raw = json.dumps(body).encode()
    services: Services = client.app[SERVICES]
    ts = services.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    return await client.post(
        "/webhooks/zendesk",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(secret, ts, raw),
            **headers,
        },
    )
