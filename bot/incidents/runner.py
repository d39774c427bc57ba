"""The worker's incident pass: group new escalations, poll provider health once a minute,
and show the bulk replies' progress in each resolving incident's message."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.incidents import core, detect, health
from bot.incidents.resolve import progress
from bot.services import Services
from bot.store import outbox
from bot.store.models import Incident

HEALTH_EVERY = timedelta(minutes=1)
PROGRESS_FOR = timedelta(days=1)  # a resolved incident's replies are watched this long


class IncidentPass:
    """One per worker; run() is called on the worker's timer beat."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._last_health: datetime | None = None

    async def run(self) -> int:
        """One pass; how many things it did (incidents opened, escalations joined, edits)."""
        done = (await detect.scan(self.services)).total
        now = self.services.clock()
        if self._last_health is None or now - self._last_health >= HEALTH_EVERY:
            self._last_health = now
            done += len(await health.poll(self.services))
        return done + await show_progress(self.services)


async def show_progress(services: Services) -> int:
    """Edit each resolving incident's message when more of its replies have landed."""
    now = services.clock()
    edits = 0
    async with services.db.session() as s:
        resolving = await s.scalars(
            select(Incident).where(
                Incident.status == core.RESOLVED,
                Incident.replies_total > 0,
                Incident.resolved_at >= now - PROGRESS_FOR,
            )
        )
        for incident in resolving:
            answered = await progress(s, incident)
            item = core.message_item(incident, ref=f"progress:{answered}")
            edits += await outbox.enqueue(s, [item], now=now)
    return edits
