"""The analysts page's numbers: each analyst's open load and resolutions in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.viewer import Viewer
from bot.desk.roster import Roster
from bot.domain import Category, EscalationStatus
from bot.store.models import Escalation, ResolutionRow

COMPLIANCE = [c.value for c in Category if c.is_compliance]


@dataclass(frozen=True)
class AnalystRow:
    key: str
    name: str
    open: int
    resolved: int  # resolutions they logged in the period


async def analysts(
    session: AsyncSession, *, roster: Roster, since: datetime, until: datetime, viewer: Viewer
) -> list[AnalystRow]:
    """Every roster analyst's open escalations, and resolutions in [since, until), in SQL."""
    hide = not viewer.is_compliance  # compliance cases count only for who may see them
    open_q = select(Escalation.analyst_key, func.count()).where(
        Escalation.status != EscalationStatus.RESOLVED.value, Escalation.analyst_key.is_not(None)
    )
    done_q = (
        select(ResolutionRow.resolved_by, func.count())
        .join(Escalation, Escalation.id == ResolutionRow.escalation_id)
        .where(
            ResolutionRow.resolved_at >= since,
            ResolutionRow.resolved_at < until,
        )
    )
    if hide:
        not_compliance = Escalation.category.is_(None) | Escalation.category.not_in(COMPLIANCE)
        open_q, done_q = open_q.where(not_compliance), done_q.where(not_compliance)
    open_by = dict((await session.execute(open_q.group_by(Escalation.analyst_key))).all())
    done_by = dict((await session.execute(done_q.group_by(ResolutionRow.resolved_by))).all())
    return [
        AnalystRow(a.key, a.name, int(open_by.get(a.key, 0)), int(done_by.get(a.key, 0)))
        for a in roster.analysts
    ]
