"""Figures read from the database at scrape time, so they hold across web and worker processes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.health import DOWN_AFTER
from bot.store.models import (
    Escalation,
    InboxEvent,
    OutboxMessage,
    ServiceHealth,
    utcnow,
)

log = logging.getLogger(__name__)

Gauge = tuple[str, str, Mapping[str, str], float]
LATENCY_WINDOW = timedelta(hours=24)


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _database_up(up: bool) -> Gauge:
    return ("baton_database_up", "1 when the database answers, else 0", {}, 1.0 if up else 0.0)


async def _answers(db: Database) -> bool:
    try:
        await db.ping()
    except Exception as err:  # any driver's way of not answering: the scrape goes on
        log.warning("metrics.database_unreachable", extra={"error": type(err).__name__})
        return False
    return True


async def gauges(db: Database) -> list[Gauge]:
    """Whether the database answers, then what it holds (skipped when it cannot be read).

    A scrape must not fail with the database: the processes' own counters still stand, and
    baton_database_up says why the database's figures are missing.
    """
    if not await _answers(db):
        return [_database_up(False)]
    try:
        return [_database_up(True), *await _stored(db)]
    except Exception as err:  # not migrated, or lost since the ping
        log.warning("metrics.database_unreadable", extra={"error": type(err).__name__})
        return [_database_up(await _answers(db))]


async def _stored(db: Database) -> list[Gauge]:
    """Backlogs, failures, escalations by status, routings, and intake latency."""
    out: list[Gauge] = []
    async with db.read_session() as s:  # a scrape never takes the write lock
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
