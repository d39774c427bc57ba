"""A ticket solved or closed in Zendesk closes its escalation, so it stops counting as load.

Two webhook shapes report it: the body of `baton zendesk setup`'s second trigger
(``"event": "ticket_solved"``) and the event subscription's ``ticket.status_changed``. Either
way the ticket is re-read: the webhook is a hint, the API is the truth (it may be reopened).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EscalationStatus
from bot.errors import NotFound
from bot.escalations import alerts
from bot.ports import TICKET_SOLVED_EVENT
from bot.services import Services
from bot.store import inbox, outbox
from bot.store.models import AuditEntry, Escalation, InboxEvent

log = logging.getLogger(__name__)

# Inbox kinds of the two shapes (bot/events/zendesk.py reads them under these).
STATUS_CHANGED = "ticket.status_changed"
KINDS = frozenset({TICKET_SOLVED_EVENT, STATUS_CHANGED})
CLOSED_STATUSES = frozenset({"solved", "closed"})

Result = tuple[str, int | None, str]  # (outcome status, escalation id, detail)


async def process_event(services: Services, event: InboxEvent, *, worker: str) -> Result:
    """Close the ticket's open escalation if Zendesk says the ticket is solved or closed."""
    assert event.ticket_id is not None  # intake only hands over events about a ticket
    ticket_id = event.ticket_id
    async with services.db.read_session() as s:
        held = await s.scalar(select(Escalation.id).where(Escalation.open_ticket_id == ticket_id))
    if held is None:
        # Nothing open to close: not worth a read.
        return await _finish(services, event, worker, ("ignored", None, "no open escalation"))
    try:
        ticket = await services.zendesk.get_ticket(ticket_id)
    except NotFound:
        return await _finish(services, event, worker, ("not_found", held, "ticket not found"))
    if ticket.status not in CLOSED_STATUSES:
        detail = f"ticket {ticket_id} is {ticket.status} again"
        return await _finish(services, event, worker, ("ignored", held, detail))
    try:
        async with services.db.session() as s:
            esc = await s.scalar(
                select(Escalation).where(Escalation.open_ticket_id == ticket_id).with_for_update()
            )
            if esc is not None:
                await close(services, s, esc=esc, ticket_status=ticket.status, via=event.kind)
            await inbox.finish_or_yield(s, event.id, worker)
    except inbox.LostLease:
        return "duplicate", held, "lease lost to another worker"
    if esc is None:
        return "ignored", held, "closed meanwhile"
    log.info("escalation.closed_in_zendesk", extra={"ticket": ticket_id, "escalation": esc.id})
    services.metrics.inc(
        "baton_escalations_total", {"outcome": "resolved"}, help="Escalations processed"
    )
    return "resolved", esc.id, f"ticket {ticket_id} {ticket.status} in Zendesk"


async def close(
    services: Services, s: AsyncSession, *, esc: Escalation, ticket_status: str, via: str
) -> None:
    """Resolve an open escalation whose ticket was solved or closed in Zendesk, in session s."""
    now = services.clock()
    had_alerts = esc.status != EscalationStatus.INCOMPLETE  # incomplete ones were never posted
    esc.status = EscalationStatus.RESOLVED
    esc.resolved_at = now
    # NULL frees the one-open-escalation-per-ticket slot and drops it from the open load.
    esc.open_ticket_id = None
    s.add(
        AuditEntry(
            at=now,
            actor="zendesk",
            action="resolved",
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            detail={"ticket_status": ticket_status, "via": via, "analyst": esc.analyst_key},
        )
    )
    await s.flush()
    if had_alerts:
        # The alerts now show the resolved status, without buttons.
        item = alerts.changed(esc, ref=f"zendesk_{ticket_status}")
        await outbox.enqueue(s, [item], now=now)


async def _finish(services: Services, event: InboxEvent, worker: str, result: Result) -> Result:
    await inbox.finish_alone(services.db, event.id, worker)
    return result
