"""Shift handovers: at 23:00 the late shift's unclaimed and unattended work moves to the night."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Timers
from bot.demo.bundle import Clock
from bot.desk.on_shift import next_handover, shift_ends
from bot.desk.permissions import Actor
from bot.escalations import deadlines, lifecycle
from bot.services import Services
from bot.slack_messages.timers import HandoverLine, handover
from bot.store.models import Escalation, RoutingDecisionRow
from bot.timers.handover import leaving
from bot.worker import Worker
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import ROUTING
from tests.timers.conftest import ROSTER, at, dm_channel, esc_of, escalate, run_until, shown

# Long claim and response clocks: only the handover moves anything in these tests.
PATIENT = Timers(claim_timeout=600, first_response=600)


def test_the_default_roster_hands_over_at_six_fifteen_eighteen_twenty_one_and_twenty_three() -> (
    None
):
    ends = shift_ends(ROSTER, at(0), at(23, 59))
    local = [f"{e.astimezone(ROSTER.timezone):%H:%M}" for e in ends]
    assert local == ["06:00", "15:00", "18:00", "21:00", "23:00"]  # 18:00: the lead's office day
    assert [a.key for a in leaving(ROSTER, at(23))] == ["carla", "diego"]
    assert next_handover(ROSTER, at(21, 30)) == at(23)


@pytest.fixture
def clock() -> Clock:
    return Clock(at(21, 30))  # only Carla (pt, en, ru) and Diego (pt, en, es) are on shift


@pytest.mark.parametrize("timers", [PATIENT])
async def test_at_23_the_late_shifts_unclaimed_escalations_go_to_the_night_shift(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    await escalate(services, fake_zendesk, 501, tags=("esc_senior", "esc_tx_failed", "lang_zh"))
    await escalate(services, fake_zendesk, 502, tags=("esc_senior", "esc_withdrawal", "lang_ru"))
    await escalate(services, fake_zendesk, 503, tags=("esc_senior", "esc_account"))
    await escalate(services, fake_zendesk, 504, tags=("esc_senior", "esc_deposit_missing"))
    await worker.drain()
    before = {t: (await esc_of(services, t)).analyst_key for t in (501, 502, 503, 504)}
    assert set(before.values()) <= {"carla", "diego"}
    assert before[502] == "carla"  # the Russian speaker
    # 504 is claimed and worked on just before the end of the shift: it stays.
    kyc = await esc_of(services, 504)
    owner = ROSTER.by_key(kyc.analyst_key or "")
    assert owner is not None
    clock.now = at(22, 50)
    async with services.db.session() as s:
        await lifecycle.claim(
            s,
            services=services,
            actor=Actor(slack_id=owner.slack_id, analyst=owner),
            now=clock.now,
            escalation_id=kyc.id,
        )
    await run_until(worker, clock, at(22, 59, 45))
    assert {t: (await esc_of(services, t)).analyst_key for t in (501, 502, 503)} == {
        t: before[t] for t in (501, 502, 503)
    }

    await run_until(worker, clock, at(23, 1))
    after = {t: (await esc_of(services, t)).analyst_key for t in (501, 502, 503, 504)}
    assert after[501] == "felipe"  # the night shift's Chinese speaker
    assert after[502] in ("felipe", "gabriela", "henrique")  # no Russian speaker at night
    assert after[503] in ("felipe", "gabriela", "henrique")
    assert after[504] == owner.key  # claimed with recent action: stays
    async with services.db.session() as s:
        reasons = [
            r.reasons[0]
            for r in await s.scalars(
                select(RoutingDecisionRow).where(RoutingDecisionRow.decided_at >= at(23))
            )
        ]
    assert len(reasons) == 3
    assert all(r.startswith("handover: ") and "shift ended at 23:00" in r for r in reasons)
    # Zendesk, the channel alert and a DM follow each move.
    felipe = ROSTER.by_key("felipe")
    assert felipe is not None
    assert fake_zendesk.state.tickets[501]["assignee_id"] == felipe.zendesk_id
    assert any("#501" in t for t in shown(fake_slack, dm_channel(felipe.slack_id)))
    channel = shown(fake_slack, ROUTING)
    alert_501 = [t for t in channel if "Escalation #501" in t]
    assert len(alert_501) == 1 and f"<@{felipe.slack_id}>" in alert_501[0]
    # One handover message per analyst leaving with open work, listing every one of them.
    handovers = [t for t in channel if "Handover from" in t]
    assert len(handovers) == len(set(before.values()))
    listed = "\n".join(handovers)
    for t in (501, 502, 503, 504):
        assert f"#{t}" in listed
    assert "stays with" in listed and "reassigned to Felipe Tanaka" in listed

    await run_until(worker, clock, at(23, 30))  # nothing more: each handover fired once
    assert len([t for t in shown(fake_slack, ROUTING) if "Handover from" in t]) == len(handovers)


@pytest.mark.parametrize("timers", [PATIENT])
async def test_a_claimed_escalation_left_alone_for_an_hour_is_handed_on(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    await escalate(services, fake_zendesk, 511, tags=("esc_senior", "esc_account"))
    await worker.drain()
    esc = await esc_of(services, 511)
    owner = ROSTER.by_key(esc.analyst_key or "")
    assert owner is not None
    async with services.db.session() as s:
        await lifecycle.claim(
            s,
            services=services,
            actor=Actor(slack_id=owner.slack_id, analyst=owner),
            now=clock.now,
            escalation_id=esc.id,
        )
    await run_until(worker, clock, at(23, 0, 30))
    moved = await esc_of(services, 511)
    assert moved.analyst_key in ("felipe", "gabriela", "henrique")
    assert moved.status == "routed"  # the new owner claims it in turn
    assert moved.claim_due_at == at(23) + timedelta(minutes=600)  # the new owner's claim clock


async def test_the_desk_clock_starts_when_the_escalation_is_complete(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    # Sent back as incomplete (no category), completed by the agent two hours later.
    await escalate(services, fake_zendesk, 521, tags=("esc_senior",))
    await worker.drain()
    first = await esc_of(services, 521)
    assert first.status == "incomplete" and first.desk_started_at is None
    clock.now += timedelta(hours=2)
    await escalate(services, fake_zendesk, 521, tags=("esc_senior", "esc_withdrawal"))
    await worker.drain()
    esc = await esc_of(services, 521)
    assert esc.status == "routed"
    assert esc.received_at == at(21, 30)  # the customer's clock
    assert esc.desk_started_at == at(23, 30)  # the desk's clock
    cfg = services.settings.config
    assert esc.sla_due_at == esc.desk_started_at + deadlines.resolution_span(
        cfg, category="withdrawal", vip=False
    )
    assert esc.first_response_due_at == esc.desk_started_at + timedelta(minutes=60)


def test_a_missed_deadline_in_a_handover_says_overdue() -> None:
    end = datetime(2026, 11, 16, 15, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))

    def line(ticket: int, due: datetime) -> HandoverLine:
        esc = Escalation(id=ticket, ticket_id=ticket, category="withdrawal", status="claimed")
        last = end - timedelta(minutes=15)
        return HandoverLine(esc, "claimed", "resolution", due, last, None, "recent")

    lines = [line(9001, end - timedelta(hours=4)), line(9002, end + timedelta(hours=1))]
    _, blocks = handover(name="Bruno Lima", shift_end=end, lines=lines, tz="America/Sao_Paulo")
    late, on_time = blocks[0]["text"]["text"].splitlines()[1:]
    assert ":red_circle: Overdue: resolve by 11:00" in late  # not "resolve by" a past time
    assert "Overdue" not in on_time and "resolve by 4:00" in on_time
