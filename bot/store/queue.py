"""One durable work queue under the inbox, the outbox and timers: claim with a lease, in order.

Rows are claimed by a worker for a lease (a crashed worker's rows are taken over when it runs
out), only when due, highest priority (a VIP escalation's) first and then the oldest, and only
at the head of their ordering key: while an earlier row with the
same key is waiting or in flight, later ones wait, so writes to one ticket land in the order
they were enqueued. One policy decides what becomes of a failed row (``fail``): it backs off
exponentially up to a cap, never sooner than the service's Retry-After, and is parked for an
operator once it was refused or its retry budget (a span of time, or a number of attempts) is
spent.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import Delivery

PENDING = "pending"
LEASE = timedelta(minutes=2)
BASE_DELAY = 2.0  # seconds before the first retry; doubles each attempt up to the cap


@dataclass(frozen=True)
class Queue:
    """Which table a queue lives in and what its states and columns are called."""

    model: Any  # InboxEvent or OutboxMessage
    in_flight: str  # claimed by a worker: "processing" (inbox), "sending" (outbox)
    parked: str  # given up, waiting for an operator: "failed" (inbox), "dead" (outbox)
    order_by: str  # the ordering-key column
    created: str  # when the row was stored: the retry budget counts from it by default
    priority: str | None = None  # a column claimed highest first (VIP), before age

    @property
    def waiting(self) -> tuple[str, str]:
        return (PENDING, self.in_flight)


def backoff(attempts: int, retry_after: float | None, *, cap: float) -> float:
    """Seconds before the next try: doubling with jitter up to cap, never below Retry-After."""
    delay: float = min(cap, BASE_DELAY * 2.0 ** max(0, attempts - 1))
    delay *= random.uniform(0.8, 1.0)  # noqa: S311 - jitter, not crypto
    return max(delay, retry_after or 0.0)


@dataclass(frozen=True)
class Budget:
    """How far a queue's backoff grows and how long a failing row is retried before parking."""

    cap: float  # seconds: the backoff stops growing here
    span: timedelta | None = None  # failing this long (from retry_from, or creation): given up
    attempts: int | None = None  # tried this many times: parked

    def spent(self, q: Queue, row: Any, *, now: datetime) -> bool:
        """Whether the row has been failing for longer than the span."""
        if self.span is None:
            return False
        start: datetime = row.retry_from or getattr(row, q.created)
        return now >= start + self.span


def retry_budget(policy: Delivery) -> Budget:
    """The budget [delivery] gives work a service refused for now (inbox and outbox)."""
    return Budget(cap=policy.max_backoff_seconds, span=policy.retry_budget)


@dataclass(frozen=True)
class Next:
    """What becomes of a failed row: tried again in retry_in seconds, or parked (None)."""

    error: str
    retry_in: float | None
    gave_up: bool = False  # parked because its span of retries ran out, not because refused

    @property
    def parked(self) -> bool:
        return self.retry_in is None


def fail(
    q: Queue,
    row: Any,
    *,
    error: str,
    retryable: bool,
    retry_after: float | None,
    now: datetime,
    budget: Budget,
) -> Next:
    """Decide a failed row's next attempt (backoff, Retry-After honoured), or park it."""
    if not retryable or (budget.attempts is not None and row.attempts >= budget.attempts):
        return Next(error, None)
    if budget.spent(q, row, now=now):
        return Next(error, None, gave_up=True)
    return Next(error, backoff(row.attempts, retry_after, cap=budget.cap))


def _due(q: Queue, now: datetime, *, ignore_due: bool = False) -> ColumnElement[bool]:
    m = q.model
    pending = m.status == PENDING
    if not ignore_due:
        pending = pending & (m.available_at <= now)
    due: ColumnElement[bool] = pending | ((m.status == q.in_flight) & (m.lease_until < now))
    return due


def _at_head(q: Queue) -> ColumnElement[bool]:
    m = q.model
    earlier = aliased(m)
    key, earlier_key = getattr(m, q.order_by), getattr(earlier, q.order_by)
    blocked = exists().where(earlier_key == key, earlier.id < m.id, earlier.status.in_(q.waiting))
    head: ColumnElement[bool] = key.is_(None) | ~blocked
    return head


async def claim(
    session: AsyncSession,
    q: Queue,
    *,
    worker: str,
    now: datetime,
    limit: int,
    where: Iterable[ColumnElement[bool]] = (),
    ignore_due: bool = False,
) -> list[Any]:
    """Take up to limit due rows at the head of their ordering key, for this worker.

    ``ignore_due`` takes rows still backing off too: a probe of a service that was down.
    """
    m = q.model
    due = _due(q, now, ignore_due=ignore_due)
    conditions = [due, _at_head(q), *where]
    order = [m.available_at, m.id]
    if q.priority is not None:
        order.insert(0, getattr(m, q.priority).desc())
    ids = list(
        (
            await session.execute(
                select(m.id)
                .where(*conditions)
                .order_by(*order)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if not ids:
        return []
    # Repeating the selection in the UPDATE makes the claim atomic on SQLite (no row locks).
    await session.execute(
        update(m)
        .where(m.id.in_(ids), due)
        .values(
            status=q.in_flight,
            claimed_by=worker,
            lease_until=now + LEASE,
            attempts=m.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(m)
        .where(m.id.in_(ids), m.claimed_by == worker, m.status == q.in_flight)
        .order_by(*order)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def held(session: AsyncSession, q: Queue, row_id: int, worker: str) -> Any | None:
    """The row, if this worker still holds it (its lease was not taken over)."""
    row = await session.get(q.model, row_id, populate_existing=True)
    if row is None or row.claimed_by != worker or row.status != q.in_flight:
        return None
    return row


async def settle(
    session: AsyncSession, q: Queue, row_id: int, worker: str, next_: Next, *, now: datetime
) -> Any | None:
    """Store what fail decided: the row waits for its next attempt, or is parked for an
    operator; None if this worker's lease was lost."""
    row = await held(session, q, row_id, worker)
    if row is None:
        return None
    row.last_error = next_.error[:2000]
    row.lease_until = None
    if next_.retry_in is None:
        row.status = q.parked
    else:
        row.status = PENDING
        row.available_at = now + timedelta(seconds=next_.retry_in)
    return row


async def retry_parked(
    session: AsyncSession,
    q: Queue,
    *,
    now: datetime,
    ids: Iterable[int] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
) -> list[int]:
    """Queue parked rows again with a fresh retry budget; returns their ids."""
    m = q.model
    by_id = m.id.in_(list(ids)) if ids is not None else true()
    result = await session.execute(
        update(m)
        .where(m.status == q.parked, by_id, *where)
        .values(status=PENDING, attempts=0, available_at=now, retry_from=now, last_error=None)
        .returning(m.id)
    )
    return sorted(int(i) for i in result.scalars())


async def make_due(
    session: AsyncSession, q: Queue, *, now: datetime, where: Iterable[ColumnElement[bool]] = ()
) -> int:
    """Cut the backoff of every waiting row matching where: they are due now."""
    m = q.model
    result = await session.execute(
        update(m)
        .where(m.status == PENDING, m.available_at > now, *where)
        .values(available_at=now)
        .returning(m.id)
    )
    return len(result.all())
