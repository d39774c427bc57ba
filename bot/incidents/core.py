"""Open an incident, link and unlink escalations: what each step stores and sends, once.

Every step runs in the caller's transaction and enqueues its effects with keys derived from
the incident and the escalation, so a step done twice (two workers, a retried request) sends
nothing twice: the Jira issue and the routing-channel message of an incident, the agent's
note on a linked ticket, the line on its alert, the edits of the incident's message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import N_, UserFacingError, UserFacingNotFound
from bot.escalations import alerts, audit, deadlines, notes
from bot.incidents.grouping import groupable, open_key
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, Incident, IncidentLink
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

OPEN, RESOLVING, RESOLVED = "open", "resolving", "resolved"
SOURCES = ("escalations", "health", "hand")
# Outbox actions (bot/delivery/incidents.py delivers them).
ISSUE = "incident_issue"  # jira: create the incident's issue
MESSAGE = "incident_message"  # slack: post the incident's message, or edit it in place
REPLY = "incident_reply"  # zendesk: one customer's reply of a bulk resolution


def parse_ref(text: str) -> int:
    """The incident id in "INC-12", "inc-12" or "12"; UserFacingError otherwise."""
    value = text.strip().upper().removeprefix("INC-").removeprefix("#")
    if not value.isdigit():
        raise UserFacingError(N_("{value} is not an incident (expected INC-12)."), value=text[:20])
    return int(value)


def message_item(incident: Incident, *, ref: str) -> OutboxItem:
    """Post (or edit in place) the incident's message in the routing channel."""
    return OutboxItem(
        key=f"slack:incident:{incident.id}:{ref}",
        service="slack",
        action=MESSAGE,
        payload={"incident_id": incident.id},
    )


def _issue_item(incident: Incident) -> OutboxItem:
    return OutboxItem(
        key=f"jira:incident:{incident.id}",
        service="jira",
        action=ISSUE,
        payload={"incident_id": incident.id},
    )


async def get(s: AsyncSession, incident_id: int, *, lock: bool = False) -> Incident:
    """The incident, or a refusal naming it."""
    stmt = select(Incident).where(Incident.id == incident_id)
    found = await s.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise UserFacingNotFound(N_("There is no incident INC-{id}."), id=incident_id)
    return found


async def find_open(s: AsyncSession, *, provider: str, category: str) -> Incident | None:
    """The open incident an escalation of (provider, category) joins: that category's, or
    one open for every category of the provider (by hand or from its health)."""
    keys = [open_key(provider, category), open_key(provider, None)]
    found: Incident | None = await s.scalar(
        select(Incident)
        .where(Incident.open_key.in_(keys), Incident.status == OPEN)
        .order_by(Incident.id)
        .limit(1)
    )
    return found


async def open_incident(
    s: AsyncSession,
    services: Services,
    *,
    provider: str,
    category: str | None,
    source: str,
    began_at: datetime,
    by: str = "baton",
    health: dict[str, object] | None = None,
) -> tuple[Incident, bool]:
    """Open the group's incident, or return the one open already; True when opened here."""
    provider = provider.strip().lower()
    key = open_key(provider, category)
    existing = await s.scalar(select(Incident).where(Incident.open_key == key))
    if existing is not None:
        return existing, False
    now = services.clock()
    incident = Incident(
        provider=provider,
        category=category,
        status=OPEN,
        open_key=key,
        source=source,
        began_at=began_at,
        opened_at=now,
        opened_by=by,
        health=health,
        replies_total=0,
    )
    try:
        async with s.begin_nested():  # another worker may open the same group at this moment
            s.add(incident)
            await s.flush()
    except IntegrityError:
        found = await s.scalar(select(Incident).where(Incident.open_key == key))
        if found is None:
            raise
        return found, False
    s.add(
        AuditEntry(
            at=now,
            actor=by,
            action="incident.opened",
            detail={
                "incident": incident.id,
                "provider": provider,
                "category": category,
                "source": source,
            },
        )
    )
    await outbox.enqueue(s, [_issue_item(incident), message_item(incident, ref="opened")], now=now)
    log.info(
        "incident.opened",
        extra={
            "incident": incident.id,
            "provider": provider,
            "category": category,
            "source": source,
        },
    )
    return incident, True


def _known_note(incident: Incident, *, tags_escalate: str) -> str:
    what = incident.provider + (f", {incident.category}" if incident.category else "")
    return "\n".join(
        [
            f"Baton: this ticket is part of a known provider incident ({incident.ref}: {what}).",
            "The VIP desk is working on it with the provider, and every affected customer will "
            "get an answer when it is fixed; this ticket keeps its owner meanwhile.",
            "Other tickets about the same problem need no chasing one by one: escalate them "
            f"with {tags_escalate} as usual and Baton links them to {incident.ref}.",
        ]
    )


