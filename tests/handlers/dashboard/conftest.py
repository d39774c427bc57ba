"""The dashboard's app on the fake Slack (with Sign in with Slack) and the fake Zendesk."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.services import Services
from integrations.slack import SlackSignIn
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_server import FakeSlack, fake_slack, fake_slack_server  # noqa: F401
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.handlers.slack.support import make_services

WALL_TOKEN = "wall-board-token-0123456789abcdef"
CLIENT_ID, CLIENT_SECRET = "25259531569.11152291", "e1b9e11dfcd19c1982d5de12921e17e8c"


def dashboard_services(database_url: str, slack: FakeSlack, zendesk: FakeZendesk) -> Services:
    """Services on the fakes, the real clock (sessions expire by it), both sign-ins set up."""
    base = make_services(database_url, slack)
    settings = dataclasses.replace(
        base.settings,
        dashboard_token=WALL_TOKEN,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
    )
    slack.openid.register(CLIENT_ID, CLIENT_SECRET)
    return dataclasses.replace(
        base,
        settings=settings,
        clock=lambda: datetime.now(UTC),
        zendesk=ZendeskClient(base_url=zendesk.url, email=EMAIL, token=TOKEN),
        signin=SlackSignIn.from_settings(settings),
    )


@pytest.fixture
async def services(
    database_url: str,
    fake_slack: FakeSlack,  # noqa: F811
    fake_zendesk: FakeZendesk,
) -> AsyncIterator[Services]:
    svc = dashboard_services(database_url, fake_slack, fake_zendesk)
    yield svc
    await svc.db.dispose()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(services))) as c:
        yield c
