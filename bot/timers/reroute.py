"""Move an escalation nobody is acting on to the next best analyst on shift.

Used by the claim time-out and the shift handover. The move is recorded like a routing (a
RoutingDecisionRow whose first reason says why it moved), and the Zendesk assignee and note,
the channel alert (edited in place, so the old owner's DM shows the new owner too) and a DM to
the new owner follow through the outbox, keyed on ``ref`` so a second run enqueues nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.routing import route
from bot.domain import Category, EscalationStatus, RoutingDecision, TicketFacts
from bot.escalations import alerts, deadlines, notes
from bot.escalations.workload import team_state
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, RoutingDecisionRow


def facts_of(esc: Escalation) -> TicketFacts:
    """What routing needs, from the stored escalation (no Zendesk read)."""
    return TicketFacts(
        ticket_id=esc.ticket_id,
        category=Category(esc.category or Category.ACCOUNT),
        vip=esc.vip,
        language=esc.language,
        requester_id=esc.requester_id,
        created_at=esc.ticket_created_at or esc.received_at,
    )


async def choose(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> RoutingDecision:
    """The routing rules' pick for the escalation among those on shift, minus exclude."""
    availability, loads, recent = await team_state(s, now=now)
    return route(
        facts=facts_of(esc),
        roster=services.roster,
        now=now,
        availability=availability,
        loads=loads,
        recent=recent,
        exclude=exclude,
    )


async def reroute(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    reason: str,
    ref: str,
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> RoutingDecision:
    """Hand the escalation to the best analyst on shift (not in exclude); return the decision.

    Its analyst is None when nobody may take it, and its reasons say why.
    """
    decision = await choose(services, s, esc=esc, now=now, exclude=exclude)
    new = decision.analyst
    if new is None:
        return decision
    previous = esc.analyst_key
    row = RoutingDecisionRow(
        escalation_id=esc.id,
        analyst_key=new.key,
        reasons=[reason, *decision.reasons],
        language_needed=decision.language_needed,
        candidates=list(decision.candidates),
        decided_at=now,
    )
    s.add(row)
    esc.analyst_key = new.key
    esc.status = EscalationStatus.ROUTED
    esc.routed_at = now
    esc.claimed_at = None
    deadlines.on_owner(services.settings.config, esc, now=now)
    await s.flush()
    s.add(
        AuditEntry(
            at=now,
            actor="baton",
            action="escalation.rerouted",
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            detail={"decision": row.id, "previous": previous, "analyst": new.key, "why": reason},
        )
    )
    items = [
        # Posts first: the edit waits (outbox order) for every alert it edits to exist.
        alerts.dm_item(services, esc, analyst=new, ref=ref),
        alerts.changed(esc, ref=ref),
        notes.ticket_update(
            key=f"zendesk:{ref}:{esc.id}",
            ticket_id=esc.ticket_id,
            escalation_id=esc.id,
            note=f"Baton: re-routed to {new.name}: {reason}.",
            assignee_id=new.zendesk_id,
        ),
    ]
    await outbox.enqueue(s, items, now=now)
    await deadlines.sync(s, services.settings.config, esc, now=now)
    return decision
