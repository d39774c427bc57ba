"""The outbox: idempotent enqueue, order per ticket, backoff, retry budget, `baton outbox`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from bot.cli.main import main
from bot.config import Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.services import Services, Unconfigured
from bot.store import outbox, queue
from bot.store.db import Database
from bot.store.models import OutboxMessage
from bot.store.outbox import OutboxItem
from bot.worker import Worker
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk, clock: Clock) -> Services:
    return Services(
        settings=Settings(database_url=db.url),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
        clock=clock,
    )


def note(ticket_id: int, key: str = "k") -> OutboxItem:
    return OutboxItem(
        key=key,
        service="zendesk",
        action="update_ticket",
        payload={"ticket_id": ticket_id, "internal_note": "hello", "marker": key},
    )


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_enqueue_is_idempotent(db: Database) -> None:
    async with db.session() as s:
        assert await outbox.enqueue(s, [note(1), note(1)], now=T0) == 1
    async with db.session() as s:
        assert await outbox.enqueue(s, [note(1)], now=T0) == 0
    assert len(await rows(db)) == 1


def test_backoff_grows_honours_retry_after_and_is_capped() -> None:
    assert 1.6 <= queue.backoff(1, None, cap=300) <= 2.0
    assert 12.8 <= queue.backoff(4, None, cap=300) <= 16.0
    assert queue.backoff(1, 30, cap=300) == 30
    assert 240 <= queue.backoff(50, None, cap=300) <= 300  # a few minutes at most
    assert queue.backoff(3, 900, cap=300) == 900  # the service's Retry-After still wins


async def test_a_refused_update_is_dead_lettered_and_the_leads_are_alerted(
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.seed()  # ticket 2
    refusal = '{"error":"RecordInvalid","details":{"base":[{"description":"joao@x.com"}]}}'
    fake_zendesk.fail_next(1, status=422, body=refusal)
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2)], now=T0)
    await Worker(services).drain()
    dead, leads = await rows(services.db)
    assert dead.status == "dead" and "RecordInvalid" in (dead.last_error or "")
    assert (leads.service, leads.action) == ("slack", "post_leads")
    assert f"baton outbox retry {dead.id}" in leads.payload["text"]
    # The leads get the kind of refusal; its text (it may quote the ticket) stays in the row.
    assert "HTTP 422" in leads.payload["text"] and "RecordInvalid" not in leads.payload["text"]
    # Slack is not configured here: the alert is recorded, not lost, and says so.
    assert leads.status == "skipped" and leads.last_error == "slack: not sent: slack not configured"
    assert services.metrics.value("baton_outbox_dead_total", {"service": "zendesk"}) == 1


async def test_retries_run_out_after_a_day_not_after_a_count(
    services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    fake_zendesk.seed()
    fake_zendesk.down()
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2, "a")], now=T0)
    worker = Worker(services)
    # An hour of failing, a pass every 10 s: backoff is capped, the row stays alive.
    for _ in range(360):
        clock.now += timedelta(seconds=10)
        await worker.drain()
    row, *notices = await rows(services.db)
    assert row.status == "pending" and row.attempts >= 12  # well past the old 8-attempt limit
    # The leads heard once that Zendesk is down, not once per attempt.
    assert [n.idempotency_key.split(":")[:3] for n in notices] == [["leads", "outage", "zendesk"]]
    clock.now = T0 + services.settings.config.delivery.retry_budget + timedelta(minutes=10)
    await worker.drain()
    row, *alerts = await rows(services.db)
    assert row.status == "dead"
    texts = [a.payload["text"] for a in alerts if a.action == "post_leads"]
    assert any("baton outbox retry --all --service zendesk" in t for t in texts), texts


def test_outbox_command_lists_and_retries_dead_rows(
    database_url: str,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A sync test: the CLI runs its own event loop, as it does in a terminal.
    def in_loop(work: Callable[[Services], Awaitable[T]]) -> T:
        async def go() -> T:
            db = Database(database_url)
            try:
                return await work(
                    Services(
                        settings=Settings(database_url=database_url),
                        db=db,
                        roster=load_roster(ROOT / "examples" / "roster.toml"),
                        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN),
                        slack=Unconfigured("slack"),
                    )
                )
            finally:
                await db.dispose()

        return asyncio.run(go())

    async def fail_once(services: Services) -> OutboxMessage:
        async with services.db.session() as s:
            await outbox.enqueue(s, [note(2)], now=services.clock())
        await Worker(services).drain()
        return (await rows(services.db))[0]

    async def drain_and_read(services: Services) -> OutboxMessage:
        await Worker(services).drain()
        return (await rows(services.db))[0]

    fake_zendesk.seed()
    fake_zendesk.fail_next(1, status=422)
    dead = in_loop(fail_once)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BATON_ROSTER", str(ROOT / "examples" / "roster.toml"))
    runner = CliRunner()

    listed = runner.invoke(main, ["outbox"])
    assert listed.exit_code == 0, listed.output
    assert "1 dead" in listed.output and "update_ticket" in listed.output

    retried = runner.invoke(main, ["outbox", "retry", str(dead.id)])
    assert retried.exit_code == 0, retried.output
    again = runner.invoke(main, ["outbox", "retry", str(dead.id)])
    assert again.exit_code == 1 and "is not dead" in again.output

    assert in_loop(drain_and_read).status == "done"
    assert any("hello" in c["body"] for c in fake_zendesk.state.comments[2])

    usage = runner.invoke(main, ["outbox", "retry"])
    assert usage.exit_code == 2 and "--all" in usage.output
    nothing = runner.invoke(main, ["outbox", "retry", "--all", "--service", "slack"])
    assert nothing.exit_code == 0 and "Nothing to retry" in nothing.output


async def test_retry_after_rests_the_whole_service_not_just_the_row(
    services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    fake_zendesk.seed()
    fake_zendesk.add_escalation(3)
    fake_zendesk.fail_next(1, status=429, headers={"Retry-After": "30"})
    worker = Worker(services)
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2, "first")], now=T0)
    await worker.run_once()
    assert await worker.resting() == {"zendesk"}

    async with services.db.session() as s:
        await outbox.enqueue(
            s,
            [note(3, "other ticket"), OutboxItem("leads:x", "slack", "post_leads", {"text": "hi"})],
            now=T0,
        )
    assert (await worker.run_once()).deliveries == 1  # Slack is not resting; Zendesk waits
    assert len(fake_zendesk.requests) == 1
    assert (await worker.run_once()).events == 0  # intake reads Zendesk too: it waits as well
    clock.now += timedelta(seconds=31)
    await worker.drain()
    assert len(fake_zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json")) == 3


async def test_writes_to_one_ticket_land_in_order_one_at_a_time(
    services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    fake_zendesk.add_escalation(7)
    routing = OutboxItem(
        "route", "zendesk", "update_ticket", {"ticket_id": 7, "assignee_id": 900001}
    )
    claim = OutboxItem("claim", "zendesk", "update_ticket", {"ticket_id": 7, "assignee_id": 900002})
    async with services.db.session() as s:
        await outbox.enqueue(s, [routing, claim], now=T0)
        # Only the head of the ticket's queue can be in flight.
        assert [r.idempotency_key for r in await outbox.claim(s, worker="w", now=T0)] == ["route"]
        assert await outbox.claim(s, worker="w2", now=T0) == []
    async with services.db.session() as s:
        await s.execute(update(OutboxMessage).values(status="pending", claimed_by=None))
    # The routing update fails (a 503); the later claim is due but must not overtake it.
    fake_zendesk.fail_next(1, status=503)
    worker = Worker(services)
    await worker.drain()
    assert [r.json["ticket"]["assignee_id"] for r in fake_zendesk.requests] == [900001]
    clock.now += timedelta(minutes=1)
    await worker.drain()
    puts = [r.json["ticket"]["assignee_id"] for r in fake_zendesk.requests_to("PUT", ".*")]
    assert puts == [900001, 900001, 900002]  # the retried routing, then the claim: it sticks
    assert fake_zendesk.state.tickets[7]["assignee_id"] == 900002


def test_inbox_command_lists_and_retries_failed_events(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.events.zendesk import ZendeskEvent
    from bot.store import inbox
    from bot.store.models import InboxEvent

    async def fail_an_event() -> int:
        db = Database(database_url)
        try:
            async with db.session() as s:
                await inbox.store_event(
                    s,
                    event=ZendeskEvent(kind="trigger", ticket_id=42),
                    dedupe_key="e1",
                    now=datetime.now(UTC),
                )
                await s.execute(
                    update(InboxEvent).values(
                        status="failed",
                        attempts=10,
                        last_error="zendesk: not sent: zendesk not configured",
                    )
                )
            async with db.session() as s:
                return int(await s.scalar(select(InboxEvent.id)) or 0)
        finally:
            await db.dispose()

    event_id = asyncio.run(fail_an_event())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BATON_ROSTER", str(ROOT / "examples" / "roster.toml"))
    runner = CliRunner()
    listed = runner.invoke(main, ["inbox"])
    assert listed.exit_code == 0, listed.output
    assert "failed" in listed.output and "zendesk not configured" in listed.output
    assert runner.invoke(main, ["inbox", "retry", str(event_id)]).exit_code == 0
    again = runner.invoke(main, ["inbox", "retry", str(event_id)])
    assert again.exit_code == 1 and "has not failed" in again.output
    assert "1 waiting" in runner.invoke(main, ["inbox"]).output
    nothing = runner.invoke(main, ["inbox", "retry", "--all"])
    assert nothing.exit_code == 0 and "Nothing to retry" in nothing.output


def test_outbox_and_inbox_listings_show_control_characters_as_escapes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.events.zendesk import ZendeskEvent
    from bot.store import inbox
    from bot.store.models import InboxEvent, ServiceHealth

    # A service's answer echoes customer text: a newline that forges a row, a screen clear, an
    # OSC 8 hyperlink, a bell.
    forged = (
        "422: subject 'x\n    99  dead  \x1b[2J\x1b]8;;http://evil.example\x07here\x1b]8;;\x07'"
    )

    async def store_failures() -> None:
        db = Database(database_url)
        try:
            async with db.session() as s:
                await outbox.enqueue(s, [note(2)], now=T0)
                await s.execute(update(OutboxMessage).values(status="dead", last_error=forged))
                s.add(
                    ServiceHealth(
                        service="zendesk", failing_since=T0, failures=3, last_error=forged
                    )
                )
                await inbox.store_event(
                    s,
                    event=ZendeskEvent(kind="trigger\x1b[31m", ticket_id=42),
                    dedupe_key="e1",
                    now=T0,
                )
                await s.execute(update(InboxEvent).values(status="failed", last_error=forged))
        finally:
            await db.dispose()

    asyncio.run(store_failures())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BATON_ROSTER", str(ROOT / "examples" / "roster.toml"))
    runner = CliRunner()
    shown = "422: subject 'x\\n    99  dead  \\x1b[2J\\x1b]8;;http://evil.example\\x07here"
    for command, rows in ((["outbox"], 4), (["inbox"], 3)):
        listed = runner.invoke(main, command)
        assert listed.exit_code == 0, listed.output
        assert "\x1b" not in listed.output and "\x07" not in listed.output
        lines = listed.output.splitlines()
        assert len(lines) == rows, lines  # summary, (failing service,) header, the one row
        assert shown in lines[-1]
    outbox_lines = runner.invoke(main, ["outbox"]).output.splitlines()
    assert "zendesk failing since" in outbox_lines[1] and shown in outbox_lines[1]
    assert "trigger\\x1b[31m" in runner.invoke(main, ["inbox"]).output
