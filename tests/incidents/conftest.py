"""The incident tests' app: the real client on the fake Zendesk, on the incidents' config."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.demo.bundle import Clock
from bot.services import Services
from bot.store.db import Database
from tests.fakes.zendesk_server import FakeZendesk
from tests.incidents.support import CONFIG, MONDAY_10, SECRET
from tests.web import app_client, zendesk_services


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk, clock: Clock) -> Services:
    return zendesk_services(db, fake_zendesk, clock, secret=SECRET, config=CONFIG)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c
