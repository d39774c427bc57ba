"""The escalation lifecycle from Slack: claim, assign (reassign), and an analyst's queue.

Each change writes an AuditEntry and, in the same transaction, enqueues the alert updates and
the Zendesk assignee change, so nothing is lost if Slack or Zendesk is down.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import alerts, outbox
from bot.domain import Analyst, EscalationStatus
from bot.errors import N_, UserFacingError, UserFacingNotFound
from bot.models import AuditEntry, Escalation
from bot.outbox import OutboxItem
from bot.permissions import Actor, can_assign, can_see
from bot.services import Services

OPEN_STATUSES = tuple(s.value for s in EscalationStatus if s.is_open)


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


async def _audit(
    session: AsyncSession,
    *,
    esc: Escalation,
    actor: Actor,
    action: str,
    now: datetime,
    **detail: object,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor=actor.key,
        action=action,
        escalation_id=esc.id,
        ticket_id=esc.ticket_id,
        detail=dict(detail),
    )
    session.add(entry)
    await session.flush()
    return entry


def _zendesk_item(esc: Escalation, *, assignee: Analyst, note: str, ref: str) -> OutboxItem:
    key = f"zendesk:{ref}:{esc.id}"
    return OutboxItem(
        key=key,
        service="zendesk",
        action="update_ticket",
        payload={
            "ticket_id": esc.ticket_id,
            "assignee_id": assignee.zendesk_id,
            "internal_note": note,
            "marker": key,  # the Zendesk client appends it as the note's last line
        },
        escalation_id=esc.id,
    )


async def claim(
    session: AsyncSession,
    *,
    services: Services,
    actor: Actor,
    now: datetime,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
) -> Escalation:
    """Take an escalation: it becomes the actor's, the alerts and Zendesk follow."""
    if actor.analyst is None:
        raise UserFacingError(N_("Only analysts on the roster can claim escalations."))
    esc = await find_open(session, ticket_id=ticket_id, escalation_id=escalation_id)
    if not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
        raise UserFacingError(N_("This is a compliance case: only compliance can claim it."))
    if esc.status == EscalationStatus.CLAIMED:
        if esc.analyst_key == actor.key:
            return esc
        if not actor.is_lead:
            owner = services.roster.by_key(esc.analyst_key or "")
            name = owner.name if owner else esc.analyst_key
            raise UserFacingError(
                N_("Ticket #{ticket} is already claimed by {name}."),
                ticket=esc.ticket_id,
                name=name,
            )
    previous = esc.analyst_key
    esc.analyst_key = actor.key
    esc.status = EscalationStatus.CLAIMED
    esc.claimed_at = now
    entry = await _audit(
        session, esc=esc, actor=actor, action="escalation.claimed", now=now, previous=previous
    )
    ref = f"claim:{entry.id}"
    await outbox.enqueue(
        session,
        [
            alerts.changed(esc, ref=ref),
            _zendesk_item(
                esc,
                assignee=actor.analyst,
                note=f"Claimed by {actor.analyst.name} (Baton).",
                ref=f"claim-{entry.id}",
            ),
        ],
        now=now,
    )
    return esc


async def assign(
    session: AsyncSession,
    *,
    services: Services,
    actor: Actor,
    assignee: Analyst,
    now: datetime,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
) -> Escalation:
    """Hand an escalation to someone: leads for any, analysts for their own."""
    esc = await find_open(session, ticket_id=ticket_id, escalation_id=escalation_id)
    if not can_assign(actor, current_analyst_key=esc.analyst_key):
        raise UserFacingError(
            N_("Only a lead, or the analyst holding it, can reassign this escalation.")
        )
    assignee_actor = Actor(slack_id=assignee.slack_id, analyst=assignee)
    if not can_see(assignee_actor, category=esc.category, analyst_key=None):
        raise UserFacingError(N_("{name} cannot take compliance cases."), name=assignee.name)
    if esc.analyst_key == assignee.key:
        return esc
    previous = esc.analyst_key
    esc.analyst_key = assignee.key
    esc.status = EscalationStatus.ROUTED
    esc.claimed_at = None
    entry = await _audit(
        session,
        esc=esc,
        actor=actor,
        action="escalation.assigned",
        now=now,
        previous=previous,
        assignee=assignee.key,
    )
    ref = f"assign:{entry.id}"
    by = actor.analyst.name if actor.analyst else actor.key
    await outbox.enqueue(
        session,
        [
            alerts.changed(esc, ref=ref),
            alerts.dm_item(services, esc, analyst=assignee, ref=str(entry.id)),
            _zendesk_item(
                esc,
                assignee=assignee,
                note=f"Assigned to {assignee.name} by {by} (Baton).",
                ref=f"assign-{entry.id}",
            ),
        ],
        now=now,
    )
    return esc


async def queue(
    session: AsyncSession, *, analyst_key: str, viewer: Actor, limit: int = 50
) -> list[Escalation]:
    """An analyst's open escalations, oldest SLA deadline first (those without one last)."""
    rows = await session.scalars(
        select(Escalation)
        .where(
            Escalation.analyst_key == analyst_key,
            Escalation.status.in_(OPEN_STATUSES),
        )
        .order_by(Escalation.sla_due_at.is_(None), Escalation.sla_due_at, Escalation.id)
        .limit(limit)
    )
    return [e for e in rows if can_see(viewer, category=e.category, analyst_key=e.analyst_key)]
