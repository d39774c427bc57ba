"""Durable outbound actions: enqueue in the caller's transaction, deliver with retries."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import IntegrationError, NotConfigured
from bot.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 2.0  # seconds; doubles each attempt
MAX_DELAY = 600.0
LEASE = timedelta(minutes=2)

PENDING, SENDING, DONE, DEAD, SKIPPED = "pending", "sending", "done", "dead", "skipped"


@dataclass(frozen=True)
class OutboxItem:
    """An action to deliver later; key makes enqueuing (and so delivering) it idempotent."""

    key: str
    service: str
    action: str
    payload: Mapping[str, Any]
    escalation_id: int | None = None
    delay: timedelta = timedelta(0)


# Delivers one row's payload; returns a small result to store. Raises IntegrationError.
Deliverer = Callable[[OutboxMessage], Awaitable[Mapping[str, Any] | None]]


async def enqueue(
    session: AsyncSession, items: Sequence[OutboxItem], *, now: datetime | None = None
) -> int:
    """Store items in the caller's transaction; an item whose key exists already is skipped.

    ``now`` is the caller's clock (``services.clock()``): delays count from it.
    """
    if not items:
        return 0
    now = now or utcnow()
    rows = [
        {
            "idempotency_key": i.key,
            "service": i.service,
            "action": i.action,
            "payload": dict(i.payload),
            "escalation_id": i.escalation_id,
            "status": PENDING,
            "attempts": 0,
            "available_at": now + i.delay,
            "created_at": now,
        }
        for i in items
    ]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = pg_insert(OutboxMessage) if dialect == "postgresql" else sqlite_insert(OutboxMessage)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(stmt.returning(OutboxMessage.id))
    return len(result.all())


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait before the next try: exponential with jitter, never below Retry-After."""
    delay: float = min(MAX_DELAY, BASE_DELAY * 2.0 ** max(0, attempts - 1))
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto
    return max(delay, retry_after or 0.0)


async def claim(
    session: AsyncSession,
    *,
    worker: str,
    limit: int = 20,
    now: datetime | None = None,
    skip_services: Collection[str] = (),
) -> list[OutboxMessage]:
    """Take up to limit due rows (pending, or sending with an expired lease) for this worker."""
    now = now or utcnow()
    due = (
        select(OutboxMessage.id)
        .where(
            ((OutboxMessage.status == PENDING) & (OutboxMessage.available_at <= now))
            | ((OutboxMessage.status == SENDING) & (OutboxMessage.lease_until < now))
        )
        .where(OutboxMessage.service.not_in(skip_services))
        .order_by(OutboxMessage.available_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.execute(due)).scalars())
    if not ids:
        return []
    # The guard on status/lease repeats the selection so that, on SQLite (no row locks),
    # two workers racing for the same row cannot both win it.
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            (OutboxMessage.status == PENDING)
            | ((OutboxMessage.status == SENDING) & (OutboxMessage.lease_until < now)),
        )
        .values(
            status=SENDING,
            claimed_by=worker,
            lease_until=now + LEASE,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker)
        .where(OutboxMessage.status == SENDING)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str | None = None
    retry_in: float | None = None
    result: Mapping[str, Any] | None = None
    retry_after: float | None = None  # the service asked us to slow down (rate limit)


async def attempt(row: OutboxMessage, deliver: Deliverer) -> Outcome:
    """Try one delivery and say what should become of the row (no database work here)."""
    try:
        result = await deliver(row)
    except NotConfigured as err:
        return Outcome(SKIPPED, error=str(err))
    except IntegrationError as err:
        if err.retryable and row.attempts < MAX_ATTEMPTS:
            wait = backoff(row.attempts, err.retry_after)
            log.warning(
                "outbox.retry",
                extra={"row": row.id, "action": row.action, "error": str(err), "wait": wait},
            )
            return Outcome(PENDING, error=str(err), retry_in=wait, retry_after=err.retry_after)
        log.error("outbox.dead", extra={"row": row.id, "action": row.action, "error": str(err)})
        return Outcome(DEAD, error=str(err))
    except Exception as err:  # an unexpected failure must not wedge the whole queue
        log.exception("outbox.crash", extra={"row": row.id, "action": row.action})
        if row.attempts < MAX_ATTEMPTS:
            return Outcome(PENDING, error=repr(err), retry_in=backoff(row.attempts, None))
        return Outcome(DEAD, error=repr(err))
    return Outcome(DONE, result=dict(result or {}))


async def record(
    session: AsyncSession, row_id: int, worker: str, outcome: Outcome
) -> OutboxMessage | None:
    """Store a delivery outcome, if this worker still holds the row."""
    row = await session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.claimed_by != worker or row.status != SENDING:
        return None
    now = utcnow()
    row.status = outcome.status
    row.last_error = outcome.error
    row.lease_until = None
    if outcome.status == PENDING:
        row.available_at = now + timedelta(seconds=outcome.retry_in or 0)
    if outcome.status in (DONE, SKIPPED):
        row.sent_at = now
        row.result = dict(outcome.result or {}) or None
    return row


async def retry_dead(session: AsyncSession, row_id: int) -> bool:
    """Put a dead row back in the queue with a fresh retry budget."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == DEAD)
        .values(status=PENDING, attempts=0, available_at=utcnow(), last_error=None)
        .returning(OutboxMessage.id)
    )
    return result.first() is not None


async def backlog(session: AsyncSession) -> dict[str, int]:
    """Row counts by status."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in rows.all()}
