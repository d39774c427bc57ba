"""One audit entry about an escalation: who did what, when, with what detail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEntry, Escalation


async def record(
    session: AsyncSession,
    *,
    esc: Escalation,
    actor: str,
    action: str,
    now: datetime,
    **detail: object,
) -> AuditEntry:
    """Add the entry (flushed: its id is known) in the caller's transaction."""
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        escalation_id=esc.id,
        ticket_id=esc.ticket_id,
        detail=dict(detail),
    )
    session.add(entry)
    await session.flush()
    return entry
