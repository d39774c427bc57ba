"""Detection from escalations: group recent payment escalations by provider and category.

The worker runs ``scan`` every few seconds. An escalation that matches an open incident joins
it; a group without one opens it at its ``min_escalations``-th escalation within
``window_minutes``. An escalation that was ever linked (and maybe unlinked by a person) is
never grouped again: a person's correction stands.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from bot.domain import EscalationStatus
from bot.incidents import core
from bot.incidents.grouping import PAYMENT_CATEGORIES, provider_of
from bot.services import Services
from bot.store.models import Escalation, Incident, IncidentLink

log = logging.getLogger(__name__)

_GROUPED_STATUSES = (EscalationStatus.ROUTED, EscalationStatus.CLAIMED, EscalationStatus.UNASSIGNED)


@dataclass
class ScanResult:
    opened: list[int] = field(default_factory=list)  # incident ids
    joined: int = 0  # escalations linked

    @property
    def total(self) -> int:
        return len(self.opened) + self.joined


async def scan(services: Services) -> ScanResult:
    """Link recent escalations to their open incident, opening the incidents that are due."""
    cfg = services.settings.config.incidents
    now = services.clock()
    since = now - cfg.window
    result = ScanResult()
    async with services.db.session() as s:
        open_incidents = list(await s.scalars(select(Incident).where(Incident.status == core.OPEN)))
        floor = min([since, *(i.began_at - cfg.window for i in open_incidents)])
        ever_linked = exists().where(IncidentLink.escalation_id == Escalation.id)
        candidates = list(
            await s.scalars(
                select(Escalation)
                .where(
                    Escalation.open_ticket_id.is_not(None),
                    Escalation.status.in_(_GROUPED_STATUSES),
                    Escalation.category.in_([str(c) for c in PAYMENT_CATEGORIES]),
                    Escalation.received_at >= floor,
                    ~ever_linked,
                )
                .order_by(Escalation.received_at, Escalation.id)
                .with_for_update(skip_locked=True)
            )
        )
        if not candidates:
            return result
        known = set(cfg.providers) | {i.provider for i in open_incidents}
        known |= {
            p
            for p in (provider_of(enrichment=e.enrichment, words="", known=()) for e in candidates)
            if p
        }
        groups: dict[tuple[str, str], list[Escalation]] = defaultdict(list)
        for esc in candidates:
            provider = provider_of(enrichment=esc.enrichment, words=esc.subject or "", known=known)
            if provider and esc.category:
                groups[(provider, esc.category)].append(esc)
        for (provider, category), members in groups.items():
            incident = await core.find_open(s, provider=provider, category=category)
            if incident is None:
                recent = [e for e in members if e.received_at >= since]
                if len(recent) < cfg.min_escalations:
                    continue
                incident, opened = await core.open_incident(
                    s,
                    services,
                    provider=provider,
                    category=category,
                    source="escalations",
                    began_at=recent[0].received_at,
                )
                if opened:
                    result.opened.append(incident.id)
                members = recent
            for esc in members:
                if esc.received_at < incident.began_at - cfg.window:
                    continue  # older than the wave it would join
                if await core.link(s, services, incident=incident, esc=esc):
                    result.joined += 1
    if result.total:
        log.info("incidents.scanned", extra={"opened": result.opened, "joined": result.joined})
    return result
