"""Fixtures of the Jira tests: a clock, services on the fake Zendesk and Jira, a web client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.demo.bundle import Clock
from bot.services import Services
from bot.store.db import Database
from integrations.jira import JiraClient
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira
from tests.fakes.zendesk_server import FakeZendesk
from tests.jira.support import JIRA_SECRET, MONDAY_10, SECRET
from tests.web import app_client, zendesk_services


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def services(
    db: Database, fake_zendesk: FakeZendesk, fake_jira: FakeJira, clock: Clock
) -> Services:
    base = zendesk_services(db, fake_zendesk, clock, secret=SECRET)
    settings = dataclasses.replace(
        base.settings,
        zendesk_url=fake_zendesk.url,
        jira_url=fake_jira.url,
        jira_email=EMAIL,
        jira_api_token=TOKEN,
        jira_webhook_secret=JIRA_SECRET,
    )
    jira = JiraClient(base_url=fake_jira.url, token=TOKEN, email=EMAIL, cloud=True)
    return dataclasses.replace(base, settings=settings, jira=jira)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c
