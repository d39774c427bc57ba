"""A reply after a money movement (SPEC §14): the draft names the amount really moved.

Read from the money_requests table (drafts never import bot/money: capabilities do not reach
sideways): the escalation's latest movement the back office completed fills the draft's amount,
currency and reference, and picks the reply that tells it (a credited deposit, a processed
withdrawal) when that reply is offered for the case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select

from bot.drafts.placeholders import DraftContext
from bot.drafts.templates import Template
from bot.services import Services
from bot.store.models import MoneyRequest

# The movement's type → the reply that tells the customer it is done.
REPLIES: dict[str, Template] = {
    "credit": Template.DEPOSIT_CREDITED,
    "refund": Template.DEPOSIT_CREDITED,
    "release": Template.WITHDRAWAL_PROCESSED,
}


@dataclass(frozen=True)
class Movement:
    kind: str
    amount: Decimal
    currency: str
    reference: str | None


async def executed(services: Services, escalation_id: int) -> Movement | None:
    """The escalation's latest completed money movement, if any."""
    async with services.db.read_session() as s:
        row = await s.scalar(
            select(MoneyRequest)
            .where(MoneyRequest.escalation_id == escalation_id, MoneyRequest.state == "completed")
            .order_by(MoneyRequest.executed_at.desc(), MoneyRequest.id.desc())
            .limit(1)
        )
    if row is None:
        return None
    reference = row.backoffice_id or row.manual_reference
    return Movement(row.kind, Decimal(row.amount), row.currency, reference)


def filled(context: DraftContext, movement: Movement | None) -> DraftContext:
    """The context with the amount really moved (unchanged without a movement)."""
    if movement is None:
        return context
    return replace(
        context,
        amount=movement.amount,
        currency=movement.currency,
        reference=movement.reference or context.reference,
    )


def reply_for(movement: Movement | None, offered: tuple[Template, ...]) -> Template | None:
    """The reply telling the movement, when the case offers it."""
    if movement is None:
        return None
    reply = REPLIES.get(movement.kind)
    return reply if reply in offered else None
