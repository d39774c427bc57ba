"""Group commit for the webhooks: events arriving together are stored in one transaction.

A webhook is acknowledged only once its event is durable, and a commit costs the same for one
row as for a hundred (SQLite's WAL append and fsync, PostgreSQL's WAL flush). So the endpoints
hand their event to the web app's one committer and await it: whatever queued up while the
previous commit ran goes into the next one, as one multi-row insert (bot/store/inbox
.store_events), and every waiter learns "stored" or "duplicate" after that commit. A lone event
is committed at once: there is no timer, batches come only from contention. A failed commit
fails every waiter of its batch, so nothing is acknowledged that was not committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.store import inbox
from bot.store.db import Database

log = logging.getLogger(__name__)

MAX_BATCH = 200  # events in one transaction; a longer queue waits for the next commit


class CommitterClosed(SQLAlchemyError):
    """The web process is stopping: the event was not stored (the sender delivers it again)."""


@dataclass
class _Waiting:
    event: inbox.Event
    dedupe_key: str
    now: datetime
    priority: int
    stored: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class InboxCommitter:
    """Stores the events handed to it in shared transactions; built once per web app.

    Its task runs only while events wait: the first event after a quiet spell starts it, and
    it ends when the queue is empty. close() refuses new events and waits for the last batch.
    """

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        """Events handed over and not yet in a batch being committed."""
        return len(self._queue)

    async def store(
        self, event: inbox.Event, *, dedupe_key: str, now: datetime, priority: int = 0
    ) -> bool:
        """Store the event once it is committed; False: its key was stored before.

        Raises SQLAlchemyError when the commit failed (or the app is stopping): not stored.
        """
        if self._closed:
            raise CommitterClosed("the web process is stopping")
        waiting = _Waiting(event, dedupe_key, now, priority)
        self._queue.append(waiting)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox-committer")
        # A waiter cancelled meanwhile cancels only its own future: its batch commits anyway.
        return await waiting.stored

    async def close(self) -> None:
        """Refuse new events; wait until those already handed over are committed or failed."""
        self._closed = True
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                await self._commit(batch)
        finally:
            self._task = None
            for waiting in self._queue:  # only if this task itself was cancelled
                _settle(waiting.stored, error=CommitterClosed("the web process is stopping"))
            self._queue.clear()

    async def _commit(self, batch: Sequence[_Waiting]) -> None:
        try:
            events = [(w.event, w.dedupe_key) for w in batch]
            times, ranks = [w.now for w in batch], [w.priority for w in batch]
            stored = await self.db.run_write(
                lambda conn: inbox.store_events_on(conn, events, now=times, priority=ranks)
            )
        except SQLAlchemyError as err:  # every waiter hears of it; the next batch tries again
            log.warning(
                "inbox.commit_failed", extra={"events": len(batch), "error": type(err).__name__}
            )
            self._fail(batch, err)
            return
        except BaseException as err:  # a bug, or cancelled: still no waiter is left hanging
            log.exception("inbox.commit_failed", extra={"events": len(batch)})
            self._fail(batch, err)
            if not isinstance(err, Exception):
                raise
            return
        # The session block has committed here: only now is any of these events durable.
        for w, ok in zip(batch, stored, strict=True):
            _settle(w.stored, result=ok)

    @staticmethod
    def _fail(batch: Sequence[_Waiting], err: BaseException) -> None:
        if not isinstance(err, Exception):
            err = CommitterClosed("the web process is stopping")
        for w in batch:
            _settle(w.stored, error=err)


def _settle(
    future: asyncio.Future[bool], *, result: bool = False, error: BaseException | None = None
) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):  # cancelled with its loop
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
