"""Load the open escalation someone acts on, by its ticket or (from a button) by its id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EscalationStatus
from bot.errors import N_, UserFacingNotFound
from bot.store.models import Escalation


async def find_open(
    session: AsyncSession, *, ticket_id: int | None = None, escalation_id: int | None = None
) -> Escalation:
    """Load the open escalation of a ticket (or by id, for buttons), locked for update."""
    stmt = select(Escalation).with_for_update()
    if escalation_id is not None:
        stmt = stmt.where(Escalation.id == escalation_id)
    else:
        stmt = stmt.where(Escalation.open_ticket_id == ticket_id)
    esc = await session.scalar(stmt)
    if esc is None or esc.status == EscalationStatus.RESOLVED:
        if ticket_id is None:
            raise UserFacingNotFound(N_("This escalation is no longer open."))
        raise UserFacingNotFound(N_("No open escalation for ticket #{ticket}."), ticket=ticket_id)
    return esc
