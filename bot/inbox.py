"""The durable event inbox: webhooks are stored before they are acknowledged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import InboxEvent, utcnow

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 10
PENDING, PROCESSING, DONE, FAILED = "pending", "processing", "done", "failed"


async def store_event(
    session: AsyncSession,
    *,
    source: str,
    dedupe_key: str,
    kind: str,
    ticket_id: int | None,
    payload: Mapping[str, Any],
    now: datetime | None = None,
) -> bool:
    """Store an event once; returns False when the same dedupe key was stored before."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = pg_insert(InboxEvent) if dialect == "postgresql" else sqlite_insert(InboxEvent)
    now = now or utcnow()
    stmt = ins.values(
        source=source,
        dedupe_key=dedupe_key,
        kind=kind,
        ticket_id=ticket_id,
        payload=dict(payload),
        status=PENDING,
        attempts=0,
        available_at=now,
        received_at=now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING.
    result = await session.execute(stmt.returning(InboxEvent.id))
    return result.first() is not None


async def claim(
    session: AsyncSession, *, worker: str, limit: int = 10, now: datetime | None = None
) -> list[InboxEvent]:
    """Take up to limit due events (pending, or processing with an expired lease)."""
    now = now or utcnow()
    due_filter = ((InboxEvent.status == PENDING) & (InboxEvent.available_at <= now)) | (
        (InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now)
    )
    ids = list(
        (
            await session.execute(
                select(InboxEvent.id)
                .where(due_filter)
                .order_by(InboxEvent.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if not ids:
        return []
    # Repeating the filter in the UPDATE makes the claim atomic on SQLite, which has no row locks.
    await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(ids), due_filter)
        .values(
            status=PROCESSING,
            claimed_by=worker,
            lease_until=now + LEASE,
            attempts=InboxEvent.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(InboxEvent)
        .where(
            InboxEvent.id.in_(ids),
            InboxEvent.claimed_by == worker,
            InboxEvent.status == PROCESSING,
        )
        .order_by(InboxEvent.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def finish(session: AsyncSession, event_id: int, worker: str) -> bool:
    """Mark an event processed, in the same transaction as its effects; False if lost."""
    result = await session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.id == event_id,
            InboxEvent.claimed_by == worker,
            InboxEvent.status == PROCESSING,
        )
        .values(status=DONE, processed_at=utcnow(), lease_until=None, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(
    session: AsyncSession, event_id: int, worker: str, *, error: str, retry_in: float
) -> None:
    """Give an event back after a failure, to retry later (or fail it past the budget)."""
    row = await session.get(InboxEvent, event_id, populate_existing=True)
    if row is None or row.claimed_by != worker or row.status != PROCESSING:
        return
    row.last_error = error[:2000]
    row.lease_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.status = FAILED
    else:
        row.status = PENDING
        row.available_at = utcnow() + timedelta(seconds=retry_in)


async def retry_failed(session: AsyncSession, event_id: int) -> bool:
    """Put a failed event back in the queue with a fresh retry budget."""
    result = await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == event_id, InboxEvent.status == FAILED)
        .values(status=PENDING, attempts=0, available_at=utcnow(), last_error=None)
        .returning(InboxEvent.id)
    )
    return result.first() is not None


async def backlog(session: AsyncSession) -> int:
    """Events not yet processed."""
    n = await session.scalar(
        select(func.count()).where(InboxEvent.status.in_((PENDING, PROCESSING)))
    )
    return int(n or 0)
