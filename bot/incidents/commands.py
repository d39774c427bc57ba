"""What `/baton incident …` and the incident's buttons ask of the core, as plain calls the
Slack handler (handlers/slack/incidents.py) makes: list, open, link, unlink, the forms' data."""

from __future__ import annotations

from bot.desk.permissions import Actor
from bot.domain import Category, IncidentSummary
from bot.errors import N_, UserFacingError
from bot.incidents import core, overview
from bot.incidents.grouping import PAYMENT_CATEGORIES
from bot.services import Services
from bot.slack_messages import incidents as render


def _category(word: str | None) -> str | None:
    if word is None:
        return None
    try:
        category = Category(word.lower().removeprefix("esc_"))
    except ValueError:
        category = None
    if category not in PAYMENT_CATEGORIES:
        names = ", ".join(sorted(str(c) for c in PAYMENT_CATEGORIES))
        raise UserFacingError(
            N_("{value} is not a payment category ({names})."), value=word[:30], names=names
        )
    return str(category)


async def open_by_hand(
    services: Services, *, actor: Actor, provider: str, category: str | None = None
) -> tuple[IncidentSummary, bool]:
    """Open an incident for a provider (every payment category unless one is named)."""
    name = provider.strip().lower()
    if not name or len(name) > 60 or not name.replace("-", "").replace("_", "").isalnum():
        raise UserFacingError(N_("{value} is not a provider name."), value=provider[:30])
    async with services.db.session() as s:
        incident, opened = await core.open_incident(
            s,
            services,
            provider=name,
            category=_category(category),
            source="hand",
            began_at=services.clock(),
            by=actor.key,
        )
        return await overview.summary(s, incident), opened


async def link_ticket(
    services: Services, *, actor: Actor, ticket_id: int, incident_id: int
) -> IncidentSummary:
    """Link a ticket's open escalation to an incident (moving it from another one)."""
    async with services.db.session() as s:
        incident = await core.get(s, incident_id, lock=True)
        esc = await core.escalation_of_ticket(s, ticket_id)
        await core.link(s, services, incident=incident, esc=esc, by=actor.key)
        return await overview.summary(s, incident)


async def unlink_ticket(services: Services, *, actor: Actor, ticket_id: int) -> IncidentSummary:
    """Take a ticket's escalation out of its incident."""
    async with services.db.session() as s:
        esc = await core.escalation_of_ticket(s, ticket_id)
        incident = await core.unlink(s, services, esc=esc, by=actor.key)
        return await overview.summary(s, incident)


async def for_form(services: Services, *, incident_id: int) -> IncidentSummary:
    """The incident, open, for its Resolve form."""
    async with services.db.read_session() as s:
        incident = await core.get(s, incident_id)
        if incident.status != core.OPEN:
            raise UserFacingError(N_("{incident} is not open any more."), incident=incident.ref)
        return await overview.summary(s, incident)


async def provider_message(services: Services, *, incident_id: int) -> tuple[IncidentSummary, str]:
    """The incident and its message for the provider (English, no customer names)."""
    async with services.db.read_session() as s:
        incident = await core.get(s, incident_id)
        summary = await overview.summary(s, incident)
        txs = await overview.provider_transactions(s, incident_id)
    return summary, render.provider_text(summary, txs)
