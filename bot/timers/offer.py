"""A missed deadline: tell the leads once and offer the escalation to the next best analyst.

The offer is a DM with a Take button whose value is sealed (bot/sealing.py) and names the
escalation, the owner it is offered away from and the analyst it is offered to; ``take`` makes
the taker the owner (a claim) when the clicking user is that analyst (or a lead), or refuses
politely when someone else took it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, lifecycle, lookup
from bot.escalations.alerts import POST, SERVICE
from bot.sealing import Sealer, Unsealable
from bot.services import Services
from bot.slack_messages import timers as messages
from bot.store import outbox
from bot.store.models import Escalation, Timer
from bot.store.outbox import OutboxItem
from bot.timers.reroute import choose

OFFER_TTL = 24 * 3600  # seconds a Take button works: the offer is about a deadline just missed


@dataclass(frozen=True)
class Offer:
    """What a Take button offers: an escalation, away from its owner, to one analyst."""

    escalation_id: int
    owner: str | None  # the analyst key it was offered away from (None: nobody had it)
    to: str  # the analyst key it was offered to


def _sealer(services: Services) -> Sealer:
    return Sealer(services.settings.secret_key, "take-offer")


def seal(services: Services, offer: Offer, *, now: datetime) -> str:
    """The Take button's value: sealed, so nobody can forge or redirect an offer."""
    data = {"e": offer.escalation_id, "f": offer.owner, "t": offer.to}
    return _sealer(services).seal(data, now=now)


def unseal(services: Services, value: object, *, now: datetime) -> Offer:
    """Read a Take button's value back; a forged, foreign or expired one is out of date."""
    try:
        data = _sealer(services).open(value, ttl=OFFER_TTL, now=now)
        esc_id, owner, to = data["e"], data["f"], data["t"]
    except (Unsealable, KeyError) as err:
        raise UserFacingError(N_("This button is out of date.")) from err
    if not (isinstance(esc_id, int) and isinstance(to, str) and isinstance(owner, str | None)):
        raise UserFacingError(N_("This button is out of date."))
    return Offer(escalation_id=esc_id, owner=owner, to=to)


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
            value=seal(
                services,
                Offer(escalation_id=esc.id, owner=owner.key if owner else None, to=taker.key),
                now=now,
            ),
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
    offer: Offer,
) -> Escalation:
    """The Take button: the actor becomes the owner, unless someone else took it first.

    Only the analyst it was offered to, or a lead, may take it: an offer forwarded or shown to
    someone else moves nothing.
    """
    if actor.key != offer.to and not actor.is_lead:
        offered_to = services.roster.by_key(offer.to)
        raise UserFacingError(
            N_("This offer was made to {name}: only they or a lead can take it."),
            name=offered_to.name if offered_to else offer.to,
        )
    esc = await lookup.find_open(session, escalation_id=offer.escalation_id)
    if esc.analyst_key not in (offer.owner, actor.key):
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
        escalation_id=offer.escalation_id,
        take_over=True,
    )
