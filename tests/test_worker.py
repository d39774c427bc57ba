"""The worker process loop: it survives failing passes, parks what cannot succeed, stops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.config import Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.escalations import intake
from bot.events.zendesk import ZendeskEvent
from bot.services import Services, Unconfigured
from bot.store import inbox
from bot.store.db import Database
from bot.store.models import Escalation, InboxEvent, OutboxMessage
from bot.worker import MAX_IDLE_BACKOFF, Worker, idle_backoff
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import zendesk_services

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)


def test_failing_passes_back_off_up_to_a_cap() -> None:
    assert [idle_backoff(n, 0.2) for n in (1, 2, 3)] == [0.4, 0.8, 1.6]
    assert idle_backoff(20, 0.2) == MAX_IDLE_BACKOFF


async def test_worker_survives_a_database_outage_and_stops_on_request() -> None:
    broken = Database("sqlite:////nonexistent-dir/baton.db")
    services = Services(
        settings=Settings(database_url=broken.url),
        db=broken,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(services, poll_seconds=0.01).run(stop))
    await asyncio.sleep(0.1)
    assert not task.done()  # failing passes did not kill it
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    await broken.dispose()


@pytest.fixture
def services(db: Database) -> Services:
    return Services(
        settings=Settings(database_url=db.url, slack_leads_channel="C0LEADS001"),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
        clock=Clock(T0),
    )


async def _event(services: Services) -> int:
    async with services.db.session() as s:
        await inbox.store_event(
            s,
            event=ZendeskEvent(kind="trigger", ticket_id=4242),
            dedupe_key="e1",
            now=T0,
        )
        return int(await s.scalar(select(InboxEvent.id)) or 0)


async def test_a_broken_invariant_parks_the_event_and_tells_the_leads_without_details(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = await _event(services)

    async def integrity_error(*_a: object, **_k: object) -> None:
        raise IntegrityError("INSERT …", {"subject": "card 4111 1111 1111 1111"}, Exception("x"))

    monkeypatch.setattr(intake, "process_event", integrity_error)
    await Worker(services).drain()
    async with services.db.session() as s:
        event = await s.get(InboxEvent, event_id)
        alert = await s.scalar(select(OutboxMessage).where(OutboxMessage.action == "post_leads"))
    assert event is not None and event.status == "failed" and event.attempts == 1  # not retried
    assert alert is not None
    text = alert.payload["text"]
    assert "#4242" in text and f"baton inbox retry {event_id}" in text and "error id" in text
    assert "4111" not in text and "INSERT" not in text  # no exception text in Slack


async def test_a_database_hiccup_is_retried_not_parked(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = await _event(services)
    calls: list[int] = []

    async def flaky(*_a: object, **_k: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT …", {}, Exception("database is locked"))
        async with services.db.session() as s:
            await inbox.finish(s, event_id, _k["worker"])  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "process_event", flaky)
    worker = Worker(services)
    await worker.drain()
    services.clock.now += timedelta(minutes=1)  # type: ignore[attr-defined]
    await worker.drain()
    async with services.db.session() as s:
        event = await s.get(InboxEvent, event_id)
    assert event is not None and event.status == "done" and len(calls) == 2


async def test_one_slow_zendesk_read_holds_only_its_own_ticket(
    db: Database, fake_zendesk: FakeZendesk
) -> None:
    services = zendesk_services(db, fake_zendesk, Clock(T0), secret="s3cret")

    async def arrives(ticket: int) -> None:
        fake_zendesk.add_escalation(ticket)
        async with db.session() as s:
            event = ZendeskEvent(kind="trigger", ticket_id=ticket)
            await inbox.store_event(s, event=event, dedupe_key=f"{ticket}", now=T0)

    gate = fake_zendesk.hold_answers(seconds=60, when=lambda r: r.path.endswith("/5101.json"))
    await arrives(5101)
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(services, poll_seconds=0.02).run(stop))
    try:
        async with asyncio.timeout(30):
            while not fake_zendesk.requests_to("GET", r".*/5101\.json"):
                await asyncio.sleep(0.02)
            # The worker is stuck on 5101's read; a ticket that arrives now is not held up.
            await arrives(5102)
            while (await intake_status(db, 5102)) is None:
                await asyncio.sleep(0.02)
        assert await intake_status(db, 5101) is None  # still waiting for its read
        gate.set()
        async with asyncio.timeout(30):
            while (await intake_status(db, 5101)) is None:
                await asyncio.sleep(0.02)
    finally:
        gate.set()
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def intake_status(db: Database, ticket_id: int) -> str | None:
    async with db.read_session() as s:
        status = await s.scalar(select(Escalation.status).where(Escalation.ticket_id == ticket_id))
    return str(status) if status is not None else None
