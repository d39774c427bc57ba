"""Grouping end to end: escalations through the webhook and the worker, grouped by provider
and category; the incident's effects on the linked tickets, alerts and clocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.demo.bundle import Clock
from bot.desk.permissions import Actor
from bot.errors import UserFacingError
from bot.escalations import deadlines
from bot.incidents import core, overview
from bot.services import Services
from bot.store.models import Timer
from tests.fakes.zendesk_server import FakeZendesk
from tests.incidents.support import (
    escalate,
    escalation,
    incidents,
    linked_tickets,
    settle,
)


def agent_notes(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [
        c["body"]
        for c in fake.state.comments[ticket_id]
        if not c["public"] and "known provider incident" in c["body"]
    ]


async def test_the_third_escalation_opens_the_incident_and_the_rest_join(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    for t in (301, 302):
        await escalate(client, fake_zendesk, t)
    await settle(services, clock)
    assert await incidents(services.db) == []  # two are not a wave yet

    await escalate(client, fake_zendesk, 303)
    await settle(services, clock)
    [inc] = await incidents(services.db)
    assert (inc.provider, inc.category, inc.status) == ("pix", "withdrawal", "open")
    assert await linked_tickets(services.db, inc.id) == {301, 302, 303}

    # After it opened: a fourth joins as it arrives; each agent is told once.
    clock.now += timedelta(minutes=10)
    await escalate(client, fake_zendesk, 304)
    await settle(services, clock)
    assert await linked_tickets(services.db, inc.id) == {301, 302, 303, 304}
    await settle(services, clock)
    for t in (301, 302, 303, 304):
        [note] = agent_notes(fake_zendesk, t)
        assert "INC-" in note and "pix" in note
    assert (await escalation(services.db, 304)).incident_ref == inc.ref
    # Still routed: each customer has an owner.
    for t in (301, 304):
        assert (await escalation(services.db, t)).analyst_key


async def test_two_providers_two_incidents_other_category_and_unrelated_stay_out(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    for t in (401, 402, 403):
        await escalate(client, fake_zendesk, t, provider="Pix")
    for t in (411, 412, 413):
        await escalate(client, fake_zendesk, t, provider="Tron")
    await escalate(client, fake_zendesk, 421, provider="Pix", category="tx_failed")
    await escalate(client, fake_zendesk, 431, provider="our app", subject="saque atrasado")
    await settle(services, clock)
    pix, tron = await incidents(services.db)
    assert (pix.provider, tron.provider) == ("pix", "tron")
    assert await linked_tickets(services.db, pix.id) == {401, 402, 403}
    assert await linked_tickets(services.db, tron.id) == {411, 412, 413}
    assert (await escalation(services.db, 421)).incident_ref is None  # another category
    assert (await escalation(services.db, 431)).incident_ref is None  # names no provider
    [a, b] = await overview.open_incidents(services)
    assert {a.provider, b.provider} == {"pix", "tron"} and a.count == b.count == 3


async def test_outside_the_window_is_no_wave(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    for t in (501, 502, 503):
        await escalate(client, fake_zendesk, t)
        await settle(services, clock)
        clock.now += timedelta(minutes=20)  # window_minutes is 30
    assert await incidents(services.db) == []


async def test_the_resolution_clock_pauses_while_linked_and_resumes_on_unlink(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    for t in (601, 602, 603):
        await escalate(client, fake_zendesk, t)
    await settle(services, clock)
    before = await escalation(services.db, 601)
    assert before.incident_ref is not None and before.sla_due_at is not None
    async with services.db.session() as s:
        waiting = set(
            await s.scalars(
                select(Timer.kind).where(
                    Timer.escalation_id == before.id, Timer.status == "pending"
                )
            )
        )
    assert not waiting & {"resolution_remind", "resolution_breach"}
    # Past its old deadline while the incident stands: the alert does not turn red.
    late = before.sla_due_at + timedelta(minutes=1)
    assert "resolution" in deadlines.overdue(before, now=late)
    assert "resolution" not in deadlines.overdue(
        before, now=late, paused=deadlines.sla_paused(services.settings.config, before)
    )

    clock.now += timedelta(minutes=45)
    lead = Actor(slack_id="U0LEAD", analyst=services.roster.by_key("ana"))
    async with services.db.session() as s:
        esc = await core.escalation_of_ticket(s, 601)
        await core.unlink(s, services, esc=esc, by=lead.key)
    after = await escalation(services.db, 601)
    assert after.incident_ref is None
    assert after.sla_due_at is not None
    moved = after.sla_due_at - before.sla_due_at
    assert timedelta(minutes=45) <= moved <= timedelta(minutes=46)
    async with services.db.session() as s:
        waiting = set(
            await s.scalars(
                select(Timer.kind).where(Timer.escalation_id == after.id, Timer.status == "pending")
            )
        )
    assert "resolution_breach" in waiting
    assert "resolution" not in deadlines.overdue(after, now=clock.now)
    # Unlinked by a person: the grouping never takes it back.
    await settle(services, clock)
    assert (await escalation(services.db, 601)).incident_ref is None


async def test_compliance_cases_never_join(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    for t in (701, 702, 703):
        await escalate(client, fake_zendesk, t)
    await escalate(client, fake_zendesk, 704, extra_tags=("esc_fraud",))
    await settle(services, clock)
    [inc] = await incidents(services.db)
    assert 704 not in await linked_tickets(services.db, inc.id)
    async with services.db.session() as s:
        esc = await core.escalation_of_ticket(s, 704)
        incident = await core.get(s, inc.id)
        with pytest.raises(UserFacingError, match="cannot join"):
            await core.link(s, services, incident=incident, esc=esc, by="ana")
    async with services.db.session() as s:
        text = str(await overview.provider_transactions(s, inc.id))
    assert "704" not in text
    assert not agent_notes(fake_zendesk, 704)
