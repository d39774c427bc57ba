"""Figures read from the database at scrape time (they hold across processes)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from bot.db import Database
from bot.models import Escalation, InboxEvent, OutboxMessage

Gauge = tuple[str, str, Mapping[str, str], float]


async def gauges(db: Database) -> list[Gauge]:
    """Outbox backlog by status, inbox backlog, escalations by status."""
    out: list[Gauge] = []
    async with db.session() as s:
        for status, n in await s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ):
            out.append(("baton_outbox_rows", "Outbox rows by status", {"status": status}, n))
        for status, n in await s.execute(
            select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
        ):
            out.append(("baton_inbox_events", "Inbox events by status", {"status": status}, n))
        for status, n in await s.execute(
            select(Escalation.status, func.count()).group_by(Escalation.status)
        ):
            out.append(("baton_escalations", "Escalations by status", {"status": status}, n))
    return out
