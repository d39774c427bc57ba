"""Whose transactions a typed lookup may show: a compliance case's customer is gated.

The case's own Transactions button shows its customer's transactions to its owner, the leads
and compliance only (``permissions.can_see``); a `/baton txn` by that customer's e-mail or id
must not be the way around it. The customer of an open AML or fraud case is known by the
e-mail and customer id its ticket named (stored with the findings), else by its requester in
Zendesk; a case whose customer cannot be read right now gates every typed lookup of the
person, rather than guess. The refusal does not say there is a compliance case.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import select

from bot.desk.permissions import Actor, can_see
from bot.domain import Category, EscalationStatus, LookupBy, Transaction
from bot.errors import IntegrationError, NotConfigured, NotFound
from bot.payments.asked import ticket_asks
from bot.services import Services
from bot.store.models import Escalation

log = logging.getLogger(__name__)

COMPLIANCE = tuple(c.value for c in Category if c.is_compliance)
OPEN = tuple(s.value for s in EscalationStatus if s.is_open)


@dataclass(frozen=True)
class Gated:
    """The customers a person may not look up, as e-mails and customer ids."""

    emails: frozenset[str] = frozenset()
    customer_ids: frozenset[str] = frozenset()
    unknown: bool = False  # some case's customer could not be read: gate everything

    def names(self, by: LookupBy | None, value: str) -> bool:
        """Whether a query names a gated customer (a bare value may be a customer id)."""
        if self.unknown:
            return True
        if by is LookupBy.EMAIL:
            return value.strip().lower() in self.emails
        return by in (None, LookupBy.CUSTOMER_ID) and value.strip() in self.customer_ids

    def covers(self, tx: Transaction) -> bool:
        """Whether a transaction found (by any key) is a gated customer's."""
        email = (tx.email or "").lower()
        return bool(email and email in self.emails) or (tx.customer_id or "") in self.customer_ids


NOBODY = Gated()


async def gated_for(services: Services, *, actor: Actor) -> Gated:
    """The customers of the open compliance cases the actor may not see."""
    if actor.is_lead or actor.is_compliance:
        return NOBODY
    async with services.db.read_session() as s:
        cases = list(
            await s.scalars(
                select(Escalation).where(
                    Escalation.category.in_(COMPLIANCE), Escalation.status.in_(OPEN)
                )
            )
        )
    cases = [e for e in cases if not can_see(actor, category=e.category, analyst_key=e.analyst_key)]
    if not cases:
        return NOBODY
    known = await asyncio.gather(*(_customer(services, e) for e in cases))
    if any(k is None for k in known):
        return Gated(unknown=True)
    emails = frozenset(e for k in known if k for e in (k[0],) if e)
    ids = frozenset(c for k in known if k for c in (k[1],) if c)
    return Gated(emails=emails, customer_ids=ids)


async def _customer(services: Services, esc: Escalation) -> tuple[str, str] | None:
    """(e-mail, customer id) of the case's customer, "" when unknown; None if unreadable."""
    asked = (esc.enrichment or {}).get("asked") or {}
    email, customer = str(asked.get("email") or "").lower(), str(asked.get("customer_id") or "")
    if email:
        return email, customer
    try:
        ticket = await services.zendesk.get_ticket(esc.ticket_id)
    except NotFound:
        return "", customer  # the ticket is gone: nobody to gate by it
    except (IntegrationError, NotConfigured) as err:
        log.warning("transactions.gate.unknown", extra={"escalation": esc.id, "error": str(err)})
        return None
    named = ticket_asks(ticket, default_tz=services.roster.timezone)
    return (named.email or "").lower(), customer or (named.customer_id or "")
