"""POST /webhooks/jira about a provider incident's own issue: Jira resolving it puts a line on
the incident's message asking for the Resolve form; nothing is resolved without a person."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot import i18n
from bot.desk.permissions import actor_for
from bot.domain import Role
from bot.incidents import commands, overview
from bot.services import Services
from bot.slack_messages import incidents as messages
from bot.slack_messages.ids import IncidentAction
from bot.store.models import AuditEntry, InboxEvent, Incident, OutboxMessage
from bot.worker import Worker
from tests.fakes.jira_server import FakeJira
from tests.handlers.webhooks.test_jira import RESOLVED, post_jira
from tests.jira.support import rows

REOPENED_ITEM = {
    "field": "resolution",
    "fieldtype": "jira",
    "from": "10000",
    "fromString": "Done",
    "to": None,
    "toString": None,
}


async def incident_with_issue(services: Services) -> Incident:
    lead = next(a for a in services.roster.analysts if a.has_role(Role.LEAD))
    summary, opened = await commands.open_by_hand(
        services, actor=actor_for(services.roster, lead.slack_id), provider="stripe"
    )
    assert opened
    await Worker(services).drain()  # the outbox creates its Jira issue
    async with services.db.session() as s:
        incident = await s.get(Incident, summary.id)
    assert incident is not None and incident.jira_key
    return incident


def about(incident: Incident, *, reopened: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(RESOLVED)
    body["issue"]["id"], body["issue"]["key"] = "990001", incident.jira_key
    if reopened:
        body["timestamp"] += 60_000
        body["changelog"]["id"] = "990002"
        body["changelog"]["items"] = [REOPENED_ITEM]
    return body


async def rendered(services: Services, incident_id: int) -> str:
    async with services.db.session() as s:
        incident = await s.get(Incident, incident_id)
        assert incident is not None
        summary = await overview.summary(s, incident)
    _, blocks = messages.message(summary, i18n.translator("en"), analysts=[])
    return str(blocks)


async def test_jira_resolving_the_incidents_issue_asks_for_the_resolve_form(
    client: TestClient[Any, Any], services: Services, fake_jira: FakeJira
) -> None:
    incident = await incident_with_issue(services)
    assert "Jira says" not in await rendered(services, incident.id)
    first = await post_jira(client, about(incident))
    again = await post_jira(client, about(incident))  # redelivered: stored once
    assert (first.status, await first.json()) == (200, {"status": "stored"})
    assert (await again.json()) == {"status": "duplicate"}
    await Worker(services).drain()

    shown = await rendered(services, incident.id)
    assert f"Jira says {incident.jira_key} is resolved (Done). Press Resolve" in shown
    assert str(IncidentAction.RESOLVE) in shown  # its Resolve button
    edits = [
        r
        for r in await rows(services.db, "slack")
        if r.idempotency_key.startswith(f"slack:incident:{incident.id}:jira-resolution:")
    ]
    assert len(edits) == 1
    async with services.db.session() as s:
        stored = await s.get(Incident, incident.id)
        event = await s.scalar(select(InboxEvent).where(InboxEvent.source == "jira"))
        replies = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.action == "incident_reply")
        )
        noted = list(
            await s.scalars(
                select(AuditEntry).where(AuditEntry.action == "incident.jira_resolution")
            )
        )
    assert stored is not None and stored.status == "open" and stored.resolved_at is None
    assert list(replies) == []  # no customer is answered without the form
    assert event is not None and event.status == "done"
    assert [n.detail for n in noted] == [
        {"incident": incident.id, "issue": incident.jira_key, "resolution": "Done"}
    ]


async def test_a_reopened_issue_takes_the_line_away(
    client: TestClient[Any, Any], services: Services, fake_jira: FakeJira
) -> None:
    incident = await incident_with_issue(services)
    assert (await post_jira(client, about(incident))).status == 200
    await Worker(services).drain()
    reopened = await post_jira(client, about(incident, reopened=True), identifier="reopened")
    assert (await reopened.json()) == {"status": "stored"}
    await Worker(services).drain()
    assert "Jira says" not in await rendered(services, incident.id)
    edits = [
        r
        for r in await rows(services.db, "slack")
        if r.idempotency_key.startswith(f"slack:incident:{incident.id}:jira-resolution:")
    ]
    assert len(edits) == 2


async def test_a_resolved_incident_ignores_its_issue_resolved_later(
    client: TestClient[Any, Any], services: Services, fake_jira: FakeJira
) -> None:
    incident = await incident_with_issue(services)
    async with services.db.session() as s:
        stored = await s.get(Incident, incident.id)
        assert stored is not None
        stored.status, stored.open_key = "resolved", None
    assert (await post_jira(client, about(incident))).status == 200
    await Worker(services).drain()
    async with services.db.session() as s:
        event = await s.scalar(select(InboxEvent).where(InboxEvent.source == "jira"))
        noted = await s.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "incident.jira_resolution")
        )
    assert event is not None and event.status == "done" and noted is None
