"""Enrich a payment escalation: find the transaction its ticket is about, without holding routing.

A step of intake (bot/escalations/intake.py), on the classification intake made.

By id or provider reference (each key tried), else by amount and date among the requester's
recent transactions of the escalation's kind (by e-mail, else the customer id the ticket names),
else the recent ones. A deposit the customer reports that the source does not have is
"not received from the provider". ``inline`` runs all that within the configured timeout: a slow
or failing source yields PENDING, and the outbox (bot/delivery/transactions.py) retries it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain import Category, LookupBy, Ticket, Transaction, TxStatus, TxType
from bot.errors import IntegrationError, NotConfigured
from bot.escalations.classify import Classification
from bot.payments.asked import Asked, ticket_asks
from bot.payments.findings import MAX_MATCHES, Findings, FindingState, MatchedBy
from bot.ports import TransactionsPort
from bot.services import Services
from bot.store.health import DOWN_AFTER
from bot.store.models import Escalation, ServiceHealth
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

PAYMENT_CATEGORIES = frozenset({Category.WITHDRAWAL, Category.DEPOSIT_MISSING, Category.TX_FAILED})
SERVICE, ACTION = "transactions", "enrich"
DEFAULT_TIMEOUT = 2.0
RECENT = 50  # how many of the customer's latest transactions are searched by amount and date
DAYS = 2  # a named date matches a transaction this many days either side
# Amounts match within 1% (fees, rounding, exchange) and at least one minor unit.
TOLERANCE = Decimal("0.01")

_KINDS: dict[Category, frozenset[TxType]] = {
    Category.WITHDRAWAL: frozenset({TxType.WITHDRAWAL}),
    Category.DEPOSIT_MISSING: frozenset({TxType.DEPOSIT}),
    Category.TX_FAILED: frozenset({TxType.DEPOSIT, TxType.WITHDRAWAL, TxType.DEBIT}),
}


def timeout_seconds(services: Services) -> float:
    """[transactions] timeout_seconds: how long routing waits for a lookup."""
    config = getattr(services.settings.config, "transactions", None)
    return float(getattr(config, "timeout_seconds", DEFAULT_TIMEOUT))


async def inline(services: Services, ticket: Ticket, category: Category) -> Findings:
    """Look up what the ticket names within the timeout; PENDING or UNAVAILABLE if not."""
    asked = ticket_asks(ticket, default_tz=services.roster.timezone)
    return await attempt(services, asked, category, tz=services.roster.timezone)


async def attempt(
    services: Services, asked: Asked, category: Category, *, tz: ZoneInfo
) -> Findings:
    """One lookup within the timeout, its failure told as a state instead of raised."""
    try:
        async with asyncio.timeout(timeout_seconds(services)):
            return await find(services.transactions, asked, category, tz=tz)
    except TimeoutError:
        log.warning("transactions.enrich.timeout", extra={"category": str(category)})
        return Findings(FindingState.PENDING, asked=asked.to_map())
    except NotConfigured:
        return Findings(FindingState.UNAVAILABLE, asked=asked.to_map())
    except IntegrationError as err:
        log.warning("transactions.enrich.failed", extra={"error": str(err)})
        state = FindingState.PENDING if err.retryable else FindingState.UNAVAILABLE
        return Findings(state, asked=asked.to_map())


async def find(
    source: TransactionsPort, asked: Asked, category: Category, *, tz: ZoneInfo
) -> Findings:
    """Match what the ticket names against the source (raises IntegrationError)."""
    stored = asked.to_map()
    for ref in asked.references:
        for by in (LookupBy.ID, LookupBy.PROVIDER_REFERENCE):
            page = await source.find(by, ref, limit=MAX_MATCHES)
            if page.transactions:
                return Findings(
                    FindingState.FOUND, page.transactions[:MAX_MATCHES], str(by), stored
                )
    recent = [tx for tx in await _customer(source, asked) if tx.type in _KINDS[category]]
    matched = by_amount_and_date(recent, asked, tz=tz)
    if matched:
        return Findings(FindingState.FOUND, matched, MatchedBy.AMOUNT_AND_DATE.value, stored)
    if category is Category.DEPOSIT_MISSING and (asked.names_something or not recent):
        # The customer says they paid; the source has no such deposit.
        return Findings(FindingState.NOT_RECEIVED, asked=stored)
    if not recent:
        return Findings(FindingState.NO_MATCH, asked=stored)
    shown = _recent_first(recent, category)
    state = FindingState.NO_MATCH if asked.names_something else FindingState.FOUND
    return Findings(state, shown, MatchedBy.RECENT.value, stored)


async def _customer(source: TransactionsPort, asked: Asked) -> Sequence[Transaction]:
    """The requester's latest transactions: by e-mail, else by the customer id named."""
    keys = [(LookupBy.EMAIL, asked.email), (LookupBy.CUSTOMER_ID, asked.customer_id)]
    for by, value in keys:
        if value:
            page = await source.find(by, value, limit=RECENT)
            if page.transactions:
                return page.transactions
    return ()


