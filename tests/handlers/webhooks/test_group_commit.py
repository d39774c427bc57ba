"""POST /webhooks/zendesk stores through the app's committer: concurrent deliveries share a
commit, and none is acknowledged before its commit (a failed one answers 503 to each)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.services import Services
from bot.store.db import Database
from bot.store.models import InboxEvent
from handlers.webhooks.gate import INBOX
from tests.handlers.webhooks.test_zendesk import make_services, signed
from tests.web import app_client

N = 12


def body(ticket_id: int) -> bytes:
    return json.dumps(
        {"ticket_id": str(ticket_id), "event": "esc_senior", "updated_at": "May 1, 2024 09:59"}
    ).encode()


@pytest.fixture
async def client(db: Database) -> AsyncIterator[TestClient[Any, Any]]:
    services: Services = make_services(db)
    async with app_client(services) as c:
        yield c


class Gate:
    """Holds the committer's first commit until the other deliveries have queued behind it."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.committer = client.app[INBOX]
        self.commits = 0
        self.fail = False
        self.rows: list[int] = []

    def __call__(self, conn: Any) -> None:
        if not threading.current_thread().name.startswith("baton-db-write"):
            return
        self.commits += 1
        if self.commits == 1:
            deadline = time.monotonic() + 10
            while self.committer.waiting < N - 1 and time.monotonic() < deadline:
                time.sleep(0.005)
        if self.fail:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))


@pytest.fixture
def gate(client: TestClient[Any, Any]) -> Iterator[Gate]:
    g = Gate(client)
    event.listen(Engine, "commit", g)
    yield g
    event.remove(Engine, "commit", g)


async def send(client: TestClient[Any, Any], ticket_id: int) -> tuple[int, Any]:
    raw = body(ticket_id)
    resp = await client.post("/webhooks/zendesk", data=raw, headers=signed(raw))
    return resp.status, await resp.json()


async def stored(db: Database) -> int:
    async with db.read_session() as s:
        return int(await s.scalar(select(func.count()).select_from(InboxEvent)) or 0)


async def test_concurrent_deliveries_share_a_commit_and_each_hears_stored(
    client: TestClient[Any, Any], db: Database, gate: Gate
) -> None:
    answers = await asyncio.gather(*(send(client, 1000 + i) for i in range(N)))
    assert answers == [(200, {"status": "stored"})] * N
    # One commit for all, or the first alone (nothing to wait for) and one for the rest, which
    # queued behind it: never one each.
    assert gate.commits in (1, 2)
    assert await stored(db) == N


async def test_a_failed_commit_answers_503_to_each_waiter_then_the_next_is_stored(
    client: TestClient[Any, Any], db: Database, gate: Gate
) -> None:
    gate.fail = True
    answers = await asyncio.gather(*(send(client, 2000 + i) for i in range(N)))
    assert answers == [(503, {"error": "storage unavailable, retry later"})] * N
    assert await stored(db) == 0  # nothing acknowledged, nothing stored
    gate.fail = False
    assert await send(client, 2000) == (200, {"status": "stored"})
    assert await stored(db) == 1


async def test_a_delivery_and_its_retry_in_one_batch_store_one_row(
    client: TestClient[Any, Any], db: Database, gate: Gate
) -> None:
    answers = await asyncio.gather(*(send(client, 3000 + i // 2) for i in range(N)))
    statuses = sorted(answer["status"] for _, answer in answers)
    assert statuses == ["duplicate"] * (N // 2) + ["stored"] * (N // 2)
    assert await stored(db) == N // 2
