"""An escalation's stored deadlines, and the timers that watch them.

Two clocks: the customer's starts at ``received_at`` (first arrival), the desk's at
``desk_started_at`` (the escalation became complete). The resolution deadline
(``sla_due_at``, per category, halved for VIP) and the first-response deadline count on the
desk's clock and never move: a re-route does not hide a breach. The claim deadline restarts
for every new owner.

Each deadline has up to two timers in the ``timers`` table: a reminder to the owner at
``remind_at`` of its span, and the deadline itself. ``sync`` stores the timers an escalation
needs now and cancels the others; the runner checks ``wanted`` again when a timer fires, so a
timer that no longer applies does nothing even if a caller forgot to sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import BatonConfig
from bot.domain import Category, EscalationStatus
from bot.slack_messages.alerts import Deadlines
from bot.store.models import Escalation, Timer

PENDING, FIRING, DONE, CANCELLED = "pending", "firing", "done", "cancelled"
DEFAULT_SLA_MINUTES = 240


class TimerKind(StrEnum):
    """What a timer does when it fires."""

    CLAIM_REMIND = "claim_remind"  # DM the owner: claim it or it moves
    CLAIM_TIMEOUT = "claim_timeout"  # re-route to the next best analyst on shift
    RESPONSE_REMIND = "response_remind"  # DM the owner: first action due soon
    RESPONSE_BREACH = "response_breach"  # leads alert + offer to the next best analyst
    RESOLUTION_REMIND = "resolution_remind"
    RESOLUTION_BREACH = "resolution_breach"
    HANDOVER = "handover"  # a shift end: hand over the open work of those leaving

    @property
    def is_reminder(self) -> bool:
        return self in (
            TimerKind.CLAIM_REMIND,
            TimerKind.RESPONSE_REMIND,
            TimerKind.RESOLUTION_REMIND,
        )

    @property
    def is_breach(self) -> bool:
        return self in (TimerKind.RESPONSE_BREACH, TimerKind.RESOLUTION_BREACH)


@dataclass(frozen=True)
class Wanted:
    """A timer an escalation needs: what, when it fires, and the deadline it is about."""

    kind: TimerKind
    fires_at: datetime
    deadline: datetime

    def key(self, escalation_id: int) -> str:
        return f"{self.kind}:{escalation_id}:{self.deadline.isoformat()}"


def resolution_span(cfg: BatonConfig, *, category: Category | str | None, vip: bool) -> timedelta:
    """Minutes from complete to resolved the desk commits to: per category, shorter for VIP."""
    minutes = cfg.sla_minutes.get(Category(category), DEFAULT_SLA_MINUTES) if category else 0
    minutes = minutes or DEFAULT_SLA_MINUTES
    return timedelta(minutes=minutes * (cfg.vip_sla_factor if vip else 1.0))


def sla_due(cfg: BatonConfig, *, category: Category, vip: bool, start: datetime) -> datetime:
    """The resolution deadline of an escalation whose desk clock started at start."""
    return start + resolution_span(cfg, category=category, vip=vip)


def on_complete(cfg: BatonConfig, esc: Escalation, *, now: datetime) -> None:
    """Start the desk's clock (once) and set the deadlines that count on it."""
    if esc.desk_started_at is None:
        esc.desk_started_at = now
    start = esc.desk_started_at
    if esc.sla_due_at is None and esc.category is not None:
        esc.sla_due_at = sla_due(cfg, category=Category(esc.category), vip=esc.vip, start=start)
    if esc.first_response_due_at is None and esc.first_response_at is None:
        esc.first_response_due_at = start + cfg.timers.first_response_span(vip=esc.vip)


def on_owner(cfg: BatonConfig, esc: Escalation, *, now: datetime) -> None:
    """A new owner (routed, re-routed, assigned) has the claim span to claim it."""
    esc.claim_due_at = now + cfg.timers.claim_span(vip=esc.vip)


def record_action(esc: Escalation, *, now: datetime) -> None:
    """An analyst acted (claim, draft, reply, Jira): the first response is in, if it was not."""
    if esc.first_response_at is None:
        esc.first_response_at = now
    esc.last_action_at = now


def on_claimed(esc: Escalation, *, now: datetime) -> None:
    """Claimed: the claim clock stops, and a claim is a first action."""
    esc.claim_due_at = None
    record_action(esc, now=now)


