"""Resolving an incident: one public reply per linked customer, in their language, with its
resolution and the solved status — once each, across a killed worker and a lost answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.demo.bundle import Clock
from bot.desk.permissions import Actor
from bot.domain import RootCause
from bot.errors import UserFacingError
from bot.incidents import resolve as core_resolve
from bot.incidents.replies import ReplyTemplate, render
from bot.services import Services
from bot.store import outbox
from bot.store.models import OutboxMessage, ResolutionRow
from tests.fakes.zendesk_server import FakeZendesk
from tests.incidents.support import (
    escalate,
    escalation,
    incidents,
    settle,
)

LANGS = {801: "pt", 802: "es", 803: "zh", 804: "ru", 805: "en"}
FORM = core_resolve.IncidentForm(
    root_cause=RootCause.PROVIDER_FAILURE,
    summary="Pix settlement API down 09:40-10:35; the provider replayed every transfer.",
    template=ReplyTemplate.PROCESSED,
)


def public(fake: FakeZendesk, ticket_id: int) -> list[str]:
    """The public replies on the ticket (its first comment is the customer's description)."""
    return [c["body"] for c in fake.state.comments[ticket_id][1:] if c["public"]]


async def _wave(
    client: TestClient[Any, Any], services: Services, fake: FakeZendesk, clock: Clock
) -> int:
    for t, lang in LANGS.items():
        await escalate(client, fake, t, extra_tags=(f"lang_{lang}",))
    await settle(services, clock)
    [inc] = await incidents(services.db)
    return inc.id


def lead(services: Services) -> Actor:
    leads = [a for a in services.roster.analysts if a.has_role("lead")]
    return Actor(slack_id=leads[0].slack_id, analyst=leads[0])


async def test_every_customer_gets_one_reply_in_their_language(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    incident_id = await _wave(client, services, fake_zendesk, clock)
    async with services.db.session() as s:
        await core_resolve.resolve(
            s, services, incident_id=incident_id, actor=lead(services), form=FORM, now=clock.now
        )
    await settle(services, clock)
    bodies = {}
    for t, lang in LANGS.items():
        [body] = public(fake_zendesk, t)
        assert body == render(ReplyTemplate.PROCESSED, language=lang)
        bodies[lang] = body
        assert fake_zendesk.state.tickets[t]["status"] == "solved"
        assert "baton_resolved" in fake_zendesk.state.tickets[t]["tags"]
    assert len(set(bodies.values())) == 5  # five languages, five texts
    assert "Obrigado" in bodies["pt"] or "Agradecemos" in bodies["pt"]
    assert "Спасибо" in bodies["ru"] and "感谢" in bodies["zh"] and "Gracias" in bodies["es"]
    async with services.db.session() as s:
        rows = list(await s.scalars(select(ResolutionRow)))
    assert len(rows) == 5
    assert {(r.root_cause, r.avoidable, r.zendesk_status) for r in rows} == {
        ("provider_failure", False, "solved")
    }
    esc = await escalation(services.db, 801)
    assert esc.status == "resolved" and esc.open_ticket_id is None


async def test_one_reply_per_ticket_across_a_killed_worker_and_a_lost_answer(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    incident_id = await _wave(client, services, fake_zendesk, clock)
    async with services.db.session() as s:
        await core_resolve.resolve(
            s, services, incident_id=incident_id, actor=lead(services), form=FORM, now=clock.now
        )
    # A worker claims two replies and dies before sending them.
    async with services.db.session() as s:
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.startswith(core_resolve.REPLY_KEY))
            .values(available_at=clock.now)
        )
        taken = await outbox.claim(s, worker="dead-worker", limit=2, now=clock.now)
    assert len(taken) == 2
    # Zendesk applies the next two writes but the answers never come back.
    fake_zendesk.lose_next_answer(2)
    await settle(services, clock)
    clock.now += outbox.LEASE + timedelta(minutes=5)
    await settle(services, clock, seconds=120)
    for t in LANGS:
        assert len(public(fake_zendesk, t)) == 1, t
    [inc] = await incidents(services.db)
    async with services.db.session() as s:
        done = await core_resolve.progress(s, inc)
    assert done == 5


async def test_only_a_lead_or_an_analyst_on_it_resolves_and_only_once(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    incident_id = await _wave(client, services, fake_zendesk, clock)
    stranger = Actor(slack_id="U0NOBODY")
    async with services.db.session() as s:
        with pytest.raises(UserFacingError):
            await core_resolve.resolve(
                s, services, incident_id=incident_id, actor=stranger, form=FORM, now=clock.now
            )
    async with services.db.session() as s:
        await core_resolve.resolve(
            s, services, incident_id=incident_id, actor=lead(services), form=FORM, now=clock.now
        )
    async with services.db.session() as s:
        with pytest.raises(UserFacingError, match="not open"):
            await core_resolve.resolve(
                s, services, incident_id=incident_id, actor=lead(services), form=FORM, now=clock.now
            )


def test_the_form_names_what_is_missing() -> None:
    errors = core_resolve.parse_form({"root_cause": "nope", "summary": " ", "template": None})
    assert set(errors) == {"root_cause", "summary", "template"}
    ok = core_resolve.parse_form(
        {"root_cause": "provider_delay", "summary": "late", "template": "retry"}
    )
    assert isinstance(ok, core_resolve.IncidentForm)


async def test_the_report_counts_by_incident_and_the_terminal_lists_it(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    from bot.incidents.overview import listing
    from bot.incidents.terminal import lines
    from bot.reports.period import parse_period
    from bot.reports.queries import build_report
    from bot.reports.text import render as render_report

    incident_id = await _wave(client, services, fake_zendesk, clock)
    clock.now += timedelta(minutes=30)
    async with services.db.session() as s:
        await core_resolve.resolve(
            s, services, incident_id=incident_id, actor=lead(services), form=FORM, now=clock.now
        )
    await settle(services, clock)
    tz = services.roster.timezone
    async with services.db.read_session() as s:
        period = parse_period("week", now=clock.now, tz=tz)
        report = await build_report(s, period=period, roster=services.roster, now=clock.now)
        shown = lines(await listing(s), tz=tz)
    assert [(c.key, c.count) for c in report.by_incident] == [(f"INC-{incident_id}", 5)]
    assert 5 * 30 * 60 <= report.paused_seconds <= 5 * 31 * 60
    text = render_report(report)
    assert "Escalations by incident" in text and "paused" in text
    assert shown[0].startswith(f"INC-{incident_id}  resolved pix (withdrawal)")
    assert "5 of 5 answered" in shown[1] and "root cause provider failure" in shown[1]
