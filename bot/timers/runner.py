"""The worker's timer pass: fire the timers that are due, each exactly once.

A due timer is claimed through the shared queue (bot/store/queue.py: FOR UPDATE SKIP LOCKED on
PostgreSQL, an atomic UPDATE on SQLite, a lease a crashed worker's rows come back from). Firing
re-reads the escalation, checks the timer still applies (``deadlines.wanted``), and enqueues
its effects in the same transaction that marks it done, with outbox keys derived from the timer
(kind, escalation, deadline): killed half-way, nothing was written and another worker fires it
when the lease runs out; killed after, it is done. The query is on (status, available_at).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EscalationStatus
from bot.escalations import deadlines
from bot.escalations.alerts import POST, SERVICE
from bot.escalations.deadlines import CANCELLED, DONE, FIRING, TimerKind
from bot.services import Services
from bot.slack_messages import timers as messages
from bot.store import outbox, queue
from bot.store.models import Escalation, RoutingDecisionRow, Timer
from bot.store.outbox import OutboxItem
from bot.timers import handover, offer, reroute

log = logging.getLogger(__name__)

# Timers need no order among themselves (firing locks the escalation row): each is its own
# ordering key, so the queue never holds one back behind another.
QUEUE = queue.Queue(
    model=Timer, in_flight=FIRING, parked="failed", order_by="key", created="created_at"
)
HANDOVER_HORIZON = timedelta(hours=26)  # handovers are stored this far ahead
RETRY = queue.Budget(cap=300.0)  # a timer that failed to fire is tried again within 5 min


@dataclass(frozen=True)
class Fired:
    """One timer that fired (or was found no longer to apply), for logs and the demo."""

    kind: str
    escalation_id: int | None
    outcome: str
    acted: bool


@dataclass
class TimerPass:
    """One worker's timer pass; remembers how far ahead handovers are stored."""

    services: Services
    worker: str
    batch: int = 20
    _handovers_until: datetime | None = field(default=None, repr=False)
    _adopted: bool = field(default=False, repr=False)

    async def run(self) -> list[Fired]:
        """Store upcoming handovers, then fire every due timer."""
        if not self._adopted:
            await adopt(self.services)
            self._adopted = True
        await self._plan_handovers()
        async with self.services.db.session() as s:
            rows = await queue.claim(
                s, QUEUE, worker=self.worker, now=self.services.clock(), limit=self.batch
            )
        fired = []
        for row in rows:
            result = await self._fire(row)
            if result is not None:
                fired.append(result)
        return fired

    async def _plan_handovers(self) -> None:
        now = self.services.clock()
        start = self._handovers_until
        if start is not None and start - now > HANDOVER_HORIZON / 2 and start > now:
            return
        end = now + HANDOVER_HORIZON
        # From now on a fresh start: a database that never saw a worker has no past handovers.
        rows = handover.timer_rows(self.services.roster, max(start or now, now), end)
        async with self.services.db.session() as s:
            await deadlines.store(s, rows, now=now)
        self._handovers_until = end

    async def _fire(self, row: Timer) -> Fired | None:
        services = self.services
        try:
            async with services.db.session() as s:
                timer = await queue.held(s, QUEUE, row.id, self.worker)
                if timer is None:
                    return None  # the lease ran out and another worker took it
                now = services.clock()
                outcome, acted = await _act(services, s, timer, now=now)
                timer.status = DONE if acted else CANCELLED
                timer.fired_at = now
                timer.outcome = outcome[:2000]
                timer.lease_until = None
        except Exception as err:
            log.exception("timer.failed", extra={"timer": row.id, "kind": row.kind})
            # A timer is never parked: it is tried again until it fires or no longer applies.
            now = services.clock()
            next_ = queue.fail(
                QUEUE, row, error=repr(err), retryable=True, retry_after=None, now=now, budget=RETRY
            )
            async with services.db.session() as s:
                await queue.settle(s, QUEUE, row.id, self.worker, next_, now=now)
            return None
        services.metrics.inc("baton_timer_firings_total", {"timer": row.kind if acted else "void"})
        log.info(
            "timer.fired",
            extra={"kind": row.kind, "escalation": row.escalation_id, "acted": acted},
        )
        return Fired(row.kind, row.escalation_id, outcome, acted)


