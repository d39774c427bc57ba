"""The escalation lifecycle from Slack: claim, assign (reassign), and an analyst's queue.

Each change writes an AuditEntry and, in the same transaction, enqueues the alert updates and
the Zendesk assignee change, so nothing is lost if Slack or Zendesk is down.

Claiming or assigning an escalation that waited unassigned (nobody was on shift) is its
routing: it is recorded like one (routed_at, a RoutingDecisionRow with who chose and why), the
ticket trades the unassigned tag for the routed one in the same update as the assignee, and
the normal routing alerts go out under routing's own outbox keys, so nothing is posted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.availability import current as marks_in_force
from bot.desk.permissions import Actor, can_assign, can_see, may_hold
from bot.desk.routing import may_be_given
from bot.domain import Analyst, EscalationStatus, RoutingDecision
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, audit, deadlines, notes
from bot.escalations.lookup import find_open
from bot.services import Services
from bot.slack_messages.alerts import Queued
from bot.store import outbox
from bot.store.models import Escalation, RoutingDecisionRow
from bot.store.outbox import OutboxItem

OPEN_STATUSES = tuple(s.value for s in EscalationStatus if s.is_open)


def _zendesk_item(
    esc: Escalation,
    *,
    assignee: Analyst,
    note: str,
    ref: str,
    add_tags: list[str] | None = None,
    remove_tags: list[str] | None = None,
) -> OutboxItem:
    tag_changes: dict[str, object] = {}
    if add_tags or remove_tags:
        tag_changes = {"add_tags": list(add_tags or ()), "remove_tags": list(remove_tags or ())}
    return notes.ticket_update(
        key=f"zendesk:{ref}:{esc.id}",
        ticket_id=esc.ticket_id,
        escalation_id=esc.id,
        note=note,
        assignee_id=assignee.zendesk_id,
        **tag_changes,
    )


async def _route_waiting_by_hand(
    session: AsyncSession,
    *,
    services: Services,
    esc: Escalation,
    analyst: Analyst,
    reason: str,
    now: datetime,
) -> list[OutboxItem]:
    """Record a person's pick for an unassigned escalation as its routing; return the alerts.

    The caller has already set the new owner and status; this adds what routing would have
    done: routed_at, the decision with its reason, and the channel alert and DM.
    """
    esc.routed_at = now
    session.add(
        RoutingDecisionRow(
            escalation_id=esc.id,
            analyst_key=analyst.key,
            reasons=[reason],
            language_needed=None if analyst.speaks(esc.language) else esc.language,
            candidates=[analyst.key],
            decided_at=now,
        )
    )
    decision = RoutingDecision(analyst=analyst, reasons=(reason,), candidates=(analyst.key,))
    # Routing's own keys: a later routing of this escalation finds these and posts nothing new.
    return alerts.on_routed(services, esc, decision)


async def _may_take(
    session: AsyncSession, services: Services, *, esc: Escalation, person: Analyst, now: datetime
) -> bool:
    """Whether the person may be made the owner: routing's rule, for leads too (SPEC §5)."""
    if may_hold(person, category=esc.category, compliance_on_shift=True):
        return True  # no need to read who is on shift
    marks = await marks_in_force(session, now=now)
    return may_be_given(
        person, category=esc.category, roster=services.roster, now=now, availability=marks
    )


def _waiting_tags(services: Services) -> dict[str, list[str]]:
    tags = services.settings.config.tags
    return {"add_tags": [tags.routed], "remove_tags": [tags.unassigned]}


def _follow_ups(
    services: Services,
    esc: Escalation,
    *,
    assignee: Analyst,
    waited: bool,
    action: str,
    entry_id: int,
    note: str,
) -> list[OutboxItem]:
    """The alert edit and the ticket update every hand-over sends, after any new posts.

    Enqueued after the posts, an edit waits (outbox order) for every alert it edits to exist.
    """
    return [
        alerts.changed(esc, ref=f"{action}:{entry_id}"),
        _zendesk_item(
            esc,
            assignee=assignee,
            note=note,
            ref=f"{action}-{entry_id}",
            **(_waiting_tags(services) if waited else {}),
        ),
    ]


