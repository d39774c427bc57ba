"""Look transactions up for a person (``/baton txn``, the alert's Transactions button).

Gated by role, bounded by the configured timeout, and written to the audit log every time —
found, none, failed or refused (SPEC §12: every read of transactions is recorded).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import NoReturn

from bot.desk.permissions import Action, Actor, allowed, can_see
from bot.domain import LookupBy, Transaction
from bot.errors import (
    N_,
    IntegrationError,
    NotConfigured,
    NotFound,
    UserFacingError,
    UserFacingNotFound,
)
from bot.escalations.enrichment import timeout_seconds
from bot.services import Services
from bot.store.models import AuditEntry, Escalation
from bot.transactions import gate

log = logging.getLogger(__name__)

PAGE_SIZE = 5
AUDIT_ACTION = "transactions.lookup"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PREFIXES = {
    "id": LookupBy.ID,
    "tx": LookupBy.ID,
    "ref": LookupBy.PROVIDER_REFERENCE,
    "customer": LookupBy.CUSTOMER_ID,
    "email": LookupBy.EMAIL,
}
# Without a prefix, a value is tried as each of these; the first with results wins.
_GUESSES = (LookupBy.ID, LookupBy.PROVIDER_REFERENCE, LookupBy.CUSTOMER_ID)


@dataclass(frozen=True)
class LookupResult:
    """One page of a lookup; next_cursor is opaque (it carries the key kind)."""

    query: str
    by: LookupBy
    value: str
    transactions: tuple[Transaction, ...]
    next_cursor: str | None = None


def parse_query(query: str) -> tuple[LookupBy | None, str]:
    """The key a query names (None: try each) and the value to look up."""
    text = query.strip().strip("`<>")
    if text.startswith("mailto:"):
        text = text.removeprefix("mailto:").split("|", 1)[0]  # Slack's auto-linked e-mail
    prefix, sep, rest = text.partition(":")
    if sep and prefix.strip().lower() in _PREFIXES and rest.strip():
        return _PREFIXES[prefix.strip().lower()], rest.strip()
    if _EMAIL.match(text):
        return LookupBy.EMAIL, text.lower()
    return None, text


def _encode(by: LookupBy, inner: str | None) -> str | None:
    return f"{by.value}:{inner}" if inner else None


def _decode(cursor: str) -> tuple[LookupBy, str]:
    kind, _, inner = cursor.partition(":")
    try:
        return LookupBy(kind), inner
    except ValueError:
        raise UserFacingError(
            N_("That page of results has expired; run the search again.")
        ) from None


async def lookup(
    services: Services,
    *,
    actor: Actor,
    query: str,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    escalation_id: int | None = None,
) -> LookupResult:
    """Look up one page of transactions for a person; raises UserFacingError with the reason."""
    by, value = parse_query(query)
    audit = _Audit(services, actor=actor, query=query, escalation_id=escalation_id, cursor=cursor)
    if not allowed(actor, Action.TXN):
        await audit.write(by, 0, "refused")
        raise UserFacingError(N_("Only analysts, leads and compliance can look up transactions."))
    if not value:
        raise UserFacingError(
            N_(
                "Tell me what to look up: a transaction id, a provider reference, a customer id "
                "or an e-mail."
            )
        )
    inner: str | None = None
    if cursor:
        by, inner = _decode(cursor)
    # Typed (not a case's own button, gated by the case): a compliance case's customer is
    # shown only to those the case's button would show it to.
    gated = gate.NOBODY
    if escalation_id is None:
        gated = await gate.gated_for(services, actor=actor)
    if gated.names(by, value):
        await _refuse_gated(audit, by)
    tries = (by,) if by is not None else _GUESSES
    page_by = tries[0]
    transactions: tuple[Transaction, ...] = ()
    next_cursor: str | None = None
    seconds = timeout_seconds(services)
    try:
        async with asyncio.timeout(seconds):
            for page_by in tries:
                page = await services.transactions.find(page_by, value, limit=limit, cursor=inner)
                if page.transactions:
                    transactions, next_cursor = page.transactions, page.next_cursor
                    break
    except TimeoutError:
        await audit.write(page_by, 0, "failed", error="timeout")
        raise UserFacingError(
            N_(
                "The transactions source did not answer within {seconds} seconds; "
                "try again shortly."
            ),
            seconds=f"{seconds:g}",
        ) from None
    except NotConfigured as err:
        await audit.write(page_by, 0, "failed", error="not configured")
        raise UserFacingError(
            N_("No transactions source is configured, so there is nothing to look up.")
        ) from err
    except IntegrationError as err:
        log.warning("transactions.lookup.failed", extra={"error": str(err)})
        await audit.write(page_by, 0, "failed", error=f"HTTP {err.status}" if err.status else "")
        raise UserFacingError(
            N_("The transactions source is not answering right now; try again in a minute.")
        ) from err
    if any(gated.covers(tx) for tx in transactions):
        await _refuse_gated(audit, page_by)
    if not transactions:
        page_by = tries[0]
    await audit.write(page_by, len(transactions), "found" if transactions else "none")
    return LookupResult(
        query=query,
        by=page_by,
        value=value,
        transactions=transactions,
        next_cursor=_encode(page_by, next_cursor),
    )


async def _refuse_gated(audit: _Audit, by: LookupBy | None) -> NoReturn:
    await audit.write(by, 0, "refused", error="customer of a compliance case")
    # Neutral: the person may not know there is a compliance case, and must not learn it here.
    raise UserFacingError(
        N_("You cannot look up this customer's transactions right now; ask a lead.")
    )


async def lookup_for_escalation(
    services: Services, *, actor: Actor, escalation_id: int, cursor: str | None = None
) -> LookupResult:
    """The transactions of an escalation's customer (by the e-mail or customer id it named)."""
    async with services.db.read_session() as s:
        esc = await s.get(Escalation, escalation_id)
    if esc is None:
        raise UserFacingNotFound(N_("Escalation {id} was not found."), id=escalation_id)
    if not allowed(actor, Action.TXN) or not can_see(
        actor, category=esc.category, analyst_key=esc.analyst_key
    ):
        audit = _Audit(services, actor=actor, query="", escalation_id=esc.id, cursor=cursor)
        await audit.write(None, 0, "refused")
        raise UserFacingError(N_("Only analysts, leads and compliance can look up transactions."))
    asked = (esc.enrichment or {}).get("asked") or {}
    if asked.get("email"):
        query = f"email:{asked['email']}"
    elif asked.get("customer_id"):
        query = f"customer:{asked['customer_id']}"
    else:
        query = f"email:{await _requester_email(services, esc.ticket_id)}"
    return await lookup(
        services, actor=actor, query=query, cursor=cursor, escalation_id=escalation_id
    )


