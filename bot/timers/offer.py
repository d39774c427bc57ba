"""A missed deadline: tell the leads once and offer the escalation to the next best analyst.

The offer is a DM with a Take button; ``take`` makes the taker the owner (a claim), or refuses
politely when someone else took it first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, lifecycle
from bot.escalations.alerts import POST, SERVICE
from bot.services import Services
from bot.slack_messages import timers as messages
from bot.store import outbox
from bot.store.models import Escalation, Timer
from bot.store.outbox import OutboxItem
from bot.timers.reroute import choose


async def breached(services: Services, s: AsyncSession, *, esc: Escalation, timer: Timer) -> str:
    """Alert the leads, turn the alert red, and offer the escalation; return what was done."""
    now = services.clock()
    roster = services.roster
    tz = str(roster.timezone)
    owner = roster.by_key(esc.analyst_key) if esc.analyst_key else None
    # Routing's rule picks the taker (permissions.may_hold): a compliance case is offered to
    # someone with the compliance role while one is on shift, and Take (a claim) agrees.
    exclude = frozenset({owner.key}) if owner else frozenset()
    taker = (await choose(services, s, esc=esc, now=now, exclude=exclude)).analyst
    text = messages.breach_text(
        esc,
        kind=timer.kind,
        deadline=timer.deadline_at,
        owner=owner.name if owner else None,
        offered_to=taker.name if taker else None,
        tz=tz,
    )
    items = [
        alerts.leads_alert(services, key=f"leads:{timer.key}", text=text),
        alerts.changed(esc, ref=f"overdue-{timer.key}"),
    ]
    if taker is not None:
        fallback, blocks = messages.offer(
            esc,
            kind=timer.kind,
            deadline=timer.deadline_at,
            owner=owner.name if owner else None,
            owner_key=owner.key if owner else None,
            locale=taker.locale,
            tz=tz,
        )
        items.append(
            OutboxItem(
                key=f"slack:offer:{timer.key}",
                service=SERVICE,
                action=POST,
                payload={
                    "kind": "offer",
                    "user": taker.slack_id,
                    "text": fallback,
                    "blocks": blocks,
                },
            )
        )
    await outbox.enqueue(s, items, now=now)
    return f"leads alerted; offered to {taker.name}" if taker else "leads alerted"


async def take(
    session: AsyncSession,
    *,
    services: Services,
    actor: Actor,
    now: datetime,
    escalation_id: int,
    offered_from: str | None,
) -> Escalation:
    """The Take button: the actor becomes the owner, unless someone else took it first."""
    esc = await lifecycle.find_open(session, escalation_id=escalation_id)
    if esc.analyst_key not in (offered_from, actor.key):
        holder = services.roster.by_key(esc.analyst_key or "")
        raise UserFacingError(
            N_("Ticket #{ticket} was already taken by {name}."),
            ticket=esc.ticket_id,
            name=holder.name if holder else esc.analyst_key,
        )
    return await lifecycle.claim(
        session,
        services=services,
        actor=actor,
        now=now,
        escalation_id=escalation_id,
        take_over=True,
    )