def wanted(cfg: BatonConfig, esc: Escalation) -> list[Wanted]:
    """The timers the escalation needs in its current state."""
    if esc.status not in (
        EscalationStatus.ROUTED,
        EscalationStatus.CLAIMED,
        EscalationStatus.UNASSIGNED,
    ):
        return []
    t = cfg.timers
    owned = esc.analyst_key is not None
    out: list[Wanted] = []

    def add(remind: TimerKind, due_kind: TimerKind, deadline: datetime, span: timedelta) -> None:
        if owned:
            out.append(Wanted(remind, deadline - span * (1 - t.remind_at), deadline))
        out.append(Wanted(due_kind, deadline, deadline))

    if esc.status == EscalationStatus.ROUTED and owned and esc.claim_due_at is not None:
        add(
            TimerKind.CLAIM_REMIND,
            TimerKind.CLAIM_TIMEOUT,
            esc.claim_due_at,
            t.claim_span(vip=esc.vip),
        )
    if esc.first_response_at is None and esc.first_response_due_at is not None:
        span = t.first_response_span(vip=esc.vip)
        add(TimerKind.RESPONSE_REMIND, TimerKind.RESPONSE_BREACH, esc.first_response_due_at, span)
    if esc.sla_due_at is not None and not sla_paused(cfg, esc):
        span = resolution_span(cfg, category=esc.category, vip=esc.vip)
        add(TimerKind.RESOLUTION_REMIND, TimerKind.RESOLUTION_BREACH, esc.sla_due_at, span)
    return out


def sla_paused(cfg: BatonConfig, esc: Escalation) -> bool:
    """Linked to an open provider incident: its resolution clock stands (bot/incidents)."""
    return cfg.incidents.pause_sla and esc.incident_ref is not None


def next_deadline(esc: Escalation) -> tuple[str, datetime] | None:
    """The escalation's nearest open deadline: ("claim" | "response" | "resolution", when)."""
    found: list[tuple[datetime, str]] = []
    if esc.status == EscalationStatus.ROUTED and esc.claim_due_at is not None:
        found.append((esc.claim_due_at, "claim"))
    if esc.first_response_at is None and esc.first_response_due_at is not None:
        found.append((esc.first_response_due_at, "response"))
    if esc.sla_due_at is not None and esc.status != EscalationStatus.RESOLVED:
        found.append((esc.sla_due_at, "resolution"))
    if not found:
        return None
    at, name = min(found)
    return name, at


def overdue(esc: Escalation, *, now: datetime, paused: bool = False) -> list[str]:
    """Which desk deadlines have passed unmet: "response", "resolution" (not while it is
    paused: its deadline moves on when the incident is resolved)."""
    if esc.status == EscalationStatus.RESOLVED:
        return []
    out = []
    due = esc.first_response_due_at
    if esc.first_response_at is None and due is not None and due <= now:
        out.append("response")
    if esc.sla_due_at is not None and esc.sla_due_at <= now and not paused:
        out.append("resolution")
    return out


def shown(esc: Escalation, *, now: datetime) -> Deadlines:
    """The escalation's deadlines as a message shows them at now: the nearest, the missed."""
    return Deadlines(next=next_deadline(esc), overdue=tuple(overdue(esc, now=now)))


async def store(session: AsyncSession, rows: Sequence[dict[str, object]], *, now: datetime) -> None:
    """Insert timers; one whose key exists already (waiting or fired) is left as it is."""
    if not rows:
        return
    values = [{"status": PENDING, "attempts": 0, "created_at": now, **r} for r in rows]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = pg_insert(Timer) if dialect == "postgresql" else sqlite_insert(Timer)
    await session.execute(ins.values(values).on_conflict_do_nothing(index_elements=["key"]))


async def sync(session: AsyncSession, cfg: BatonConfig, esc: Escalation, *, now: datetime) -> None:
    """Store the timers the escalation needs now; cancel its waiting ones it no longer needs."""
    await session.flush()  # esc.id, and its state, for the statements below
    need = {w.key(esc.id): w for w in wanted(cfg, esc)}
    waiting = set(
        await session.scalars(
            select(Timer.key).where(Timer.escalation_id == esc.id, Timer.status == PENDING)
        )
    )
    stale = waiting - set(need)
    if stale:
        await session.execute(
            update(Timer)
            .where(Timer.key.in_(stale), Timer.status == PENDING)
            .values(status=CANCELLED, fired_at=now)
            .execution_options(synchronize_session=False)
        )
    await store(
        session,
        [
            {
                "key": key,
                "kind": str(w.kind),
                "escalation_id": esc.id,
                "deadline_at": w.deadline,
                "available_at": w.fires_at,
            }
            for key, w in need.items()
            if key not in waiting
        ],
        now=now,
    )