async def _requester_email(services: Services, ticket_id: int) -> str:
    try:
        ticket = await services.zendesk.get_ticket(ticket_id)
    except NotFound as err:
        raise UserFacingNotFound(N_("Ticket #{ticket} was not found."), ticket=ticket_id) from err
    except IntegrationError as err:
        raise UserFacingError(
            N_("Zendesk is not answering, so the customer is unknown; try again shortly.")
        ) from err
    if not ticket.requester.email:
        raise UserFacingError(
            N_("Ticket #{ticket}'s requester has no e-mail to look up."), ticket=ticket_id
        )
    return str(ticket.requester.email).lower()


class _Audit:
    """The audit entry of one lookup: who, what was asked, the key used, the outcome."""

    def __init__(
        self,
        services: Services,
        *,
        actor: Actor,
        query: str,
        escalation_id: int | None,
        cursor: str | None,
    ) -> None:
        self.services, self.actor, self.query = services, actor, query
        self.escalation_id, self.cursor = escalation_id, cursor

    async def write(
        self, by: LookupBy | None, count: int, outcome: str, *, error: str = ""
    ) -> None:
        detail: dict[str, object] = {
            "query": self.query,
            "by": by.value if by else None,
            "count": count,
            "outcome": outcome,
        }
        if self.cursor:
            detail["cursor"] = self.cursor
        if error:
            detail["error"] = error
        async with self.services.db.session() as s:
            ticket_id = None
            if self.escalation_id is not None:
                esc = await s.get(Escalation, self.escalation_id)
                ticket_id = esc.ticket_id if esc else None
            s.add(
                AuditEntry(
                    at=self.services.clock(),
                    actor=self.actor.key,
                    action=AUDIT_ACTION,
                    escalation_id=self.escalation_id,
                    ticket_id=ticket_id,
                    detail=detail,
                )
            )
        # The query stays in the audit log: logs never carry customer data.
        log.info(
            "transactions.lookup",
            extra={"actor": self.actor.key, "by": detail["by"], "count": count, "outcome": outcome},
        )
