"""Escalations that need a root cause: closed in Zendesk without `/baton resolve`.

They are resolved escalations with no row in ``resolutions`` (bot/escalations/closing.py
closes them and stores nothing more), so the log stays complete once someone resolves them
from the App Home or the weekly DM. The DM goes once per analyst per ISO week: its outbox
key names the week, and the outbox stores a key once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.domain import EscalationStatus
from bot.escalations.alerts import POST, SERVICE
from bot.services import Services
from bot.slack_messages.resolve import needs_root_cause
from bot.store import outbox
from bot.store.models import Escalation, ResolutionRow
from bot.store.outbox import OutboxItem

# Older closures are history: asking for their root cause now would only be noise.
LOOKBACK = timedelta(days=90)
SHOWN = 10


async def needing(
    session: AsyncSession, *, now: datetime, analyst_key: str | None = None, limit: int = SHOWN
) -> list[Escalation]:
    """Resolved escalations without a resolution, newest first (one analyst's, or all)."""
    stmt = (
        select(Escalation)
        .outerjoin(ResolutionRow, ResolutionRow.escalation_id == Escalation.id)
        .where(
            Escalation.status == EscalationStatus.RESOLVED,
            ResolutionRow.id.is_(None),
            Escalation.resolved_at >= now - LOOKBACK,
        )
        .order_by(Escalation.resolved_at.desc(), Escalation.id.desc())
        .limit(limit)
    )
    if analyst_key is not None:
        stmt = stmt.where(Escalation.analyst_key == analyst_key)
    return list(await session.scalars(stmt))


def week_of(now: datetime) -> str:
    """The ISO week, as in "2026-W02"."""
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


async def weekly(services: Services) -> int:
    """Enqueue this week's "needs a root cause" DM for each analyst who has some; the count."""
    now = services.clock()
    week = week_of(now)
    items: list[OutboxItem] = []
    async with services.db.session() as s:
        for analyst in services.roster.analysts:
            rows: Sequence[Escalation] = await needing(s, now=now, analyst_key=analyst.key)
            if not rows:
                continue
            text, blocks = needs_root_cause(
                i18n.translator(analyst.locale),
                rows,
                locale=analyst.locale,
                tz=str(services.roster.timezone),
            )
            items.append(
                OutboxItem(
                    key=f"slack:needs_root_cause:{analyst.key}:{week}",
                    service=SERVICE,
                    action=POST,
                    payload={
                        "kind": "digest",
                        "user": analyst.slack_id,
                        "text": text,
                        "blocks": blocks,
                    },
                )
            )
        return await outbox.enqueue(s, items, now=now) if items else 0