async def adopt(services: Services, *, batch: int = 500) -> int:
    """Give timers to open escalations that have none (opened before timers existed)."""
    cfg = services.settings.config
    now = services.clock()
    untimed = ~exists().where(Timer.escalation_id == Escalation.id)
    async with services.db.session() as s:
        found = list(
            await s.scalars(
                select(Escalation)
                .where(
                    Escalation.status.in_(handover.OPEN), Escalation.category.is_not(None), untimed
                )
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        for esc in found:
            deadlines.on_complete(cfg, esc, now=esc.routed_at or esc.received_at)
            if esc.status == EscalationStatus.ROUTED and esc.claim_due_at is None:
                deadlines.on_owner(cfg, esc, now=esc.routed_at or now)
            await deadlines.sync(s, cfg, esc, now=now)
    return len(found)


async def _act(
    services: Services, s: AsyncSession, timer: Timer, *, now: datetime
) -> tuple[str, bool]:
    """Do what the timer is for; (what was done, whether it still applied)."""
    kind = TimerKind(timer.kind)
    if kind is TimerKind.HANDOVER:
        return await handover.hand_over(services, s, at=timer.deadline_at, now=now), True
    esc = await s.scalar(
        select(Escalation).where(Escalation.id == timer.escalation_id).with_for_update()
    )
    if esc is None:
        return "escalation gone", False
    cfg = services.settings.config
    if timer.key not in {w.key(esc.id) for w in deadlines.wanted(cfg, esc)}:
        return f"no longer applies ({esc.status})", False
    if kind.is_reminder:
        if timer.deadline_at <= now:
            return "late: the deadline has passed", False
        return await _remind(services, s, esc=esc, timer=timer, now=now), True
    if kind.is_breach:
        return await offer.breached(services, s, esc=esc, timer=timer), True
    return await _claim_timeout(services, s, esc=esc, timer=timer, now=now), True


async def _remind(
    services: Services, s: AsyncSession, *, esc: Escalation, timer: Timer, now: datetime
) -> str:
    owner = services.roster.by_key(esc.analyst_key or "")
    if owner is None:
        return "nobody to remind"
    text, blocks = messages.reminder(
        esc,
        kind=timer.kind,
        deadline=timer.deadline_at,
        locale=owner.locale,
        tz=str(services.roster.timezone),
    )
    item = OutboxItem(
        key=f"slack:{timer.key}",
        service=SERVICE,
        action=POST,
        payload={"kind": "reminder", "user": owner.slack_id, "text": text, "blocks": blocks},
    )
    await outbox.enqueue(s, [item], now=now)
    return f"reminded {owner.name}"


async def _claim_timeout(
    services: Services, s: AsyncSession, *, esc: Escalation, timer: Timer, now: datetime
) -> str:
    """Nobody claimed it in time: the next best analyst on shift gets it (not the same one)."""
    owner = services.roster.by_key(esc.analyst_key or "")
    name = owner.name if owner else esc.analyst_key
    span = services.settings.config.timers.claim_span(vip=esc.vip)
    reason = f"not claimed within {_minutes(span)} by {name}"
    decision = await reroute.reroute(
        services,
        s,
        esc=esc,
        reason=reason,
        ref=f"claim-timeout-{timer.deadline_at:%Y%m%dT%H%M%S}",
        now=now,
        exclude=frozenset({esc.analyst_key or ""}),
    )
    if (new := decision.analyst) is not None:
        return f"re-routed from {name} to {new.name}"
    # Nobody else may take it (nobody else on shift, or with the compliance role): it stays,
    # recorded, and the claim clock starts again.
    why = decision.reasons[0] if decision.reasons else "nobody else on shift"
    s.add(
        RoutingDecisionRow(
            escalation_id=esc.id,
            analyst_key=esc.analyst_key,
            reasons=[reason, f"{why}: stays with {name}"],
            candidates=[esc.analyst_key],
            decided_at=now,
        )
    )
    deadlines.on_owner(services.settings.config, esc, now=now)
    await deadlines.sync(s, services.settings.config, esc, now=now)
    return f"{why}: stays with {name}"


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:g} min" if minutes >= 1 else f"{span.total_seconds():g} s"
