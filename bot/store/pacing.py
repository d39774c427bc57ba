"""Every Zendesk call waits its turn for the shared budget (bot/store/budget): VIP first, reads
before writes, then by age.

A process keeps one waiting line per service. A call joins it with its kind (read or write) and
the priority of the work it is for (``PRIORITY``, set by the worker for each event and outbox
row: VIP, and when the work arrived); one task draws for the whole line from the database at a
time and hands the requests out in that order. When the window is spent the line waits for
Zendesk's refill, so a burst costs no 429s. A write waits behind the reads still in the inbox
for at most ``write_patience`` seconds: then it goes next, reserve or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.config import Tags
from bot.domain import Ticket
from bot.ports import (
    Attachment,
    RateSeen,
    TicketComment,
    TicketFiles,
    TicketUpdate,
    WebhookSetup,
    ZendeskPort,
)
from bot.store import budget
from bot.store.db import Database

log = logging.getLogger(__name__)

READ, WRITE = 0, 1
WRITE_PATIENCE = 45.0  # seconds; with the window's wait it stays inside a row's 2-minute lease
MAX_NAP = 0.5  # seconds between draws while the line waits (the reserve may shrink sooner)


@dataclass(frozen=True)
class Priority:
    """What a call is for: a VIP escalation's work goes first, then the oldest."""

    vip: bool = False
    since: float = 0.0  # when the work arrived (seconds since the epoch)


ORDINARY = Priority()
PRIORITY: ContextVar[Priority] = ContextVar("baton_priority", default=ORDINARY)


@contextlib.contextmanager
def priority(*, vip: bool, since: datetime | None) -> Iterator[None]:
    """The calls made inside are for this work: VIP or not, arrived at since."""
    token = PRIORITY.set(Priority(vip, since.timestamp() if since is not None else 0.0))
    try:
        yield
    finally:
        PRIORITY.reset(token)


def wall_clock() -> datetime:
    # A rate limit counts real seconds, whatever clock the escalations run on.
    return datetime.now(UTC)


@dataclass(order=True)
class _Waiter:
    kind: int
    ordinary: int  # 0 for VIP
    since: float
    seq: int
    joined: float = field(compare=False)
    turn: asyncio.Future[None] = field(compare=False)


