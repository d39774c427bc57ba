"""Ask for a money movement: check it, store it, post it for approval, start its clock.

The transaction a refund or release concerns is read from the back office before the database
transaction opens (nothing talks to another service inside one); the request, its audit entry
and the outbox rows that tell Slack are then stored together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor, can_see
from bot.domain import Category, LookupBy, Transaction, TxStatus, TxType
from bot.errors import N_, IntegrationError, NotConfigured, UserFacingError
from bot.escalations import alerts
from bot.money import notify
from bot.money.kinds import Kind, State, currency_of, parse_amount, reason_of
from bot.money.rules import needs_for
from bot.payments.findings import Findings
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, MoneyRequest

log = logging.getLogger(__name__)

REFUNDABLE = (TxType.DEPOSIT, TxType.DEBIT)
HELD = (TxStatus.PENDING, TxStatus.PROCESSING)  # a withdrawal not yet paid out is held


@dataclass(frozen=True)
class Asked:
    """What the person typed or chose, before it is checked."""

    kind: Kind
    reason: str
    note: str = ""
    ticket_id: int | None = None
    escalation_id: int | None = None
    amount: str | None = None  # None: a refund or release of the whole transaction
    currency: str | None = None
    transaction_id: str | None = None


async def transaction(services: Services, txn_id: str, *, actor: Actor) -> Transaction:
    """The transaction a refund or release names, read from the back office (audited)."""
    try:
        page = await services.transactions.find(LookupBy.ID, txn_id, limit=1)
    except NotConfigured as err:
        raise UserFacingError(N_("No transactions source is configured.")) from err
    except IntegrationError as err:
        raise UserFacingError(
            N_("The back office cannot be read now; try again in a minute.")
        ) from err
    found = [t for t in page.transactions if t.id == txn_id]
    async with services.db.session() as s:
        # Every read of transactions is in the audit log (SPEC §12).
        s.add(
            AuditEntry(
                at=services.clock(),
                actor=actor.key,
                action="transactions.lookup",
                detail={"by": "id", "count": len(found), "for": "money request"},
            )
        )
    if not found:
        raise UserFacingError(N_("Transaction {txn} is not in the back office."), txn=txn_id[:60])
    return found[0]


def _checked_amount(asked: Asked, tx: Transaction | None) -> tuple[Decimal, str]:
    if asked.kind in (Kind.REFUND, Kind.RELEASE):
        assert tx is not None
        if asked.currency and currency_of(asked.currency) != tx.currency:
            raise UserFacingError(
                N_("Transaction {txn} is in {currency}."), txn=tx.id, currency=tx.currency
            )
        if asked.kind is Kind.RELEASE:
            if tx.type is not TxType.WITHDRAWAL:
                raise UserFacingError(N_("Only a withdrawal can be released."))
            if tx.status not in HELD:
                raise UserFacingError(
                    N_("Withdrawal {txn} is {status}: only a held withdrawal can be released."),
                    txn=tx.id,
                    status=tx.status.value,
                )
            return tx.amount, tx.currency
        if tx.type not in REFUNDABLE or tx.status is not TxStatus.COMPLETED:
            raise UserFacingError(
                N_(
                    "Transaction {txn} is a {type}, {status}: only a completed payment is refunded."
                ),
                txn=tx.id,
                type=tx.type.value,
                status=tx.status.value,
            )
        amount = parse_amount(asked.amount, tx.currency) if asked.amount else tx.amount
        if amount > tx.amount:
            raise UserFacingError(
                N_("A refund cannot exceed the transaction: {txn} was {amount} {currency}."),
                txn=tx.id,
                amount=str(tx.amount),
                currency=tx.currency,
            )
        return amount, tx.currency
    if not asked.amount or not asked.currency:
        raise UserFacingError(N_("Give an amount and a currency, like 150.00 BRL."))
    currency = currency_of(asked.currency)
    return parse_amount(asked.amount, currency), currency


async def _escalation(s: AsyncSession, asked: Asked, tx: Transaction | None) -> Escalation:
    esc: Escalation | None = None
    if asked.escalation_id is not None:
        esc = await s.get(Escalation, asked.escalation_id)
    elif asked.ticket_id is not None:
        esc = await s.scalar(
            select(Escalation)
            .where(Escalation.ticket_id == asked.ticket_id)
            .order_by(Escalation.id.desc())
            .limit(1)
        )
    elif tx is not None:
        # /baton refund <transaction>: the open escalation whose lookup found it.
        rows = await s.scalars(
            select(Escalation)
            .where(Escalation.open_ticket_id.is_not(None), Escalation.enrichment.is_not(None))
            .order_by(Escalation.id.desc())
            .limit(500)
        )
        esc = next((e for e in rows if tx.id in _tx_ids(e)), None)
        if esc is None:
            raise UserFacingError(
                N_(
                    "No open escalation shows transaction {txn}: use the Money button on its alert."
                ),
                txn=tx.id,
            )
    if esc is None:
        raise UserFacingError(
            N_("Ticket #{ticket} has no escalation."), ticket=asked.ticket_id or 0
        )
    return esc


def _found(esc: Escalation) -> tuple[Transaction, ...]:
    """The transactions the escalation's lookup matched (none before a lookup)."""
    if not esc.enrichment:
        return ()
    return Findings.from_json(esc.enrichment).transactions