async def claim(
    session: AsyncSession,
    *,
    services: Services,
    actor: Actor,
    now: datetime,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
    take_over: bool = False,
) -> Escalation:
    """Take an escalation: it becomes the actor's, the alerts and Zendesk follow.

    ``take_over``: from an owner who claimed it (a lead may always; others through a
    breach offer, bot/timers/offer.py).
    """
    if actor.analyst is None:
        raise UserFacingError(N_("Only analysts on the roster can claim escalations."))
    esc = await find_open(session, ticket_id=ticket_id, escalation_id=escalation_id)
    mine = esc.analyst_key == actor.key
    if not mine and not await _may_take(session, services, esc=esc, person=actor.analyst, now=now):
        raise UserFacingError(N_("This is a compliance case: only compliance can claim it."))
    if esc.status == EscalationStatus.CLAIMED:
        if esc.analyst_key == actor.key:
            return esc
        if not actor.is_lead and not take_over:
            owner = services.roster.by_key(esc.analyst_key or "")
            name = owner.name if owner else esc.analyst_key
            raise UserFacingError(
                N_("Ticket #{ticket} is already claimed by {name}."),
                ticket=esc.ticket_id,
                name=name,
            )
    previous = esc.analyst_key
    waited = esc.status == EscalationStatus.UNASSIGNED
    esc.analyst_key = actor.key
    esc.status = EscalationStatus.CLAIMED
    esc.claimed_at = now
    deadlines.on_claimed(esc, now=now)
    entry = await audit.record(
        session,
        esc=esc,
        actor=actor.key,
        action="escalation.claimed",
        now=now,
        previous=previous,
        waited_unassigned=waited,
    )
    me = actor.analyst
    items: list[OutboxItem] = []
    if waited:
        items += await _route_waiting_by_hand(
            session, services=services, esc=esc, analyst=me, reason=f"claimed by {me.name}", now=now
        )
    items += _follow_ups(
        services,
        esc,
        assignee=me,
        waited=waited,
        action="claim",
        entry_id=entry.id,
        note=f"Claimed by {me.name} (Baton).",
    )
    await outbox.enqueue(session, items, now=now)
    await deadlines.sync(session, services.settings.config, esc, now=now)
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
    if not await _may_take(session, services, esc=esc, person=assignee, now=now):
        raise UserFacingError(N_("{name} cannot take compliance cases."), name=assignee.name)
    if esc.analyst_key == assignee.key:
        return esc
    previous = esc.analyst_key
    waited = esc.status == EscalationStatus.UNASSIGNED
    esc.analyst_key = assignee.key
    esc.status = EscalationStatus.ROUTED
    esc.claimed_at = None
    deadlines.on_owner(services.settings.config, esc, now=now)
    entry = await audit.record(
        session,
        esc=esc,
        actor=actor.key,
        action="escalation.assigned",
        now=now,
        previous=previous,
        assignee=assignee.key,
        waited_unassigned=waited,
    )
    by = actor.analyst.name if actor.analyst else actor.key
    if waited:
        items = await _route_waiting_by_hand(
            session,
            services=services,
            esc=esc,
            analyst=assignee,
            reason=f"assigned by {by}",
            now=now,
        )
    else:
        items = [alerts.dm_item(services, esc, analyst=assignee, ref=str(entry.id))]
    items += _follow_ups(
        services,
        esc,
        assignee=assignee,
        waited=waited,
        action="assign",
        entry_id=entry.id,
        note=f"Assigned to {assignee.name} by {by} (Baton).",
    )
    await outbox.enqueue(session, items, now=now)
    await deadlines.sync(session, services.settings.config, esc, now=now)
    return esc


async def queue(
    session: AsyncSession, *, analyst_key: str, viewer: Actor, now: datetime, limit: int = 50
) -> list[Queued]:
    """An analyst's open escalations, nearest deadline first (those without one last)."""
    rows = await session.scalars(
        select(Escalation).where(
            Escalation.analyst_key == analyst_key,
            Escalation.status.in_(OPEN_STATUSES),
        )
    )
    # The next deadline is the nearest of three columns; an analyst holds a handful at most.
    mine = [
        Queued(e, deadlines.shown(e, now=now))
        for e in rows
        if can_see(viewer, category=e.category, analyst_key=e.analyst_key)
    ]
    return sorted(mine, key=_by_next_deadline)[:limit]


def _by_next_deadline(q: Queued) -> tuple[bool, datetime, int]:
    nxt = q.deadlines.next
    return (nxt is None, nxt[1] if nxt else datetime.max.replace(tzinfo=UTC), q.esc.id)
