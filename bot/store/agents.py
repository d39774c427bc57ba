"""Outsourcing agents' Zendesk names, kept so reports and pages name people, not ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import ZendeskAgent


async def names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    """The stored names of these agents (those known)."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.execute(
        select(ZendeskAgent.id, ZendeskAgent.name).where(ZendeskAgent.id.in_(wanted))
    )
    return {int(i): str(n) for i, n in rows.all()}


async def remember(session: AsyncSession, found: Mapping[int, str], *, now: datetime) -> None:
    """Store (or correct) the names Zendesk gave."""
    for agent_id, name in found.items():
        row = await session.get(ZendeskAgent, agent_id)
        if row is None:
            session.add(ZendeskAgent(id=agent_id, name=name, fetched_at=now))
        else:
            row.name, row.fetched_at = name, now
