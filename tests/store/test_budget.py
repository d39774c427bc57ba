"""The shared request budget: one window for every process, corrected by what Zendesk says,
reads before writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.events.zendesk import ZendeskEvent
from bot.ports import RateSeen
from bot.store import budget, inbox
from bot.store.db import Database

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


async def draw(
    db: Database, *, reads: int = 0, writes: int = 0, urgent: int = 0, **kw: object
) -> budget.Grant:
    params: dict[str, object] = {"per_minute": 100, "now": T0, "reserve": 0, **kw}
    async with db.session() as s:
        return await budget.draw(s, "zendesk", reads=reads, writes=writes, urgent=urgent, **params)  # type: ignore[arg-type]


async def test_a_window_gives_its_limit_less_a_margin_then_waits_for_the_refill(
    db: Database,
) -> None:
    first = await draw(db, reads=500)
    assert first.reads == budget.usable(100) == 98
    assert first.window_ends == T0 + budget.WINDOW
    assert (await draw(db, reads=1, now=T0 + timedelta(seconds=59))).reads == 0
    assert (await draw(db, reads=5, now=T0 + timedelta(seconds=60))).reads == 5


async def test_writes_leave_room_for_the_reads_still_waiting(db: Database) -> None:
    got = await draw(db, reads=10, writes=50, reserve=60)
    # 98 in the window: 10 reads now, 50 more reads waiting, so 38 for writes.
    assert (got.reads, got.writes, got.left) == (10, 38, 50)
    held = await draw(db, writes=5, reserve=200, now=T0 + timedelta(minutes=1))
    assert held.writes == 0 and held.left == 98
    # A write that waited its patience out goes next, reserve or not.
    urgent = await draw(db, writes=5, urgent=2, reserve=200, now=T0 + timedelta(minutes=1))
    assert urgent.writes == 2


async def test_the_reserve_counts_the_zendesk_events_not_read_yet(db: Database) -> None:
    async with db.session() as s:
        for t in range(3):
            event = ZendeskEvent(kind="esc_senior", ticket_id=t)
            await inbox.store_event(s, event=event, dedupe_key=f"k{t}", now=T0)
    async with db.session() as s:
        assert await budget.reads_waiting(s, now=T0) == 3
        got = await budget.draw(s, "zendesk", per_minute=5, reads=0, writes=5, now=T0)
    assert got.writes == budget.usable(5) - 3


async def test_what_zendesk_says_corrects_the_window(db: Database) -> None:
    await draw(db, reads=1)
    # Another API user spent most of the account's minute: what is left follows Zendesk.
    seen = RateSeen(at=T0, limit=100, remaining=30, reset_seconds=40)
    got = await draw(db, reads=100, seen=seen)
    assert got.reads == 28  # 30 less the 2% margin
    assert got.window_ends == T0 + timedelta(seconds=41)  # Zendesk's refill, and a second
    # A 429 empties the window until its Retry-After.
    refused = RateSeen(at=T0, limit=100, remaining=0, reset_seconds=50, refused=True)
    assert (await draw(db, reads=1, seen=refused)).reads == 0
    later = await draw(db, reads=1, now=T0 + timedelta(seconds=52), seen=refused)
    assert later.reads == 1  # that answer was of the window before
    # A lower plan limit than configured wins from the next window on.
    small = RateSeen(at=T0 + timedelta(seconds=52), limit=10, remaining=9)
    got = await draw(db, reads=50, now=T0 + timedelta(minutes=3), seen=small)
    assert got.reads == budget.usable(10)


async def test_two_processes_share_one_window(database_url: str) -> None:
    one, two = Database(database_url), Database(database_url)
    try:

        async def spend(d: Database) -> int:
            total = 0
            for _ in range(20):
                total += (await draw(d, reads=3)).reads
                await asyncio.sleep(0)
            return total

        got = await asyncio.gather(spend(one), spend(two))
    finally:
        await one.dispose()
        await two.dispose()
    assert sum(got) == budget.usable(100)
