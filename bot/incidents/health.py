"""Detection from provider health, before customers write (SPEC §13).

Once a minute the worker asks the transactions source how each provider did over the
window and over the 7 days before it (``provider_health``: one aggregate query on the SQL
adapter, ``GET /providers/health`` on the HTTP adapter). A provider whose failure rate in the
window is ``spike_factor`` times its 7-day rate, with at least ``min_failures`` failures,
opens an incident for all its payment categories. A source with no health (an older back
office answering 404, no source at all) is skipped quietly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.config.incidents import IncidentsConfig
from bot.domain import ProviderHealth
from bot.errors import IntegrationError, NotConfigured
from bot.incidents import core
from bot.services import Services
from bot.store.models import Incident

log = logging.getLogger(__name__)

BASELINE = timedelta(days=7)


@dataclass(frozen=True)
class Spike:
    provider: str
    failed: int
    total: int
    rate: float
    baseline_rate: float


def spikes(
    window: Sequence[ProviderHealth], week: Sequence[ProviderHealth], cfg: IncidentsConfig
) -> list[Spike]:
    """The providers failing far more than usual (pure)."""
    before = {h.provider.lower(): h for h in week}
    out = []
    for h in window:
        if h.total <= 0 or h.failed < cfg.min_failures:
            continue
        rate = h.failed / h.total
        base = before.get(h.provider.lower())
        # The 7 days before the window (the window's own figures taken out when included).
        b_total = max(0, (base.total if base else 0) - h.total)
        b_failed = max(0, (base.failed if base else 0) - h.failed)
        baseline = b_failed / b_total if b_total else 0.0
        # A provider with no failures all week still needs a floor: one failure in a hundred.
        if rate >= cfg.spike_factor * max(baseline, 0.01):
            out.append(Spike(h.provider.lower(), h.failed, h.total, rate, baseline))
    return out


async def read(services: Services) -> tuple[list[ProviderHealth], list[ProviderHealth]] | None:
    """(the window's figures, the 7 days' figures up to now), or None without health."""
    cfg = services.settings.config.incidents
    now = services.clock()
    ask = getattr(services.transactions, "provider_health", None)
    if ask is None:
        return None
    try:
        window = await ask(since=now - cfg.window)
        if window is None:
            return None
        week = await ask(since=now - cfg.window - BASELINE)
    except NotConfigured:
        return None
    except IntegrationError as err:
        log.warning("incidents.health_failed", extra={"error": str(err)})
        return None
    return list(window), list(week or [])


async def poll(services: Services) -> list[int]:
    """Open an incident for each provider spiking now; the ids of those opened."""
    figures = await read(services)
    if figures is None:
        return []
    cfg = services.settings.config.incidents
    found = spikes(*figures, cfg)
    opened: list[int] = []
    if not found:
        return opened
    now = services.clock()
    async with services.db.session() as s:
        for spike in found:
            busy = await s.scalar(
                select(Incident.id).where(
                    Incident.provider == spike.provider, Incident.status == core.OPEN
                )
            )
            if busy is not None:
                continue  # the provider's incident is open already
            incident, new = await core.open_incident(
                s,
                services,
                provider=spike.provider,
                category=None,
                source="health",
                began_at=now - cfg.window,
                health={
                    "failed": spike.failed,
                    "total": spike.total,
                    "rate": round(spike.rate, 4),
                    "baseline_rate": round(spike.baseline_rate, 4),
                },
            )
            if new:
                opened.append(incident.id)
    return opened
