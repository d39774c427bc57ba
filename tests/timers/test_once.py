"""Each timer fires once: two workers at the same time, or a worker killed half-way."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.demo.bundle import Clock
from bot.services import Services
from bot.store import queue
from bot.store.models import Escalation, OutboxMessage, RoutingDecisionRow, Timer
from bot.timers import reroute
from bot.timers.runner import QUEUE
from bot.worker import Worker
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import LEADS
from tests.timers.conftest import STEP, at, esc_of, escalate, shown

VIP = ("esc_senior", "esc_withdrawal", "vip")


async def fired(services: Services) -> Counter[str]:
    async with services.db.session() as s:
        rows = await s.execute(
            select(Timer.kind, func.count()).where(Timer.status == "done").group_by(Timer.kind)
        )
        return Counter({kind: n for kind, n in rows})


async def sent_keys(services: Services) -> Counter[str]:
    async with services.db.session() as s:
        keys = list(await s.scalars(select(OutboxMessage.idempotency_key)))
    return Counter(k.split(":")[0] + ":" + k.split(":")[1] for k in keys)


async def test_two_workers_fire_every_timer_once(
    services: Services, clock: Clock, fake_zendesk: FakeZendesk, fake_slack: FakeSlack
) -> None:
    for tid in (601, 602, 603):
        await escalate(services, fake_zendesk, tid, tags=VIP, requester_id=7600 + tid)
    one = Worker(services, name="w1", timer_seconds=0)
    two = Worker(services, name="w2", timer_seconds=0)
    while clock.now < at(10, 16):
        await asyncio.gather(one.drain(), two.drain())
        clock.now += STEP
    await asyncio.gather(one.drain(), two.drain())
    counts = await fired(services)
    # Per escalation: reminded at 8 min, re-routed at 10, reminded of the response at 12,
    # breached at 15; one handover-free morning.
    assert counts == Counter(
        {"claim_remind": 3, "claim_timeout": 3, "response_remind": 3, "response_breach": 3}
    )
    async with services.db.session() as s:
        decisions = await s.scalar(select(func.count()).select_from(RoutingDecisionRow))
    assert decisions == 3 + 3  # the routing, then one re-route each
    leads = shown(fake_slack, LEADS)
    assert len(leads) == 3 and all("Overdue" in t for t in leads)
    for tid in (601, 602, 603):
        assert len([t for t in leads if f"#{tid}" in t]) == 1


async def test_a_worker_killed_holding_timers_they_fire_once_after_its_lease(
    services: Services, clock: Clock, fake_zendesk: FakeZendesk, fake_slack: FakeSlack
) -> None:
    await escalate(services, fake_zendesk, 611, tags=VIP)
    worker = Worker(services, name="w1", timer_seconds=0)
    await worker.drain()
    first = (await esc_of(services, 611)).analyst_key
    clock.now = at(10, 10)
    # A worker claims the due timers and dies before firing them (nothing committed).
    async with services.db.session() as s:
        held = await queue.claim(s, QUEUE, worker="dead", now=clock.now, limit=10)
    assert {t.kind for t in held} == {"claim_remind", "claim_timeout"}
    await worker.drain()
    assert (await esc_of(services, 611)).analyst_key == first  # leased: not fired yet
    clock.now += queue.LEASE + timedelta(seconds=1)
    await worker.drain()
    esc = await esc_of(services, 611)
    assert esc.analyst_key not in (None, first)
    # The restarted worker (a new process: a fresh Worker) finds nothing more to do.
    again = Worker(services, name="w1-restarted", timer_seconds=0)
    before = await sent_keys(services)
    await again.drain()
    assert await sent_keys(services) == before
    assert (await esc_of(services, 611)).analyst_key == esc.analyst_key
    counts = await fired(services)
    assert counts["claim_timeout"] == 1
    # The late reminder was dropped, not sent after the deadline it reminds of.
    async with services.db.session() as s:
        remind = await s.scalar(select(Timer).where(Timer.kind == "claim_remind"))
    assert remind is not None and remind.status == "cancelled"


async def test_a_firing_that_fails_half_way_leaves_nothing_and_fires_once_later(
    services: Services,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await escalate(services, fake_zendesk, 621, tags=VIP)
    worker = Worker(services, name="w1", timer_seconds=0)
    await worker.drain()
    real = reroute.reroute
    calls = 0

    async def crash_after_the_work(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        moved = await real(*args, **kwargs)  # everything written, then the process "dies"
        if calls == 1:
            raise RuntimeError("killed mid-way")
        return moved

    monkeypatch.setattr(reroute, "reroute", crash_after_the_work)
    clock.now = at(10, 10)
    await worker.drain()
    async with services.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(RoutingDecisionRow)) == 1
    clock.now += timedelta(seconds=10)  # past the retry's backoff
    await worker.drain()
    assert calls == 2
    async with services.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(RoutingDecisionRow)) == 2
        dms = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like("slack:esc:%:dm:%:claim-timeout-%"))
        )
    assert dms == 1


async def test_escalations_opened_before_timers_existed_get_them_when_the_worker_starts(
    services: Services, clock: Clock, fake_zendesk: FakeZendesk, fake_slack: FakeSlack
) -> None:
    fake_zendesk.add_escalation(631, tags=VIP)
    async with services.db.session() as s:  # as migration 0004 leaves one: no deadlines yet
        s.add(
            Escalation(
                ticket_id=631,
                open_ticket_id=631,
                status="routed",
                category="withdrawal",
                vip=True,
                language="pt",
                subject="Saque",
                requester_id=7631,
                analyst_key="ana",
                received_at=at(9, 40),
                desk_started_at=at(9, 40),
                routed_at=at(9, 40),
                sla_due_at=at(11, 40),
            )
        )
    await Worker(services, name="w1", timer_seconds=0).drain()
    esc = await esc_of(services, 631)
    assert esc.analyst_key == "bruno"  # not claimed within 10 min of 09:40
    assert esc.first_response_due_at == at(9, 55)
    leads = shown(fake_slack, LEADS)
    assert len(leads) == 1 and "#631" in leads[0]  # no first action by 09:55
