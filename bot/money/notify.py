"""What a money request tells Slack and the ticket, as outbox items, and the card it shows.

The approval message is rendered at delivery from the stored request (bot/delivery/money.py),
so however late an edit lands it shows the latest state; each item's key names the request
and the step, so a step is told once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot import i18n
from bot.money.rules import Approval, Needs, missing
from bot.sealing import Sealer
from bot.services import Services
from bot.slack_messages import money as render
from bot.slack_messages.money import MoneyCard
from bot.store.models import MoneyRequest
from bot.store.outbox import OutboxItem

SLACK = "slack"
POST, UPDATE = "money_post", "money_update"
EXECUTE = "money_execute"
MARGIN = 3600  # seconds an Approve button outlives its request's expiry (then: out of date)


def sealer(services: Services) -> Sealer:
    return Sealer(services.settings.secret_key, "money")


def seal(services: Services, request_id: int, *, now: datetime) -> str:
    """The Approve and Reject buttons' value: the request id, sealed."""
    return sealer(services).seal({"r": request_id}, now=now)


def ttl(services: Services) -> int:
    return int(services.settings.config.approvals.expire_hours * 3600) + MARGIN


def needs_of(row: MoneyRequest) -> Needs:
    return Needs(lead=row.needs_lead, two=row.needs_two, compliance=row.needs_compliance)


def approvals_of(row: MoneyRequest) -> list[Approval]:
    return [Approval.from_json(a) for a in row.approvals or []]


def name(services: Services, key: str | None) -> str:
    """A roster key as the person's name (keys of people not on the roster as they are)."""
    if not key:
        return ""
    analyst = services.roster.by_key(key)
    return analyst.name if analyst is not None else key


def card(services: Services, row: MoneyRequest) -> MoneyCard:
    """The request as its messages show it."""
    return MoneyCard(
        id=row.id,
        kind=row.kind,
        amount=Decimal(row.amount),
        currency=row.currency,
        ticket_id=row.ticket_id,
        customer_id=row.customer_id,
        transaction_id=row.transaction_id,
        reason=row.reason,
        note=row.note or "",
        state=row.state,
        requested_by=name(services, row.requested_by),
        approved_by=tuple(name(services, a.by) for a in approvals_of(row)),
        missing=tuple(str(m) for m in missing(needs_of(row), approvals_of(row))),
        rejected_by=name(services, row.rejected_by) or None,
        reject_reason=row.reject_reason,
        backoffice_message=row.backoffice_message,
        reference=row.manual_reference or row.backoffice_id,
    )


async def latest(services: Services, escalation_id: int) -> MoneyRequest | None:
    """The escalation's latest money request (what its alert shows)."""
    async with services.db.read_session() as s:
        return await s.scalar(
            select(MoneyRequest)
            .where(MoneyRequest.escalation_id == escalation_id)
            .order_by(MoneyRequest.id.desc())
            .limit(1)
        )


def alert_line(services: Services, row: MoneyRequest | None, *, locale: str | None) -> str | None:
    """The alert's line about the request, in the alert's language (None: no request)."""
    if row is None:
        return None
    return render.alert_line(card(services, row), i18n.translator(locale), locale=locale)


def post_item(row: MoneyRequest) -> OutboxItem:
    return OutboxItem(
        key=f"money:{row.id}:post", service=SLACK, action=POST, payload={"request_id": row.id}
    )


def update_item(row: MoneyRequest, step: str) -> OutboxItem:
    return OutboxItem(
        key=f"money:{row.id}:update:{step}",
        service=SLACK,
        action=UPDATE,
        payload={"request_id": row.id},
    )


def dm_item(services: Services, row: MoneyRequest, step: str) -> OutboxItem | None:
    """The requester's DM about a step (none for someone without a Slack id)."""
    analyst = services.roster.by_key(row.requested_by)
    if analyst is None:
        return None
    payload: dict[str, Any] = {"request_id": row.id, "user": analyst.slack_id}
    return OutboxItem(
        key=f"money:{row.id}:dm:{step}", service=SLACK, action="money_dm", payload=payload
    )


def execute_item(row: MoneyRequest) -> OutboxItem:
    """The back office call; its key is the Idempotency-Key the back office sees."""
    return OutboxItem(
        key=idempotency_key(row.id),
        service="transactions",
        action=EXECUTE,
        payload={"request_id": row.id},
    )


def idempotency_key(request_id: int) -> str:
    return f"baton-adjustment-{request_id}"
