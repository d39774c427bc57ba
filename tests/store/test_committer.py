"""The inbox committer: events arriving together share one transaction, acknowledged after it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.events.zendesk import ZendeskEvent
from bot.store import inbox
from bot.store.committer import CommitterClosed, InboxCommitter
from bot.store.db import Database
from bot.store.models import InboxEvent

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def trigger(ticket_id: int) -> ZendeskEvent:
    return ZendeskEvent(kind="trigger", ticket_id=ticket_id, tags=frozenset({"esc_senior"}))


class Commits:
    """Commits of the committer's transactions (its database thread), counted as they happen."""

    def __init__(self) -> None:
        self.count = 0
        self.fail_with: Exception | None = None

    def __call__(self, _conn: Any) -> None:
        if not threading.current_thread().name.startswith("baton-db-write"):
            return
        if self.fail_with is not None:
            raise self.fail_with
        self.count += 1


@pytest.fixture
def commits() -> Iterator[Commits]:
    seen = Commits()
    event.listen(Engine, "commit", seen)
    yield seen
    event.remove(Engine, "commit", seen)


async def stored_rows(db: Database) -> int:
    async with db.read_session() as s:
        return int(await s.scalar(select(func.count()).select_from(InboxEvent)) or 0)


async def test_events_arriving_together_are_stored_in_one_transaction(
    db: Database, commits: Commits
) -> None:
    committer = InboxCommitter(db)
    answers = await asyncio.gather(
        *(committer.store(trigger(i), dedupe_key=f"k{i}", now=NOW) for i in range(1, 51))
    )
    assert answers == [True] * 50
    assert commits.count == 1
    assert await stored_rows(db) == 50


async def test_a_batch_is_bounded_and_the_rest_goes_into_the_next_commit(
    db: Database, commits: Commits
) -> None:
    committer = InboxCommitter(db, max_batch=20)
    answers = await asyncio.gather(
        *(committer.store(trigger(i), dedupe_key=f"k{i}", now=NOW) for i in range(1, 46))
    )
    assert answers == [True] * 45
    assert commits.count == 3  # 20 + 20 + 5
    assert await stored_rows(db) == 45


async def test_a_lone_event_is_committed_at_once(db: Database, commits: Commits) -> None:
    committer = InboxCommitter(db)
    await committer.store(trigger(1), dedupe_key="warm", now=NOW)  # the database thread's start
    started = time.perf_counter()
    assert await committer.store(trigger(2), dedupe_key="lone", now=NOW) is True
    # No timer gathers a batch: one commit, as soon as it is handed over.
    assert time.perf_counter() - started < 0.5
    assert commits.count == 2
    async with db.read_session() as s:  # durable when the answer came: another session sees it
        assert await s.scalar(select(InboxEvent.id).where(InboxEvent.dedupe_key == "lone"))
    assert committer.waiting == 0


async def test_duplicates_inside_one_batch_and_across_batches(
    db: Database, commits: Commits
) -> None:
    committer = InboxCommitter(db)
    first = await asyncio.gather(
        committer.store(trigger(1), dedupe_key="a", now=NOW),
        committer.store(trigger(1), dedupe_key="a", now=NOW),  # the same delivery, twice
        committer.store(trigger(2), dedupe_key="b", now=NOW),
    )
    assert list(first) == [True, False, True]  # the first of the two is the one stored
    assert commits.count == 1
    again = await asyncio.gather(
        committer.store(trigger(2), dedupe_key="b", now=NOW),
        committer.store(trigger(3), dedupe_key="c", now=NOW),
    )
    assert list(again) == [False, True]
    assert await stored_rows(db) == 3


async def test_a_failed_commit_fails_every_waiter_and_stores_nothing(
    db: Database, commits: Commits
) -> None:
    committer = InboxCommitter(db)
    commits.fail_with = OperationalError("COMMIT", {}, Exception("disk I/O error"))
    results = await asyncio.gather(
        *(committer.store(trigger(i), dedupe_key=f"k{i}", now=NOW) for i in range(1, 11)),
        return_exceptions=True,
    )
    assert all(isinstance(r, SQLAlchemyError) for r in results)
    assert await stored_rows(db) == 0
    # The next event is stored: the failure belonged to that batch only.
    commits.fail_with = None
    assert await committer.store(trigger(1), dedupe_key="k1", now=NOW) is True
    assert await stored_rows(db) == 1


async def test_close_waits_for_the_batch_in_hand_then_refuses(db: Database) -> None:
    committer = InboxCommitter(db)
    pending = [
        asyncio.ensure_future(committer.store(trigger(i), dedupe_key=f"k{i}", now=NOW))
        for i in range(1, 6)
    ]
    await asyncio.sleep(0)  # handed over
    await committer.close()
    assert committer.waiting == 0
    assert await asyncio.gather(*pending) == [True] * 5
    with pytest.raises(CommitterClosed):
        await committer.store(trigger(9), dedupe_key="late", now=NOW)
    assert await stored_rows(db) == 5


async def test_the_batch_insert_is_the_one_store_event_uses(db: Database) -> None:
    async with db.session() as s:
        assert await inbox.store_event(s, event=trigger(1), dedupe_key="x", now=NOW) is True
        assert await inbox.store_events(
            s, [(trigger(1), "x"), (trigger(2), "y"), (trigger(2), "y")], now=NOW
        ) == [False, True, False]
    async with db.read_session() as s:
        row = await s.scalar(select(InboxEvent).where(InboxEvent.dedupe_key == "y"))
    assert row is not None
    assert (row.source, row.kind, row.ticket_id, row.status, row.attempts) == (
        "zendesk",
        "trigger",
        2,
        "pending",
        0,
    )
    assert row.received_at == row.available_at == NOW
    assert inbox.zendesk_event(row) == trigger(2)


async def test_a_waiter_that_goes_away_leaves_its_batch_to_commit(db: Database) -> None:
    committer = InboxCommitter(db)
    gone = asyncio.ensure_future(committer.store(trigger(1), dedupe_key="gone", now=NOW))
    stays = asyncio.ensure_future(committer.store(trigger(2), dedupe_key="stays", now=NOW))
    await asyncio.sleep(0)  # both handed over
    gone.cancel()
    assert await stays is True
    await committer.close()
    # Stored but never acknowledged: its sender delivers it again and hears "duplicate".
    assert await stored_rows(db) == 2


async def test_each_event_keeps_its_own_priority_in_a_shared_batch(db: Database) -> None:
    committer = InboxCommitter(db)
    await asyncio.gather(
        committer.store(trigger(1), dedupe_key="vip", now=NOW, priority=1),
        committer.store(trigger(2), dedupe_key="other", now=NOW),
    )
    async with db.read_session() as s:
        ranks = dict((await s.execute(select(InboxEvent.dedupe_key, InboxEvent.priority))).all())
    assert ranks == {"vip": 1, "other": 0}
