"""Services on the fake Zendesk and the fake Jira, and an escalation routed through them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.desk.permissions import actor_for
from bot.desk.roster import load_roster
from bot.jira import links
from bot.services import Services
from bot.store.db import Database
from bot.store.models import Escalation, InboxEvent, OutboxMessage
from bot.worker import Worker
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import ROSTER, post_zendesk

SECRET = "zendesk-secret"
JIRA_SECRET = "jira-secret"
SP = load_roster(ROSTER).timezone
# Monday 16 Nov 2026, 10:00 in São Paulo: the morning shift is on.
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SP).astimezone(UTC)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def escalate(
    client: TestClient[Any, Any],
    services: Services,
    fake: FakeZendesk,
    ticket_id: int,
    **kw: Any,
) -> Escalation:
    """An agent escalates the ticket; the worker routes it. Returns the escalation."""
    fake.add_escalation(ticket_id, **kw)
    body = {"ticket_id": str(ticket_id), "event": "esc_senior", "agent_id": "500777"}
    resp = await post_zendesk(client, SECRET, body)
    assert resp.status == 200, await resp.text()
    await Worker(services).drain()
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket_id))
    assert esc is not None and esc.status == "routed", esc and esc.status
    return esc


async def make_due(db: Database) -> None:
    """Let time pass: every waiting event and outbox row is due now."""
    async with db.session() as s:
        for model in (InboxEvent, OutboxMessage):
            await s.execute(
                update(model).where(model.status == "pending").values(available_at=LONG_AGO)
            )


async def rows(db: Database, service: str) -> list[OutboxMessage]:
    async with db.session() as s:
        found = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.service == service).order_by(OutboxMessage.id)
        )
        return list(found)


def baton_notes(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [c["body"] for c in fake.state.comments[ticket_id] if "[baton:" in c["body"]]


async def ask(services: Services, esc_id: int, project: str | None = None) -> links.Requested:
    """The escalation's analyst asks for its Jira issue (`/baton jira`, the Jira button)."""
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        assert esc is not None and esc.analyst_key
        analyst = services.roster.by_key(esc.analyst_key)
        assert analyst is not None
        actor = actor_for(services.roster, analyst.slack_id)
        _, requested = await links.request_by_hand(
            services, s, actor=actor, escalation_id=esc_id, project=project
        )
    return requested
