"""A service's request budget, shared by every process through one row: drawn before each call.

Zendesk allows an account so many API requests a minute, in windows that refill at once. The
row mirrors the current window as Baton knows it: when it ends and how many requests are left.
A draw takes requests from it under a row lock (PostgreSQL) or the one writer (SQLite), so
several workers never spend the same request twice. What the answers say corrects it: the
``ratelimit-reset`` moves the window's end to Zendesk's, a lower ``X-Rate-Limit-Remaining``
lowers what is left, a lower ``X-Rate-Limit`` lowers the limit, and a 429 empties the window
until its Retry-After.

Reads come first: a write is granted only from what is left beyond the reads still waiting in
the inbox (every escalation starts with a read, and only a read lets an analyst start), so a
burst spends the window on reads and the ticket updates follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import RateSeen
from bot.store.db import locked_row
from bot.store.models import InboxEvent, ServiceBudget

WINDOW = timedelta(minutes=1)
# Zendesk rounds the seconds to the refill; start ours this much after its, never before.
GRACE = timedelta(seconds=1)


def usable(per_minute: int) -> int:
    """What Baton spends of a window: the limit less a margin for the answers still in flight
    and the account's other API users (2%, at least one request)."""
    return max(1, per_minute - max(1, per_minute // 50))


@dataclass(frozen=True)
class Grant:
    """What a draw gave: reads and writes granted, and when to ask again if not all were."""

    reads: int
    writes: int
    window_ends: datetime
    left: int  # in the window after this draw
    reads_waiting: int  # events not yet read (the writes' reserve)


async def _row(
    session: AsyncSession, service: str, *, per_minute: int, now: datetime
) -> ServiceBudget:
    row: ServiceBudget = await locked_row(
        session,
        ServiceBudget,
        "service",
        service,
        per_minute=per_minute,
        window_starts=now,
        window_ends=now,
        left=0,
        updated_at=now,
    )
    return row


def _correct(row: ServiceBudget, seen: RateSeen, *, now: datetime) -> None:
    """Fold in what an answer of the current window said: Zendesk's refill time (ours then
    ends a second after it), and never more left than it said, less the margin. An answer
    from before the window was refilled speaks of another window and is left alone."""
    if seen.at < row.window_starts:
        return
    if seen.reset_seconds is not None:
        ends = seen.at + timedelta(seconds=seen.reset_seconds) + GRACE
        if ends > now:
            row.window_ends = ends
    if seen.refused:
        row.left = 0
    elif seen.remaining is not None:
        margin = row.per_minute - usable(row.per_minute)
        row.left = min(row.left, max(0, seen.remaining - margin))


async def reads_waiting(session: AsyncSession, *, now: datetime) -> int:
    """Zendesk events due or in hand that have not been read: each needs one request."""
    n = await session.scalar(
        select(func.count()).where(
            InboxEvent.source == "zendesk",
            or_(
                (InboxEvent.status == "pending") & (InboxEvent.available_at <= now),
                InboxEvent.status == "processing",
            ),
        )
    )
    return int(n or 0)


async def draw(
    session: AsyncSession,
    service: str,
    *,
    per_minute: int,
    reads: int,
    writes: int,
    now: datetime,
    urgent: int = 0,
    seen: RateSeen | None = None,
    reserve: int | None = None,
) -> Grant:
    """Take up to ``reads``, ``urgent`` writes and ``writes`` requests from the window, in
    that order (the ordinary writes only beyond the reserve).

    ``per_minute`` is the configured limit (the window's, unless Zendesk said less); ``seen``
    what the latest answer said; ``reserve`` the reads the writes leave room for
    (by default the Zendesk events not read yet, less the reads granted now).
    """
    row = await _row(session, service, per_minute=per_minute, now=now)
    row.per_minute = min(per_minute, seen.limit) if seen is not None and seen.limit else per_minute
    if seen is not None:
        _correct(row, seen, now=now)
    if now >= row.window_ends:
        row.window_starts, row.window_ends = now, now + WINDOW
        row.left = usable(row.per_minute)
    granted_reads = min(reads, row.left)
    row.left -= granted_reads
    # Writes that waited their patience out go next, reserve or not: none waits for ever.
    granted_writes = min(urgent, row.left)
    row.left -= granted_writes
    waiting = 0
    if writes:
        waiting = await reads_waiting(session, now=now) if reserve is None else reserve
        waiting = max(0, waiting - granted_reads)
        more = max(0, min(writes, row.left - waiting))
        row.left -= more
        granted_writes += more
    row.updated_at = now
    return Grant(granted_reads, granted_writes, row.window_ends, row.left, waiting)
