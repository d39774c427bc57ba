"""Shift handovers: at each shift end, the open work of everyone leaving is handed on.

For each person going off shift who holds open escalations, one message in the routing
channel lists them (state, next deadline, last action). Unclaimed ones, and claimed ones with
no action for ``UNATTENDED``, are re-routed by the routing rules among those on shift (the
language speaker when there is one); claimed ones with recent action stay and are listed so the
next shift knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.availability import current as marks_in_force
from bot.desk.on_shift import shift_ends
from bot.desk.roster import Roster, on_shift, shift_instance
from bot.domain import Analyst, Availability, EscalationStatus
from bot.escalations import deadlines
from bot.escalations.alerts import POST, SERVICE
from bot.services import Services
from bot.slack_messages.timers import HandoverLine, handover
from bot.store import outbox
from bot.store.models import Escalation
from bot.store.outbox import OutboxItem
from bot.timers import reroute

# A claimed escalation with no analyst action for this long is handed on at a shift end.
UNATTENDED = timedelta(hours=1)
_TICK = timedelta(microseconds=1)
HOLDING = (EscalationStatus.ROUTED, EscalationStatus.CLAIMED)
OPEN = (*HOLDING, EscalationStatus.UNASSIGNED)


def timer_rows(roster: Roster, start: datetime, end: datetime) -> list[dict[str, object]]:
    """Timer rows for the handovers in (start, end]: one per shift end, keyed by the instant."""
    return [
        {
            "key": f"{deadlines.TimerKind.HANDOVER}:{at.isoformat()}",
            "kind": str(deadlines.TimerKind.HANDOVER),
            "escalation_id": None,
            "deadline_at": at,
            "available_at": at,
        }
        for at in shift_ends(roster, start, end)
    ]


def leaving(roster: Roster, at: datetime, marks: Sequence[Availability] = ()) -> list[Analyst]:
    """Who goes off shift at the instant: on before it and not after, or scheduled to end."""
    before = {o.analyst.key for o in on_shift(roster, at - _TICK, marks)}
    after = {o.analyst.key for o in on_shift(roster, at, marks)}
    scheduled = {
        a.key
        for a in roster.analysts
        if (inst := shift_instance(a, roster, at - _TICK)) and inst[1] == at
    }
    keys = (before | scheduled) - after
    return [a for a in roster.analysts if a.key in keys]


async def hand_over(services: Services, s: AsyncSession, *, at: datetime, now: datetime) -> str:
    """Run the handover of the shift end at; return what it did, in a line."""
    roster = services.roster
    marks = await marks_in_force(s, now=at - _TICK)
    tz = str(roster.timezone)
    done: list[str] = []
    for person in leaving(roster, at, marks):
        held = list(
            await s.scalars(
                select(Escalation)
                .where(Escalation.analyst_key == person.key, Escalation.status.in_(HOLDING))
                .order_by(Escalation.id)
                .with_for_update()
            )
        )
        if not held:
            continue
        lines = [await _hand_on(services, s, esc=e, person=person, at=at, now=now) for e in held]
        text, blocks = handover(name=person.name, shift_end=at, lines=lines, tz=tz)
        item = OutboxItem(
            key=f"slack:handover:{person.key}:{at.isoformat()}",
            service=SERVICE,
            action=POST,
            payload={
                "kind": "handover",
                "channel": services.settings.slack_routing_channel,
                "text": text,
                "blocks": blocks,
            },
        )
        await outbox.enqueue(s, [item], now=now)
        moved = sum(1 for line in lines if line.moved_to)
        done.append(f"{person.name}: {len(lines)} open, {moved} reassigned")
    return "; ".join(done) or "nobody leaving held open escalations"


async def _hand_on(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    person: Analyst,
    at: datetime,
    now: datetime,
) -> HandoverLine:
    last, state = esc.last_action_at, esc.status
    if esc.status == EscalationStatus.ROUTED:
        why = "unclaimed"
    elif last is None or now - last >= UNATTENDED:
        why = "unattended"
    else:
        why = "recent"
    moved: Analyst | None = None
    if why != "recent":
        local = at.astimezone(services.roster.timezone)
        reason = f"handover: {person.name}'s shift ended at {local:%H:%M}, {why}"
        decision = await reroute.reroute(
            services,
            s,
            esc=esc,
            reason=reason,
            ref=f"handover-{at:%Y%m%dT%H%M}",
            now=now,
            exclude=frozenset({person.key}),
        )
        moved = decision.analyst
        if moved is None:
            why = "nobody"
    nxt = deadlines.next_deadline(esc)
    return HandoverLine(
        esc=esc,
        state=state,
        next_name=nxt[0] if nxt else None,
        next_at=nxt[1] if nxt else None,
        last_action=last,
        moved_to=moved.name if moved else None,
        why=why,
    )