async def link(
    s: AsyncSession,
    services: Services,
    *,
    incident: Incident,
    esc: Escalation,
    by: str = "baton",
) -> bool:
    """Link an open escalation to an open incident; False when it is linked there already."""
    if incident.status != OPEN:
        raise UserFacingError(N_("{incident} is not open any more."), incident=incident.ref)
    if not groupable(esc.category):
        # A compliance case never meets a provider message or a bulk reply (no tipping-off).
        raise UserFacingError(
            N_("Ticket #{ticket} cannot join a provider incident (category {category})."),
            ticket=esc.ticket_id,
            category=esc.category or "-",
        )
    if esc.open_ticket_id is None:
        raise UserFacingError(N_("Ticket #{ticket} is already resolved."), ticket=esc.ticket_id)
    now = services.clock()
    current = await s.scalar(
        select(IncidentLink).where(IncidentLink.active_escalation_id == esc.id).with_for_update()
    )
    if current is not None:
        if current.incident_id == incident.id:
            return False
        await unlink(s, services, esc=esc, by=by)
    row = IncidentLink(
        incident_id=incident.id,
        escalation_id=esc.id,
        active_escalation_id=esc.id,
        linked_at=now,
        linked_by=by,
        paused_seconds=0.0,
    )
    if services.settings.config.incidents.pause_sla and esc.sla_due_at is not None:
        row.paused_at = now
        row.sla_left_seconds = (esc.sla_due_at - now).total_seconds()
    s.add(row)
    esc.incident_ref = incident.ref
    await audit.record(
        s, esc=esc, actor=by, action="incident.linked", now=now, incident=incident.id
    )
    tags = services.settings.config.tags
    items = [
        notes.ticket_update(
            key=f"zendesk:incident:{incident.id}:{esc.id}:{row.id}",
            ticket_id=esc.ticket_id,
            escalation_id=esc.id,
            note=_known_note(incident, tags_escalate=tags.escalate),
        ),
        alerts.changed(esc, ref=f"incident:{incident.id}:{row.id}"),
        message_item(incident, ref=f"linked:{row.id}"),
    ]
    await outbox.enqueue(s, items, now=now)
    await deadlines.sync(s, services.settings.config, esc, now=now)
    return True


def resume(esc: Escalation, row: IncidentLink, *, now: datetime) -> None:
    """Start the paused resolution clock again: the deadline moves by the time it stood."""
    if row.paused_at is not None:
        stood = now - row.paused_at
        row.paused_seconds = (row.paused_seconds or 0.0) + stood.total_seconds()
        if esc.sla_due_at is not None:
            esc.sla_due_at = esc.sla_due_at + stood
        row.paused_at = None


async def unlink(s: AsyncSession, services: Services, *, esc: Escalation, by: str) -> Incident:
    """Take an escalation out of its incident (kept as history, never re-joined by Baton)."""
    row = await s.scalar(
        select(IncidentLink).where(IncidentLink.active_escalation_id == esc.id).with_for_update()
    )
    if row is None:
        raise UserFacingError(N_("Ticket #{ticket} is in no incident."), ticket=esc.ticket_id)
    incident = await get(s, row.incident_id)
    now = services.clock()
    resume(esc, row, now=now)
    row.active_escalation_id, row.unlinked_at = None, now
    esc.incident_ref = None
    await audit.record(
        s, esc=esc, actor=by, action="incident.unlinked", now=now, incident=incident.id
    )
    items = [
        alerts.changed(esc, ref=f"incident:{incident.id}:{row.id}:unlinked"),
        message_item(incident, ref=f"unlinked:{row.id}"),
    ]
    await outbox.enqueue(s, items, now=now)
    await deadlines.sync(s, services.settings.config, esc, now=now)
    return incident


async def linked(
    s: AsyncSession, incident_id: int, *, open_only: bool = False, lock: bool = False
) -> Sequence[tuple[Escalation, IncidentLink]]:
    """The incident's linked escalations (still linked), oldest first."""
    stmt = (
        select(Escalation, IncidentLink)
        .join(IncidentLink, IncidentLink.escalation_id == Escalation.id)
        .where(IncidentLink.incident_id == incident_id, IncidentLink.unlinked_at.is_(None))
        .order_by(Escalation.received_at, Escalation.id)
    )
    if open_only:
        stmt = stmt.where(Escalation.open_ticket_id.is_not(None))
    if lock:
        stmt = stmt.with_for_update(of=Escalation)
    return [(e, link) for e, link in (await s.execute(stmt)).all()]


async def escalation_of_ticket(s: AsyncSession, ticket_id: int) -> Escalation:
    """The ticket's open escalation, locked."""
    esc = await s.scalar(
        select(Escalation).where(Escalation.open_ticket_id == ticket_id).with_for_update()
    )
    if esc is None:
        raise UserFacingNotFound(N_("No open escalation for ticket #{ticket}."), ticket=ticket_id)
    return esc
