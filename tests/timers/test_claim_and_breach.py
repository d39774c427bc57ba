"""Claim time-outs, reminders and breaches on the worker's clock, through the fake services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Timers
from bot.demo.bundle import Clock
from bot.desk.permissions import Actor
from bot.errors import UserFacingError
from bot.escalations import lifecycle
from bot.services import Services
from bot.store.models import RoutingDecisionRow, Timer
from bot.timers import offer
from bot.worker import Worker
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import LEADS, ROUTING
from tests.timers.conftest import ROSTER, at, dm_channel, esc_of, escalate, run_until, shown

VIP = ("esc_senior", "esc_withdrawal", "vip")


def notes_of(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [c["body"] for c in fake.state.comments[ticket_id] if "Baton" in c["body"]]


async def test_a_vip_escalation_unclaimed_for_ten_minutes_goes_to_someone_else(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    await escalate(services, fake_zendesk, 401, tags=VIP)
    await worker.drain()
    first = (await esc_of(services, 401)).analyst_key
    assert first in ("ana", "bruno")
    owner = ROSTER.by_key(first)
    assert owner is not None

    await run_until(worker, clock, at(10, 9, 45))
    assert (await esc_of(services, 401)).analyst_key == first  # not yet
    # At 80% of the 10 minutes the owner was reminded, once.
    dms = shown(fake_slack, dm_channel(owner.slack_id))
    assert len([t for t in dms if "#401" in t and "alarm_clock" in t]) == 1  # in pt-BR

    await run_until(worker, clock, at(10, 10, 30))
    esc = await esc_of(services, 401)
    assert esc.analyst_key not in (None, first)
    new = ROSTER.by_key(esc.analyst_key or "")
    assert new is not None
    async with services.db.session() as s:
        rows = list(await s.scalars(select(RoutingDecisionRow).order_by(RoutingDecisionRow.id)))
    assert rows[-1].reasons[0] == f"not claimed within 10 min by {owner.name}"
    # Zendesk follows: the new assignee, and a note saying why.
    assert fake_zendesk.state.tickets[401]["assignee_id"] == new.zendesk_id
    assert any(f"re-routed to {new.name}" in n for n in notes_of(fake_zendesk, 401))
    # The new owner has a DM; the channel alert was edited in place, not posted again.
    assert any("#401" in t for t in shown(fake_slack, dm_channel(new.slack_id)))
    channel = shown(fake_slack, ROUTING)
    assert len(channel) == 1
    assert f"<@{new.slack_id}>" in channel[0]


async def test_a_breach_alerts_the_leads_once_turns_the_alert_red_and_offers_it(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    await escalate(services, fake_zendesk, 402, tags=VIP)
    await run_until(worker, clock, at(10, 14, 45))
    assert shown(fake_slack, LEADS) == []
    await run_until(worker, clock, at(10, 40))  # two more claim time-outs on the way
    leads = shown(fake_slack, LEADS)
    assert len(leads) == 1, leads
    assert "#402" in leads[0] and "first response" in leads[0] and "red_circle" in leads[0]
    channel = shown(fake_slack, ROUTING)
    assert len(channel) == 1 and "Overdue" in channel[0]
    # The offer went to the next best analyst on shift at 10:15, not the owner then.
    async with services.db.session() as s:
        breach = await s.scalar(select(Timer).where(Timer.kind == "response_breach"))
    assert breach is not None and breach.status == "done"
    assert breach.outcome is not None and "offered to" in breach.outcome
    taker = next(a for a in ROSTER.analysts if breach.outcome.endswith(a.name))
    offers = [
        m
        for m in fake_slack.messages.get(dm_channel(taker.slack_id), [])
        for b in m["blocks"]
        if any(e.get("action_id") == "esc_take" for e in b.get("elements", []))
    ]
    assert len(offers) == 1
    assert "#402" in offers[0]["text"] and "red_circle" in str(offers[0]["blocks"])


async def test_take_from_an_offer_and_a_polite_refusal_for_the_second_taker(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    await escalate(services, fake_zendesk, 403)
    await worker.drain()
    esc = await esc_of(services, 403)
    owner = esc.analyst_key
    ana, bruno = ROSTER.by_key("ana"), ROSTER.by_key("bruno")
    assert ana is not None and bruno is not None
    taker = bruno if owner == "ana" else ana
    async with services.db.session() as s:
        took = await offer.take(
            s,
            services=services,
            actor=Actor(slack_id=taker.slack_id, analyst=taker),
            now=clock.now,
            offer=offer.Offer(escalation_id=esc.id, owner=owner, to=taker.key),
        )
    assert took.analyst_key == taker.key and took.status == "claimed"
    assert took.first_response_at == clock.now
    other = ROSTER.by_key("eduarda")
    assert other is not None
    with pytest.raises(UserFacingError) as refused:
        async with services.db.session() as s:
            await offer.take(
                s,
                services=services,
                actor=Actor(slack_id=other.slack_id, analyst=other),
                now=clock.now,
                offer=offer.Offer(escalation_id=esc.id, owner=owner, to=other.key),
            )
    assert str(refused.value) == f"Ticket #403 was already taken by {taker.name}."
    await worker.drain()
    assert fake_zendesk.state.tickets[403]["assignee_id"] == taker.zendesk_id


@pytest.mark.parametrize("timers", [Timers(claim_timeout=0.5, first_response=5)])
async def test_fractional_minutes_half_a_minute_is_thirty_seconds(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    await escalate(services, fake_zendesk, 404)
    await worker.drain()
    first = (await esc_of(services, 404)).analyst_key
    await run_until(worker, clock, at(10, 0, 29))
    assert (await esc_of(services, 404)).analyst_key == first
    await run_until(worker, clock, at(10, 0, 31))
    assert (await esc_of(services, 404)).analyst_key not in (None, first)


async def test_claiming_stops_the_claim_and_first_response_timers(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    await escalate(services, fake_zendesk, 405, tags=VIP)
    await worker.drain()
    esc = await esc_of(services, 405)
    owner = ROSTER.by_key(esc.analyst_key or "")
    assert owner is not None
    clock.now += timedelta(minutes=3)
    async with services.db.session() as s:
        await lifecycle.claim(
            s,
            services=services,
            actor=Actor(slack_id=owner.slack_id, analyst=owner),
            now=clock.now,
            escalation_id=esc.id,
        )
    await run_until(worker, clock, at(10, 30))
    assert (await esc_of(services, 405)).analyst_key == owner.key
    assert shown(fake_slack, LEADS) == []
    async with services.db.session() as s:
        kinds = {
            t.kind: t.status
            for t in await s.scalars(select(Timer).where(Timer.escalation_id == esc.id))
        }
    assert kinds["claim_timeout"] == "cancelled" and kinds["response_breach"] == "cancelled"
    assert kinds["resolution_breach"] == "pending"  # the resolution clock still runs
