"""Who holds what: the team state routing weighs (overrides, open load, recent requesters).

Only open escalations count as load: one solved or closed in Zendesk
(bot/escalations/closing.py) has ``open_ticket_id`` NULL and stops counting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.availability import current as marks_in_force
from bot.desk.routing import CONTINUITY_WINDOW
from bot.domain import Availability, Load
from bot.store.models import Escalation


async def team_state(
    session: AsyncSession, *, now: datetime
) -> tuple[list[Availability], dict[str, Load], dict[int, tuple[str, datetime]]]:
    """Availability overrides in force, each analyst's open load, and recent requesters."""
    availability = await marks_in_force(session, now=now)
    loads: dict[str, Load] = {}
    open_rows = await session.execute(
        select(
            Escalation.analyst_key,
            func.count(),
            func.sum(case((Escalation.vip, 1), else_=0)),
        )
        .where(Escalation.analyst_key.is_not(None), Escalation.open_ticket_id.is_not(None))
        .group_by(Escalation.analyst_key)
    )
    for key, count, vip in open_rows:
        loads[key] = Load(open_count=int(count), open_vip=int(vip or 0))
    last_rows = await session.execute(
        select(Escalation.analyst_key, func.max(Escalation.routed_at))
        .where(Escalation.analyst_key.is_not(None))
        .group_by(Escalation.analyst_key)
    )
    for key, last in last_rows:
        assert key is not None  # filtered in the query
        current = loads.get(key, Load())
        loads[key] = Load(current.open_count, current.open_vip, last)
    recent: dict[int, tuple[str, datetime]] = {}
    recent_rows = await session.execute(
        select(Escalation.requester_id, Escalation.analyst_key, Escalation.routed_at)
        .where(
            Escalation.requester_id.is_not(None),
            Escalation.analyst_key.is_not(None),
            Escalation.routed_at >= now - CONTINUITY_WINDOW,
        )
        .order_by(Escalation.routed_at)
    )
    for requester_id, key, at in recent_rows:
        if requester_id is not None and key is not None and at is not None:
            recent[int(requester_id)] = (key, at)  # ordered: the latest handler wins
    return availability, loads, recent