def by_amount_and_date(
    recent: Sequence[Transaction], asked: Asked, *, tz: ZoneInfo
) -> tuple[Transaction, ...]:
    """Transactions of the named amount and currency near the named date, closest first."""
    if asked.amount is None or not asked.currency:
        return ()
    target = asked.amount
    slack = max(TOLERANCE, abs(target) * TOLERANCE)
    hits: list[tuple[int, Decimal, Transaction]] = []
    for tx in recent:
        if tx.currency.upper() != asked.currency.upper() or abs(tx.amount - target) > slack:
            continue
        days = _days_apart(tx, asked.day, tz=tz)
        if days is None or days <= DAYS:
            hits.append((days or 0, abs(tx.amount - target), tx))
    hits.sort(key=lambda h: (h[0], h[1], -h[2].created_at.timestamp()))
    return tuple(tx for _d, _a, tx in hits[:MAX_MATCHES])


def _days_apart(tx: Transaction, day: date | None, *, tz: ZoneInfo) -> int | None:
    if day is None:
        return None
    return abs((tx.created_at.astimezone(tz).date() - day).days)


def _recent_first(recent: Sequence[Transaction], category: Category) -> tuple[Transaction, ...]:
    """The latest few; for a failed-transaction escalation, the failed ones first."""
    ordered = sorted(recent, key=lambda tx: tx.created_at, reverse=True)
    if category is Category.TX_FAILED:
        ordered.sort(key=lambda tx: tx.status not in (TxStatus.FAILED, TxStatus.REVERSED))
    return tuple(ordered[:MAX_MATCHES])


def retry_item(esc: Escalation, findings: Findings | None) -> list[OutboxItem]:
    """The outbox item that repeats a pending lookup (none unless findings are pending)."""
    if findings is None or findings.state is not FindingState.PENDING or esc.category is None:
        return []
    payload = {"category": esc.category, "asked": dict(findings.asked)}
    return [
        OutboxItem(
            key=f"transactions:enrich:{esc.id}",
            service=SERVICE,
            action=ACTION,
            payload=payload,
            escalation_id=esc.id,
        )
    ]


async def for_ticket(services: Services, ticket: Ticket, c: Classification) -> Findings | None:
    """Findings for a complete payment escalation (None for any other ticket), given the
    ticket's classification."""
    if not c.complete or c.category is None or c.category not in PAYMENT_CATEGORIES:
        return None
    if await source_down(services):
        # Known to be down: no point spending the timeout on every escalation; the outbox
        # retries it with the others once the source answers again.
        asked = ticket_asks(ticket, default_tz=services.roster.timezone)
        return Findings(FindingState.PENDING, asked=asked.to_map())
    return await inline(services, ticket, c.category)


async def source_down(services: Services) -> bool:
    """Whether the transactions source is down (bot/store/health), by the stored state."""
    async with services.db.read_session() as s:
        failures = await s.scalar(
            select(ServiceHealth.failures).where(ServiceHealth.service == SERVICE)
        )
    return (failures or 0) >= DOWN_AFTER