def _tx_ids(esc: Escalation) -> set[str]:
    return {t.id for t in _found(esc)}


def _customer(esc: Escalation, tx: Transaction | None) -> str:
    if tx is not None and tx.customer_id:
        return tx.customer_id
    for found in _found(esc):
        if found.customer_id:
            return found.customer_id
    raise UserFacingError(
        N_("Ticket #{ticket} names no customer the back office knows: look the customer up first."),
        ticket=esc.ticket_id,
    )


async def ask(services: Services, *, actor: Actor, asked: Asked) -> MoneyRequest:
    """Store a request and post it for approval; UserFacingError says what is wrong with it."""
    if not actor.is_staff:
        raise UserFacingError(N_("Sorry, only analysts on the roster can ask to move money."))
    reason = reason_of(asked.reason)
    tx = None
    if asked.kind in (Kind.REFUND, Kind.RELEASE):
        if not asked.transaction_id:
            raise UserFacingError(N_("A refund or release names its transaction."))
        tx = await transaction(services, asked.transaction_id, actor=actor)
    amount, currency = _checked_amount(asked, tx)
    now = services.clock()
    config = services.settings.config.approvals
    async with services.db.session() as s:
        esc = await _escalation(s, asked, tx)
        if not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
            raise UserFacingError(N_("Sorry, this case is for compliance only."))
        compliance_case = esc.category is not None and Category(esc.category).is_compliance
        needs = needs_for(
            config,
            amount=amount,
            currency=currency,
            compliance=compliance_case or asked.kind is Kind.RELEASE,
        )
        row = MoneyRequest(
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            customer_id=_customer(esc, tx),
            kind=asked.kind.value,
            amount=str(amount),
            currency=currency,
            transaction_id=tx.id if tx is not None else None,
            reason=reason.value,
            note=asked.note.strip()[:1000],
            needs_lead=needs.lead,
            needs_two=needs.two,
            needs_compliance=needs.compliance,
            state=State.REQUESTED,
            requested_by=actor.key,
            approvals=[],
            created_at=now,
            expires_at=now + timedelta(hours=config.expire_hours),
        )
        s.add(row)
        await s.flush()
        s.add(audit(row, actor=actor.key, action="money.requested", now=now))
        alert = alerts.changed(esc, ref=f"money-{row.id}-requested")
        await outbox.enqueue(s, [notify.post_item(row), alert], now=now)
    log.info("money.requested", extra={"request": row.id, "kind": row.kind})
    return row


def audit(
    row: MoneyRequest, *, actor: str, action: str, now: datetime, **detail: object
) -> AuditEntry:
    """An audit entry for a step of the request (amount and type, never customer data)."""
    return AuditEntry(
        at=now,
        actor=actor,
        action=action,
        escalation_id=row.escalation_id,
        ticket_id=row.ticket_id,
        detail={
            "request": row.id,
            "kind": row.kind,
            "amount": row.amount,
            "currency": row.currency,
            "reason": row.reason,
            **detail,
        },
    )


@dataclass(frozen=True)
class Prefill:
    """What the Money button's form starts with: the escalation's matched transaction."""

    escalation_id: int
    ticket_id: int
    kind: Kind
    amount: str
    currency: str


async def prefill(services: Services, *, actor: Actor, escalation_id: int) -> Prefill:
    """The form's first values; a held withdrawal suggests its release, a payment a credit."""
    if not actor.is_staff:
        raise UserFacingError(N_("Sorry, only analysts on the roster can ask to move money."))
    async with services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    if esc is None:
        raise UserFacingError(N_("This button is out of date."))
    if not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
        raise UserFacingError(N_("Sorry, this case is for compliance only."))
    found = _found(esc)
    first = found[0] if found else None
    kind = Kind.CREDIT
    if first is not None and first.type is TxType.WITHDRAWAL and first.status in HELD:
        kind = Kind.RELEASE
    return Prefill(
        escalation_id=esc.id,
        ticket_id=esc.ticket_id,
        kind=kind,
        amount=str(first.amount) if first else "",
        currency=first.currency if first else "",
    )


async def first_transaction(services: Services, escalation_id: int) -> str | None:
    """The id of the transaction the escalation's lookup matched best, if any."""
    async with services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    found = _found(esc) if esc is not None else ()
    return found[0].id if found else None
