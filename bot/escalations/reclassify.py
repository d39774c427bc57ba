"""A case that becomes AML or fraud after it was escalated: re-classify it once.

An agent who adds ``esc_aml`` or ``esc_fraud`` to a ticket Baton already holds changes what the
case is: from then on its details reach only compliance (SPEC §5). In the transaction of the
event: the category, an audit entry, a resolution deadline no later than the new category's,
the compliance channel's alert, every alert edited (the routing channel's down to the
compliance notice, the owner's DM with the details), and the compliance Jira issue. Drafts
follow by themselves (bot/drafts/templates.needs_neutral reads the category). The owner stays:
moving the case to compliance is the claim and assign rule's job (bot/desk/permissions.may_hold).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Tags
from bot.domain import Category, Ticket
from bot.escalations import alerts, deadlines, issue_requests
from bot.escalations.classify import reclassified
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation

ACTION = "escalation.reclassified"


def may_reclassify(ticket_tags: frozenset[str] | None, *, category: str | None, tags: Tags) -> bool:
    """Whether an event about a held ticket could re-classify it: worth reading the ticket.

    Judged by the tags the event's body carried, so an event about a case already as serious
    costs no API call.
    """
    return ticket_tags is not None and reclassified(category, ticket_tags, tags) is not None


async def apply(
    services: Services, s: AsyncSession, *, esc: Escalation, ticket: Ticket
) -> Category | None:
    """Re-classify the open escalation from the ticket's tags, in session s; the new category,
    or None when there is nothing to change (the second event with the same tags)."""
    new = reclassified(esc.category, ticket.tags, services.settings.config.tags)
    if new is None:
        return None
    now = services.clock()
    cfg = services.settings.config
    old = esc.category
    esc.category = new.value
    if esc.desk_started_at is not None:
        # The new category's deadline, when it is sooner: a deadline never moves later.
        due = deadlines.sla_due(cfg, category=new, vip=esc.vip, start=esc.desk_started_at)
        if esc.sla_due_at is None or due < esc.sla_due_at:
            esc.sla_due_at = due
    s.add(
        AuditEntry(
            at=now,
            actor="baton",
            action=ACTION,
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            detail={"from": old, "to": new.value},
        )
    )
    await s.flush()
    await outbox.enqueue(s, alerts.on_reclassified(services, esc), now=now)
    await issue_requests.request_compliance_issue(services, s, esc=esc, requester=ticket.requester)
    await deadlines.sync(s, cfg, esc, now=now)
    return new
