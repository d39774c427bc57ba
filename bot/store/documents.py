"""Document fingerprints: who else a document number was seen on, and remembering it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import DocumentFingerprint


async def seen_elsewhere(
    session: AsyncSession, *, fingerprints: Iterable[str], requester_id: int
) -> dict[str, int]:
    """For each fingerprint already seen on another customer, the first such ticket."""
    wanted = sorted(set(fingerprints))
    if not wanted:
        return {}
    rows = await session.execute(
        select(DocumentFingerprint.fingerprint, DocumentFingerprint.ticket_id)
        .where(
            DocumentFingerprint.fingerprint.in_(wanted),
            DocumentFingerprint.requester_id != requester_id,
        )
        .order_by(DocumentFingerprint.seen_at, DocumentFingerprint.id)
    )
    found: dict[str, int] = {}
    for fingerprint, ticket_id in rows:
        found.setdefault(fingerprint, ticket_id)
    return found


async def remember(
    session: AsyncSession,
    *,
    fingerprints: Mapping[str, str],
    requester_id: int,
    ticket_id: int,
    now: datetime,
) -> None:
    """Store each fingerprint (→ its kind) once per customer; a second time does nothing."""
    if not fingerprints:
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    ins = insert(DocumentFingerprint)
    rows = [
        {
            "fingerprint": fp,
            "kind": kind[:24],
            "requester_id": requester_id,
            "ticket_id": ticket_id,
            "seen_at": now,
        }
        for fp, kind in sorted(fingerprints.items())
    ]
    await session.execute(
        ins.values(rows).on_conflict_do_nothing(index_elements=["fingerprint", "requester_id"])
    )
