"""Signed Slack requests already acted on: a replay of one within its window acts never.

A signature covers the request's timestamp and body, and is accepted while the timestamp is
within the tolerance, so it is remembered until then (``expires_at``) and forgotten after: a
later copy is refused as stale anyway. Stored in the database, so every web process shares it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import SeenSlackRequest


def fingerprint(signature: str) -> str:
    """What is stored of a signature: its SHA-256, a fixed 64 characters whatever was sent."""
    return hashlib.sha256(signature.strip().encode()).hexdigest()


async def first_time(
    session: AsyncSession, *, signature: str, expires_at: datetime, now: datetime
) -> bool:
    """Remember a signature until expires_at; False when it was seen before (a replay).

    Rows past their window are deleted on the way (the index on expires_at keeps it cheap).
    Two processes given the same request at once: the unique key lets one of them in.
    """
    await session.execute(delete(SeenSlackRequest).where(SeenSlackRequest.expires_at < now))
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (
        pg_insert(SeenSlackRequest) if dialect == "postgresql" else sqlite_insert(SeenSlackRequest)
    )
    stmt = ins.values(
        signature=fingerprint(signature), seen_at=now, expires_at=expires_at
    ).on_conflict_do_nothing(index_elements=["signature"])
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING.
    result = await session.execute(stmt.returning(SeenSlackRequest.id))
    return result.first() is not None
