"""A ticket solved or closed in Zendesk closes its escalation, and the analyst's load falls.

End to end: the second trigger's body (or the event subscription's status_changed) -> inbox ->
worker -> one read through zenpy (the API is the truth) -> the escalation resolved, its slot
freed, the Slack alerts updated through the outbox.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.demo.bundle import Clock
from bot.escalations.workload import team_state
from bot.services import Services
from bot.store.db import Database
from bot.store.models import AuditEntry, Escalation, OutboxMessage
from bot.worker import Worker
from tests.escalations.test_intake import MONDAY_10, SECRET, puts
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import app_client, post_zendesk, zendesk_services

_ids = itertools.count()


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


async def escalate(
    client: TestClient[Any, Any], services: Services, fake: FakeZendesk, ticket_id: int
) -> Escalation:
    fake.add_escalation(ticket_id, requester_id=70_000 + ticket_id)
    inv = {"X-Zendesk-Webhook-Invocation-Id": f"esc-{next(_ids)}"}
    assert (await post_zendesk(client, SECRET, {"ticket_id": str(ticket_id)}, **inv)).status == 200
    await Worker(services).drain()
    return await escalation(services, ticket_id)


async def escalation(services: Services, ticket_id: int) -> Escalation:
    async with services.db.session() as s:
        esc = await s.scalar(
            select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.id)
        )
    assert esc is not None
    return esc


async def load(services: Services, analyst: str) -> int:
    async with services.db.session() as s:
        _, loads, _ = await team_state(s, now=services.clock())
    return loads[analyst].open_count if analyst in loads else 0


def solved_trigger(ticket_id: int, status: str = "Solved") -> dict[str, str]:
    # What `baton zendesk setup`'s second trigger sends ({{ticket.status}} is the label).
    return {"ticket_id": str(ticket_id), "event": "ticket_solved", "status": status}


def status_changed(ticket_id: int, status: str) -> dict[str, Any]:
    # Zendesk's documented event: upper-case statuses, in detail.status and event.current.
    return {
        "type": "zen:event-type:ticket.status_changed",
        "id": f"status-{next(_ids)}",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {"id": str(ticket_id), "status": status.upper()},
        "event": {"current": status.upper(), "previous": "OPEN"},
    }


@pytest.mark.parametrize("shape", ["trigger", "event"])
async def test_solved_in_zendesk_closes_the_escalation_and_frees_the_load(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    clock: Clock,
    shape: str,
) -> None:
    esc = await escalate(client, services, fake_zendesk, 501)
    analyst = esc.analyst_key
    assert esc.status == "routed" and analyst is not None
    assert await load(services, analyst) == 1

    fake_zendesk.agent_update(501, status="solved")
    fake_zendesk.take_calls()
    body = solved_trigger(501) if shape == "trigger" else status_changed(501, "solved")
    assert (await post_zendesk(client, SECRET, body)).status == 200
    await Worker(services).drain()

    # One read (the webhook is a hint), no write to the solved ticket.
    assert fake_zendesk.take_calls() == ["GET /api/v2/tickets/501.json"]
    closed = await escalation(services, 501)
    assert closed.status == "resolved" and closed.open_ticket_id is None
    assert closed.resolved_at == clock.now
    assert await load(services, analyst) == 0
    async with services.db.session() as s:
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "resolved"))
        alert = await s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.escalation_id == esc.id, OutboxMessage.action == "update"
            )
        )
    assert audit is not None and audit.actor == "zendesk" and audit.escalation_id == esc.id
    assert audit.detail["ticket_status"] == "solved"
    assert alert is not None and alert.service == "slack"  # the alerts show it resolved


async def test_routing_load_falls_as_work_is_done(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    first = await escalate(client, services, fake_zendesk, 511)
    clock.now += timedelta(minutes=5)
    second = await escalate(client, services, fake_zendesk, 512)
    assert {first.analyst_key, second.analyst_key} == {"ana", "bruno"}  # one each

    clock.now += timedelta(minutes=5)
    fake_zendesk.agent_update(512, status="solved")
    await post_zendesk(client, SECRET, solved_trigger(512))
    await Worker(services).drain()

    # The one who finished has the lighter load now, though assigned more recently.
    third = await escalate(client, services, fake_zendesk, 513)
    assert third.analyst_key == second.analyst_key
    assert puts(fake_zendesk, 513)[0]["assignee_id"] == puts(fake_zendesk, 512)[0]["assignee_id"]


async def test_a_reopened_ticket_stays_escalated(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    await escalate(client, services, fake_zendesk, 521)
    fake_zendesk.agent_update(521, status="open")  # solved, then reopened before we looked
    await post_zendesk(client, SECRET, status_changed(521, "closed"))
    await Worker(services).drain()
    esc = await escalation(services, 521)
    assert esc.status == "routed" and esc.open_ticket_id == 521


async def test_a_solved_event_without_an_open_escalation_costs_no_call(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(531)
    fake_zendesk.agent_update(531, status="solved")
    fake_zendesk.take_calls()
    await post_zendesk(client, SECRET, solved_trigger(531))
    await Worker(services).drain()
    assert fake_zendesk.take_calls() == []
    async with services.db.session() as s:
        assert await s.scalar(select(Escalation)) is None


async def test_a_late_escalation_event_does_not_route_a_solved_ticket(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(541)
    fake_zendesk.agent_update(541, status="solved")
    await post_zendesk(client, SECRET, {"ticket_id": "541"})
    await Worker(services).drain()
    assert puts(fake_zendesk, 541) == []
    async with services.db.session() as s:
        assert await s.scalar(select(Escalation)) is None


async def test_once_closed_the_ticket_can_be_escalated_again(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    await escalate(client, services, fake_zendesk, 551)
    fake_zendesk.agent_update(551, status="solved")
    await post_zendesk(client, SECRET, solved_trigger(551))
    await Worker(services).drain()
    # Reopened and escalated again: the one-open-escalation slot was freed.
    fake_zendesk.agent_update(551, status="open")
    await post_zendesk(client, SECRET, {"ticket_id": "551", "agent_id": "9"})
    await Worker(services).drain()
    async with services.db.session() as s:
        rows = list(await s.scalars(select(Escalation).where(Escalation.ticket_id == 551)))
    assert [(r.status, r.open_ticket_id) for r in rows] == [("resolved", None), ("routed", 551)]