class Pacer:
    """One service's waiting line in this process, drawing from the shared budget."""

    def __init__(
        self,
        db: Database,
        service: str,
        *,
        per_minute: Callable[[], int],
        seen: Callable[[], RateSeen | None] = lambda: None,
        now: Callable[[], datetime] = wall_clock,
        write_patience: float = WRITE_PATIENCE,
    ) -> None:
        self.db, self.service = db, service
        self._per_minute, self._seen, self._now = per_minute, seen, now
        self.write_patience = write_patience
        self._line: list[_Waiter] = []
        self._seq = itertools.count()
        self._arrived = asyncio.Event()
        self._server: asyncio.Task[None] | None = None
        self.last: budget.Grant | None = None  # the latest draw: what the worker gates on

    async def take(self, kind: int) -> None:
        """Wait until the budget has a request for a call of this kind."""
        if self.db.writing():
            # SQLite's one writer is ours: a draw would wait for us. Spend unpaced (rare:
            # calls are made outside transactions).
            return
        p = PRIORITY.get()
        loop = asyncio.get_running_loop()
        waiter = _Waiter(
            kind, 0 if p.vip else 1, p.since, next(self._seq), loop.time(), loop.create_future()
        )
        heapq.heappush(self._line, waiter)
        self._arrived.set()
        if self._server is None or self._server.done():
            self._server = asyncio.create_task(self._serve(), name=f"pacer:{self.service}")
        try:
            await waiter.turn
        finally:
            if not waiter.turn.done():
                waiter.turn.cancel()  # left the line (cancelled): _serve drops it

    def writes_held(self) -> bool:
        """Whether the latest draw kept writes back for the reads waiting (the worker then
        claims no Zendesk writes until the window refills or the reads are done)."""
        last = self.last
        if last is None or self._now() >= last.window_ends:
            return False
        return last.left <= last.reads_waiting

    async def _serve(self) -> None:
        while True:
            self._line = [w for w in self._line if not w.turn.done()]
            heapq.heapify(self._line)
            if not self._line:
                return
            try:
                served = await self._draw_and_hand_out()
            except Exception as err:
                # No budget to draw from (the database is down, or not migrated yet): let the
                # calls go unpaced rather than hold them; Zendesk's own 429 still rests them.
                # Info, not a warning: whatever broke the database is reported where it broke.
                log.info(
                    "pacer.draw_failed",
                    extra={"service": self.service, "error": type(err).__name__},
                )
                for w in self._line:
                    if not w.turn.done():
                        w.turn.set_result(None)
                self._line.clear()
                return
            nap = self._nap()
            if not served and self._line:
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout=nap)

    def _nap(self) -> float:
        last = self.last
        if last is None:
            return MAX_NAP
        until = (last.window_ends - self._now()).total_seconds()
        return max(0.02, min(MAX_NAP, until))

    async def _draw_and_hand_out(self) -> bool:
        """One draw for everyone in line; True if all of them were served."""
        loop = asyncio.get_running_loop()
        waiting = sorted(self._line)
        reads = [w for w in waiting if w.kind == READ]
        writes = [w for w in waiting if w.kind == WRITE]
        urgent = [w for w in writes if loop.time() - w.joined >= self.write_patience]
        ordinary = [w for w in writes if w not in urgent]
        async with self.db.session() as s:
            grant = await budget.draw(
                s,
                self.service,
                per_minute=self._per_minute(),
                reads=len(reads),
                urgent=len(urgent),
                writes=len(ordinary),
                now=self._now(),
                seen=self._seen(),
            )
        self.last = grant
        chosen = reads[: grant.reads] + (urgent + ordinary)[: grant.writes]
        for w in chosen:
            if not w.turn.done():
                w.turn.set_result(None)
        taken = {id(w) for w in chosen}
        self._line = [w for w in self._line if id(w) not in taken]
        heapq.heapify(self._line)
        return not self._line


class PacedZendesk:
    """The Zendesk port, each call first waiting for the shared budget (reads, writes)."""

    def __init__(self, port: ZendeskPort, pacer: Pacer) -> None:
        self.port, self.pacer = port, pacer

    def rate_seen(self) -> RateSeen | None:
        return self.port.rate_seen()

    async def get_ticket(self, ticket_id: int) -> Ticket:
        await self.pacer.take(READ)
        return await self.port.get_ticket(ticket_id)

    async def with_comments(self, ticket: Ticket) -> Ticket:
        await self.pacer.take(READ)
        return await self.port.with_comments(ticket)

    async def files(self, ticket_id: int) -> TicketFiles:
        await self.pacer.take(READ)
        return await self.port.files(ticket_id)

    async def download(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        await self.pacer.take(READ)
        return await self.port.download(attachment, max_bytes=max_bytes)

    async def has_marker(self, ticket_id: int, marker: str) -> bool:
        await self.pacer.take(WRITE)  # a write's own look before it: the write's turn
        return await self.port.has_marker(ticket_id, marker)

    async def latest_comments(self, ticket_id: int, *, limit: int = 20) -> list[TicketComment]:
        await self.pacer.take(WRITE)  # likewise, before a public reply is sent again
        return await self.port.latest_comments(ticket_id, limit=limit)

    async def update_ticket(self, update: TicketUpdate) -> dict[str, Any]:
        await self.pacer.take(WRITE)
        return await self.port.update_ticket(update)

    async def setup_webhook(self, *, endpoint_url: str, tags: Tags) -> WebhookSetup:
        await self.pacer.take(WRITE)
        return await self.port.setup_webhook(endpoint_url=endpoint_url, tags=tags)

    async def user_names(self, user_ids: list[int]) -> dict[int, str]:
        await self.pacer.take(READ)
        return await self.port.user_names(user_ids)


def paced(db: Database, port: ZendeskPort, *, per_minute: Callable[[], int]) -> PacedZendesk:
    """The port behind a waiting line for Zendesk's shared budget."""
    return PacedZendesk(port, Pacer(db, "zendesk", per_minute=per_minute, seen=port.rate_seen))
