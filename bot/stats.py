"""Figures read from the database at scrape time, so they hold across web and worker processes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select

from bot.delivery.health import DOWN_AFTER
from bot.store.db import Database
from bot.store.models import (
    Escalation,
    InboxEvent,
    OutboxMessage,
    ServiceHealth,
    utcnow,
)

Gauge = tuple[str, str, Mapping[str, str], float]
LATENCY_WINDOW = timedelta(hours=24)


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def gauges(db: Database) -> list[Gauge]:
    """Backlogs, failures, escalations by status, routings, and intake latency."""
    out: list[Gauge] = []
    async with db.session() as s:
        for status, n in await s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ):
            out.append(("baton_outbox_rows", "Outbox rows by status", {"status": status}, n))
        failing = await s.scalar(
            select(func.count()).where(
                OutboxMessage.status == "pending", OutboxMessage.last_error.is_not(None)
            )
        )
        out.append(
            (
                "baton_outbox_failing",
                "Outbox rows waiting to retry after a failure",
                {},
                failing or 0,
            )
        )
        for status, n in await s.execute(
            select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
        ):
            out.append(("baton_inbox_events", "Inbox events by status", {"status": status}, n))
        for status, n in await s.execute(
            select(Escalation.status, func.count()).group_by(Escalation.status)
        ):
            out.append(("baton_escalations", "Escalations by status", {"status": status}, n))
        for service, failures in await s.execute(
            select(ServiceHealth.service, ServiceHealth.failures)
        ):
            out.append(
                (
                    "baton_service_down",
                    "1 while a service has failed too often in a row (only probes are sent)",
                    {"service": service},
                    1.0 if failures >= DOWN_AFTER else 0.0,
                )
            )
        since = utcnow() - LATENCY_WINDOW
        rows = await s.execute(
            select(Escalation.received_at, Escalation.routed_at)
            .where(Escalation.routed_at >= since)
            .limit(10_000)
        )
        waits = [(r - q).total_seconds() for q, r in rows if r is not None]
    for q in (0.5, 0.99):
        out.append(
            (
                "baton_intake_to_route_seconds",
                "Seconds from webhook to routing decision, last 24 h",
                {"quantile": str(q)},
                quantile(waits, q),
            )
        )
    return out
