"""The money requests waiting for approval, as plain data (the leads' dashboard shows them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.money import notify
from bot.money.kinds import State
from bot.money.rules import missing
from bot.services import Services
from bot.store.models import MoneyRequest


@dataclass(frozen=True)
class Waiting:
    id: int
    type: str  # credit | debit | refund | release
    amount: Decimal
    currency: str
    requester: str  # roster key
    since: datetime
    needs: tuple[str, ...]  # what approval is still needed: lead, compliance, approver
    ticket_id: int
    expires_at: datetime
    compliance: bool  # a compliance case or held withdrawal: show to compliance only


async def waiting(services: Services, *, limit: int = 200) -> list[Waiting]:
    """Requests waiting for approval, oldest first."""
    async with services.db.session() as s:
        return await waiting_in(s, limit=limit)


async def waiting_in(s: AsyncSession, *, limit: int = 200) -> list[Waiting]:
    """The same, read in a session the caller holds (the dashboard reads its page in one)."""
    rows = list(
        await s.scalars(
            select(MoneyRequest)
            .where(MoneyRequest.state == State.REQUESTED)
            .order_by(MoneyRequest.created_at, MoneyRequest.id)
            .limit(limit)
        )
    )
    return [
        Waiting(
            id=r.id,
            type=r.kind,
            amount=Decimal(r.amount),
            currency=r.currency,
            requester=r.requested_by,
            since=r.created_at,
            needs=tuple(str(n) for n in missing(notify.needs_of(r), notify.approvals_of(r))),
            ticket_id=r.ticket_id,
            expires_at=r.expires_at,
            compliance=r.needs_compliance,
        )
        for r in rows
    ]
