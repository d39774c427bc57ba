"""The web process: health, readiness and metrics endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from bot.config import Settings
from bot.desk.roster import load_roster
from bot.services import Services, Unconfigured
from bot.store import outbox
from bot.store.db import Database, head_revision
from bot.store.models import utcnow
from bot.store.outbox import OutboxItem
from tests.web import app_client

ROOT = Path(__file__).resolve().parent.parent


def make_services(db: Database) -> Services:
    return Services(
        settings=Settings(database_url=db.url),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
    )


@pytest.fixture
async def client(db: Database) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(make_services(db)) as c:
        yield c


async def test_healthz(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200 and await resp.json() == {"status": "ok"}


async def test_readyz_reports_database_migrations_and_backlog(
    client: TestClient[Any, Any], db: Database
) -> None:
    async with db.session() as s:
        await outbox.enqueue(
            s, [OutboxItem("k1", "zendesk", "update_ticket", {"ticket_id": 1})], now=utcnow()
        )
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 200, body
    assert body["status"] == "ready"
    assert body["migrations"] == {"current": head_revision(), "head": head_revision()}
    assert body["outbox"] == {"pending": 1}


async def test_readyz_is_503_when_migrations_are_behind(
    client: TestClient[Any, Any], db: Database
) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        resp = await client.get("/readyz")
        body = await resp.json()
        assert resp.status == 503
        assert body["status"] == "not migrated"
        assert body["migrations"] == {"current": "old", "head": head_revision()}
        assert body["migrations_hint"] == "run `baton db upgrade`"
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()}
            )


async def test_metrics_are_prometheus_text(client: TestClient[Any, Any], db: Database) -> None:
    async with db.session() as s:
        await outbox.enqueue(
            s, [OutboxItem("k1", "zendesk", "update_ticket", {"ticket_id": 1})], now=utcnow()
        )
    await client.get("/healthz")
    await client.post("/webhooks/zendesk", data=b"{}", headers={"Content-Type": "text/plain"})
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.content_type == "text/plain"
    text_ = await resp.text()
    assert "# TYPE baton_http_requests_total counter" in text_
    assert 'baton_http_requests_total{method="GET",path="/healthz",status="200"} 1' in text_
    assert 'baton_outbox_rows{status="pending"} 1' in text_
    assert "baton_http_request_duration_seconds_bucket" in text_
    assert "baton_webhooks_rejected_total" in text_
    assert "baton_outbox_failing 0" in text_
    assert 'baton_intake_to_route_seconds{quantile="0.99"}' in text_


UNREACHABLE = [
    "sqlite:////nonexistent-folder/baton.db",  # SQLite cannot open it
    "postgresql://baton@127.0.0.1:1/baton",  # nothing listens on port 1
]


@pytest.fixture(params=UNREACHABLE, ids=["sqlite", "postgresql"])
async def down_client(request: pytest.FixtureRequest) -> AsyncIterator[TestClient[Any, Any]]:
    """The web app on a database that does not answer."""
    db = Database(request.param)
    try:
        async with app_client(make_services(db)) as c:
            yield c
    finally:
        await db.dispose()


@pytest.fixture
async def empty_client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    """The web app on a database that answers but was never migrated."""
    db = Database(f"sqlite:///{tmp_path}/empty.db")
    try:
        async with app_client(make_services(db)) as c:
            yield c
    finally:
        await db.dispose()


def samples(text_: str) -> dict[str, float]:
    """The exposition's samples, by name and labels."""
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text_.splitlines()
        if line and not line.startswith("#")
    }


async def test_metrics_says_the_database_is_up(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert samples(await resp.text())["baton_database_up"] == 1


async def test_metrics_answers_while_the_database_is_down(
    down_client: TestClient[Any, Any],
) -> None:
    await down_client.get("/healthz")
    resp = await down_client.get("/metrics")
    assert resp.status == 200
    found = samples(await resp.text())
    assert found["baton_database_up"] == 0
    # The process's own counters are still there; nothing read from the database is.
    assert found['baton_http_requests_total{method="GET",path="/healthz",status="200"}'] == 1
    assert not any(name.startswith(("baton_outbox_rows", "baton_escalations{")) for name in found)


async def test_metrics_answers_on_a_database_that_is_not_migrated(
    empty_client: TestClient[Any, Any],
) -> None:
    resp = await empty_client.get("/metrics")
    assert resp.status == 200
    found = samples(await resp.text())
    assert found["baton_database_up"] == 1  # it answers; its tables are not there yet
    assert not any(name.startswith("baton_outbox_rows") for name in found)


async def test_readyz_says_not_migrated_on_an_empty_database(
    empty_client: TestClient[Any, Any],
) -> None:
    resp = await empty_client.get("/readyz")
    body = await resp.json()
    assert resp.status == 503
    assert body["status"] == "not migrated"
    assert body["database"] == "ok"
    assert body["migrations"] == {"current": None, "head": head_revision()}
    assert body["migrations_hint"] == "run `baton db upgrade`"


async def test_readyz_says_unreachable_when_the_database_is_down(
    down_client: TestClient[Any, Any],
) -> None:
    resp = await down_client.get("/readyz")
    body = await resp.json()
    assert resp.status == 503
    assert body["status"] == "database unreachable"
    assert body["database"].startswith("unreachable: ")
