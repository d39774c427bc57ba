"""Intake end to end: signed webhook -> inbox -> worker -> real zenpy client -> fake Zendesk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.events.zendesk import ZendeskEvent
from bot.services import Services
from bot.store import inbox, outbox
from bot.store.db import Database
from bot.store.models import (
    AuditEntry,
    Escalation,
    InboxEvent,
    OutboxMessage,
    RoutingDecisionRow,
    utcnow,
)
from bot.worker import Worker
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import app_client, post_zendesk, zendesk_services

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-webhook-secret"
SP = load_roster(ROOT / "examples" / "roster.toml").timezone
# Monday 16 Nov 2026, 10:00 in São Paulo: Ana (pt, en) and Bruno (pt, es) are on the morning shift.
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SP).astimezone(UTC)
ANA, BRUNO = 900001, 900002


class Killed(BaseException):
    """The process dies here (not an error the code could catch and handle)."""


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk, clock: Clock) -> Services:
    return zendesk_services(db, fake_zendesk, clock, secret=SECRET)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c


async def post_trigger(
    client: TestClient[Any, Any],
    ticket_id: int,
    agent: str = "500777",
    *,
    updated_at: str | None = None,
    **headers: str,
) -> str:
    """Our trigger's body; updated_at (the ticket's, as our trigger sends it) names the update."""
    body = {"ticket_id": str(ticket_id), "event": "esc_senior", "agent_id": agent}
    if updated_at is not None:
        body["updated_at"] = updated_at
    resp = await post_zendesk(client, SECRET, body, **headers)
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["status"])


def puts(fake: FakeZendesk, ticket_id: int) -> list[dict[str, Any]]:
    return [
        r.json["ticket"]
        for r in fake.requests_to("PUT", f"/api/v2/tickets/{ticket_id}.json")
        if r.json
    ]


def baton_notes(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [c["body"] for c in fake.state.comments[ticket_id] if "[baton:" in c["body"]]


async def count(db: Database, model: Any) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def make_due(db: Database) -> None:
    """Let time pass: every waiting event and outbox row becomes due now."""
    past = LONG_AGO
    async with db.session() as s:
        await s.execute(
            update(InboxEvent).where(InboxEvent.status == "pending").values(available_at=past)
        )
        await s.execute(
            update(OutboxMessage).where(OutboxMessage.status == "pending").values(available_at=past)
        )


async def test_webhook_to_one_read_and_one_update(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(101)
    assert await post_trigger(client, 101) == "stored"
    await Worker(services).drain()

    reads = fake_zendesk.requests_to("GET", "/api/v2/tickets/101.json")
    assert len(reads) == 1 and "users" in reads[0].query["include"][0]
    [body] = puts(fake_zendesk, 101)
    assert len(fake_zendesk.requests) == 2  # read ticket (+ requester), one update. No more.
    assert body["assignee_id"] in (ANA, BRUNO)
    assert body["additional_tags"] == ["baton_routed"]
    assert body["comment"]["public"] is False
    assert (
        "escalated to" in body["comment"]["body"] and "SLA: resolve by" in body["comment"]["body"]
    )
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation))
        decision = await s.scalar(select(RoutingDecisionRow))
    assert esc is not None and decision is not None
    assert esc.status == "routed" and esc.language == "pt"
    assert esc.agent_id == 500777  # the agent who escalated, from the trigger's current_user
    assert decision.analyst_key == esc.analyst_key and any("pt" in r for r in decision.reasons)
    assert "baton_routed" in fake_zendesk.state.tickets[101]["tags"]
    async with services.db.session() as s:
        stamps = list(await s.scalars(select(AuditEntry.at)))
    # The audit log is the escalation's history: stamped by the desk's clock, not the host's.
    assert stamps and all(at == MONDAY_10 for at in stamps)


async def test_event_subscription_body_routes_too(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(102)
    event = {
        "type": "zen:event-type:ticket.tags_changed",
        "account_id": 1,
        "id": "5d0a6f36-8a51-4c41-9a37-1f3c4d2c0a01",
        "time": "2026-11-16T12:58:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:102",
        "detail": {"id": "102", "actor_id": "500888", "tags": ["esc_senior", "esc_withdrawal"]},
        "event": {"tags": {"added": ["esc_senior"], "removed": []}},
    }
    assert (await post_zendesk(client, SECRET, event)).status == 200
    await Worker(services).drain()
    assert len(puts(fake_zendesk, 102)) == 1
    async with services.db.session() as s:
        assert await s.scalar(select(Escalation.agent_id)) == 500888


async def test_duplicates_never_route_twice(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(103)
    statuses = [
        await post_trigger(client, 103, updated_at="2026-11-16T12:58:00Z") for _ in range(3)
    ]
    assert statuses == ["stored", "duplicate", "duplicate"]
    # Another delivery about the same ticket (another update) while it is open.
    assert await post_trigger(client, 103, updated_at="2026-11-16T12:58:30Z") == "stored"
    await Worker(services).drain()
    reads = len(fake_zendesk.requests_to("GET", "/api/v2/tickets/103.json"))
    assert await post_trigger(client, 103, updated_at="2026-11-16T12:59:00Z") == "stored"
    await Worker(services).drain()

    # The escalation is open and routed: the database says so, no read needed.
    assert len(fake_zendesk.requests_to("GET", "/api/v2/tickets/103.json")) == reads
    assert len(puts(fake_zendesk, 103)) == 1
    assert len(baton_notes(fake_zendesk, 103)) == 1
    assert await count(services.db, Escalation) == 1
    assert await count(services.db, RoutingDecisionRow) == 1


async def test_rate_limited_update_waits_for_retry_after_then_lands_once(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    clock: Clock,
) -> None:
    fake_zendesk.add_escalation(104)
    await post_trigger(client, 104)
    worker = Worker(services)
    await worker.process_events()
    fake_zendesk.fail_next(1, status=429, headers={"Retry-After": "7"})
    await worker.deliver_outbox()

    async with services.db.session() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.service == "zendesk"))
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert row.available_at - clock() > timedelta(seconds=6)  # Retry-After honoured
    await worker.drain()  # the rest goes on (Slack, unconfigured here); Zendesk's row waits
    assert len(fake_zendesk.requests_to("PUT", "/api/v2/tickets/104.json")) == 1

    assert await worker.resting() == {"zendesk"}  # nothing else goes to Zendesk meanwhile
    clock.now += timedelta(seconds=8)
    await Worker(services).drain()  # 8 s later
    # The 429'd attempt, then one that landed (after checking the first had not).
    assert len(fake_zendesk.requests_to("PUT", "/api/v2/tickets/104.json")) == 2
    assert len(fake_zendesk.requests_to("GET", "/api/v2/tickets/104/comments.json")) == 1
    assert len(baton_notes(fake_zendesk, 104)) == 1


async def test_zendesk_down_then_back_loses_nothing(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(105)
    fake_zendesk.down()
    assert await post_trigger(client, 105) == "stored"  # the web process does not need Zendesk
    worker = Worker(services)
    await worker.drain()
    async with services.db.session() as s:
        event = await s.scalar(select(InboxEvent))
    assert event is not None and event.status == "pending" and event.last_error

    fake_zendesk.up()
    await make_due(services.db)
    await worker.process_events()  # routes and enqueues the update
    fake_zendesk.down()
    await worker.deliver_outbox()  # the update fails: Zendesk answers 503
    assert baton_notes(fake_zendesk, 105) == []
    fake_zendesk.up()
    await make_due(services.db)
    await worker.drain()
    assert len(baton_notes(fake_zendesk, 105)) == 1
    assert "baton_routed" in fake_zendesk.state.tickets[105]["tags"]


async def test_worker_killed_after_claim_is_taken_over_and_routes_once(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(106)
    await post_trigger(client, 106)
    async with services.db.session() as s:
        [claimed] = await inbox.claim(s, worker="dead-worker")  # then the process is killed
    survivor = Worker(services, name="survivor")
    await survivor.drain()
    assert puts(fake_zendesk, 106) == []  # the lease still holds

    later = utcnow() + inbox.LEASE + timedelta(seconds=1)
    async with services.db.session() as s:
        [taken] = await inbox.claim(s, worker="survivor", now=later)
    assert taken.id == claimed.id and taken.attempts == 2
    from bot.escalations import intake

    await intake.process_event(services, taken, worker="survivor")
    await survivor.drain()
    async with services.db.session() as s:  # the dead worker cannot complete it any more
        assert not await inbox.finish(s, claimed.id, "dead-worker")
    assert len(puts(fake_zendesk, 106)) == 1
    assert await count(services.db, Escalation) == 1


async def test_worker_killed_before_commit_routes_once_after_restart(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_zendesk.add_escalation(107)
    await post_trigger(client, 107)
    real_finish = inbox.finish

    async def killed(*_a: Any, **_k: Any) -> bool:
        raise Killed  # the process dies inside the routing transaction

    monkeypatch.setattr(inbox, "finish", killed)
    with pytest.raises(Killed):
        await Worker(services, name="victim").process_events()
    assert await count(services.db, Escalation) == 0  # nothing half-done was committed

    monkeypatch.setattr(inbox, "finish", real_finish)
    async with services.db.session() as s:
        await s.execute(update(InboxEvent).values(lease_until=LONG_AGO))
    await Worker(services, name="restarted").drain()
    assert len(puts(fake_zendesk, 107)) == 1
    assert await count(services.db, RoutingDecisionRow) == 1


async def test_worker_killed_after_update_landed_does_not_post_twice(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_zendesk.add_escalation(108)
    await post_trigger(client, 108)
    worker = Worker(services, name="victim")
    await worker.process_events()
    real_record = outbox.record

    async def killed(s: Any, row_id: int, worker: str, outcome: Any, **kw: Any) -> Any:
        row = await s.get(OutboxMessage, row_id)
        if row.service == "zendesk":
            raise Killed  # Zendesk applied the update; we die before noting it
        return await real_record(s, row_id, worker, outcome, **kw)

    monkeypatch.setattr(outbox, "record", killed)
    with pytest.raises(Killed):
        await worker.deliver_outbox()
    monkeypatch.setattr(outbox, "record", real_record)
    assert len(puts(fake_zendesk, 108)) == 1

    async with services.db.session() as s:
        await s.execute(update(OutboxMessage).values(lease_until=LONG_AGO))
    await Worker(services, name="restarted").drain()
    assert len(puts(fake_zendesk, 108)) == 1
    assert len(baton_notes(fake_zendesk, 108)) == 1
    async with services.db.session() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.service == "zendesk"))
    assert row is not None and row.status == "done" and row.result == {"already_applied": True}


async def test_incomplete_goes_back_to_the_agent_then_routes_when_fixed(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(109, text="Cliente diz que o saque não chegou, pode ver?")
    await post_trigger(client, 109)
    await Worker(services).drain()
    [first] = puts(fake_zendesk, 109)
    assert first["additional_tags"] == ["baton_incomplete"]
    assert first["remove_tags"] == ["esc_senior"]
    assert "transaction id" in first["comment"]["body"] and first["comment"]["public"] is False
    assert "add the esc_senior tag again" in first["comment"]["body"]

    # The description is read-only: the agent adds the id in a note and re-escalates.
    fake_zendesk.add_comment(109, "ID: TX-8F3K29Q1")
    fake_zendesk.agent_update(109, add_tags=["esc_senior"])
    await post_trigger(client, 109, updated_at="2026-11-16T13:05:00Z")  # the agent's update
    await Worker(services).drain()
    second = puts(fake_zendesk, 109)[1]
    assert second["additional_tags"] == ["baton_routed"]
    assert "baton_incomplete" in second["remove_tags"]
    assert fake_zendesk.state.tickets[109]["description"].endswith("pode ver?")  # unchanged
    assert await count(services.db, Escalation) == 1


async def test_kyc_document_attached_counts_as_complete(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(111, tags=("esc_senior", "esc_kyc"), text="Please verify.")
    fake_zendesk.add_escalation(112, tags=("esc_senior", "esc_kyc"), text="Please verify.")
    for ticket_id, attachments in ((111, "frente.jpg;verso.jpg;"), (112, "")):
        body = {"ticket_id": str(ticket_id), "event": "esc_senior", "attachments": attachments}
        assert (await post_zendesk(client, SECRET, body)).status == 200
    await Worker(services).drain()
    assert puts(fake_zendesk, 111)[0]["additional_tags"] == ["baton_routed"]
    assert puts(fake_zendesk, 112)[0]["additional_tags"] == ["baton_incomplete"]
    # The hint saved 111 the classifying comments call: its one read is the document check's
    # (bot/escalations/documents); 112 had to look (nothing attached there either).
    assert len(fake_zendesk.requests_to("GET", r"/api/v2/tickets/111/comments\.json")) == 1
    assert len(fake_zendesk.requests_to("GET", r"/api/v2/tickets/112/comments\.json")) == 1


async def test_nobody_on_shift_waits_for_the_next_shift(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    clock: Clock,
) -> None:
    # Saturday 21 Nov 2026, 09:30 São Paulo: nobody works Saturday morning in that rota week.
    clock.now = datetime(2026, 11, 21, 9, 30, tzinfo=SP).astimezone(UTC)
    fake_zendesk.add_escalation(110, text="My withdrawal TX-8F3K29Q1 did not arrive yet.")
    await post_trigger(client, 110)
    worker = Worker(services, timer_seconds=0)
    await worker.drain()
    [first] = puts(fake_zendesk, 110)
    assert first["additional_tags"] == ["baton_unassigned"] and "assignee_id" not in first
    assert "next shift starts" in first["comment"]["body"]

    clock.now = datetime(2026, 11, 21, 14, 0, tzinfo=SP).astimezone(UTC)
    await worker.drain()
    second = puts(fake_zendesk, 110)[1]
    assert second["additional_tags"] == ["baton_routed"] and second["assignee_id"] == 900003
    # Its 4-hour SLA ran out at 13:30, while it waited: the note says overdue, not "resolve by".
    note = second["comment"]["body"]
    assert "SLA: overdue since 2026-11-21 13:30 (America/Sao_Paulo)" in note
    assert "resolve by" not in note


async def test_two_workers_racing_on_200_events_route_each_once(
    services: Services,
    fake_zendesk: FakeZendesk,
    clock: Clock,
) -> None:
    ids = list(range(1000, 1200))
    async with services.db.session() as s:
        for tid in ids:
            fake_zendesk.add_escalation(tid, requester_id=tid)
            await inbox.store_event(
                s,
                event=ZendeskEvent(kind="trigger", ticket_id=tid),
                dedupe_key=f"t:{tid}",
                now=clock(),
            )
    # Two workers, each with its own connection pool, as two processes would have.
    other_db = Database(services.db.url)
    other = Services(
        settings=services.settings,
        db=other_db,
        roster=services.roster,
        zendesk=services.zendesk,
        slack=services.slack,
        clock=clock,
    )
    try:
        await asyncio.gather(
            Worker(services, name="w1").drain(max_passes=500),
            Worker(other, name="w2").drain(max_passes=500),
        )
    finally:
        await other_db.dispose()
    async with services.db.session() as s:
        per_ticket = dict(
            (
                await s.execute(
                    select(Escalation.ticket_id, func.count()).group_by(Escalation.ticket_id)
                )
            ).all()
        )
        done = await s.scalar(select(func.count()).where(InboxEvent.status == "done"))
    assert per_ticket == dict.fromkeys(ids, 1)
    assert done == 200
    assert await count(services.db, RoutingDecisionRow) == 200
    updated = sorted(
        int(r.path.split("/")[-1].split(".")[0])
        for r in fake_zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json")
    )
    assert updated == ids


async def test_event_that_keeps_failing_is_parked_and_the_leads_are_told(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    fake_zendesk.add_escalation(113)
    fake_zendesk.down()
    await post_trigger(client, 113)
    clock.now += services.settings.config.delivery.retry_budget  # a day of failing
    await Worker(services).drain()
    async with services.db.session() as s:
        event = await s.scalar(select(InboxEvent))
        alert = await s.scalar(select(OutboxMessage).where(OutboxMessage.action == "post_leads"))
    assert event is not None and event.status == "failed"
    assert alert is not None and "baton inbox retry --all" in alert.payload["text"]
    assert "#113" in alert.payload["text"]
