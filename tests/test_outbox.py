"""The outbox: idempotent enqueue, backoff, dead letters that alert the leads, `baton outbox`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from bot import outbox
from bot.cli import main
from bot.config import Settings
from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import OutboxItem
from bot.roster import load_roster
from bot.services import Services, Unconfigured
from bot.worker import Worker
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk) -> Services:
    return Services(
        settings=Settings(database_url=db.url),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
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
        assert await outbox.enqueue(s, [note(1), note(1)]) == 1
    async with db.session() as s:
        assert await outbox.enqueue(s, [note(1)]) == 0
    assert len(await rows(db)) == 1


def test_backoff_grows_honours_retry_after_and_is_capped() -> None:
    assert 1.6 <= outbox.backoff(1, None) <= 2.4
    assert 12.8 <= outbox.backoff(4, None) <= 19.2
    assert outbox.backoff(1, 30) == 30
    assert outbox.backoff(50, None) <= outbox.MAX_DELAY * 1.2


async def test_a_refused_update_is_dead_lettered_and_the_leads_are_alerted(
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.seed()  # ticket 2
    fake_zendesk.fail_next(1, status=422, body='{"error":"RecordInvalid"}')
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2)])
    await Worker(services).drain()
    dead, leads = await rows(services.db)
    assert dead.status == "dead" and "422" in (dead.last_error or "")
    assert (leads.service, leads.action) == ("slack", "post_leads")
    assert f"baton outbox retry {dead.id}" in leads.payload["text"]
    # Slack is not configured here: the alert is recorded, not lost, and says so.
    assert leads.status == "skipped" and leads.last_error == "slack: not sent: slack not configured"
    assert services.metrics.value("baton_outbox_dead_total", {"service": "zendesk"}) == 1


async def test_retries_run_out_after_the_budget(
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.seed()
    fake_zendesk.down()
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2)])
        await s.execute(update(OutboxMessage).values(attempts=outbox.MAX_ATTEMPTS - 1))
    await Worker(services).drain()
    [row, alert] = await rows(services.db)
    assert row.status == "dead" and row.attempts == outbox.MAX_ATTEMPTS
    assert alert.action == "post_leads"


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
            await outbox.enqueue(s, [note(2)])
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


async def test_retry_after_rests_the_whole_service_not_just_the_row(
    services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.seed()
    fake_zendesk.fail_next(1, status=429, headers={"Retry-After": "30"})
    worker = Worker(services)
    async with services.db.session() as s:
        await outbox.enqueue(s, [note(2, "first")])
    await worker.deliver_outbox()
    assert worker.paused() == {"zendesk"}

    async with services.db.session() as s:
        await outbox.enqueue(
            s,
            [note(2, "second"), OutboxItem("leads:x", "slack", "post_leads", {"text": "hi"})],
        )
    assert await worker.deliver_outbox() == 1  # Slack is not paused; Zendesk waits
    assert len(fake_zendesk.requests_to("PUT", "/api/v2/tickets/2.json")) == 1
    assert await worker.process_events() == 0  # intake reads Zendesk too: it waits as well


def test_inbox_command_lists_and_retries_failed_events(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import inbox
    from bot.models import InboxEvent

    async def fail_an_event() -> int:
        db = Database(database_url)
        try:
            async with db.session() as s:
                await inbox.store_event(
                    s,
                    source="zendesk",
                    dedupe_key="e1",
                    kind="trigger",
                    ticket_id=42,
                    payload={"ticket_id": "42"},
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
