"""Operator views of the queues: `baton outbox` and `baton inbox`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.store import inbox, outbox
from bot.store.db import Database
from bot.store.models import InboxEvent, OutboxMessage, ServiceHealth, utcnow
from bot.text_safety import inert


@asynccontextmanager
async def _session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A one-off session for a CLI command, with the engine disposed after."""
    db = Database(database_url)
    try:
        async with db.session() as s:
            yield s
    finally:
        await db.dispose()


async def list_outbox(
    database_url: str, *, status: str | None, limit: int, echo: Callable[[str], object]
) -> None:
    """Print outbox rows, newest problems first."""
    async with _session(database_url) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is None:
            q = q.where(OutboxMessage.status.in_((outbox.PENDING, outbox.SENDING, outbox.DEAD)))
        elif status != "all":
            q = q.where(OutboxMessage.status == status)
        rows = list(await s.scalars(q))
        counts = await outbox.backlog(s)
        failing = list(
            await s.scalars(select(ServiceHealth).where(ServiceHealth.failing_since.is_not(None)))
        )
    summary = ", ".join(f"{n} {st}" for st, n in sorted(counts.items())) or "empty"
    echo(f"Outbox: {summary}")
    for h in failing:
        echo(
            f"  {h.service} failing since {h.failing_since:%Y-%m-%d %H:%M:%S}Z "
            f"({h.failures} failure(s) in a row, last: {inert(h.last_error or '?')}); "
            "retried automatically"
        )
    if not rows:
        echo("Nothing to show.")
        return
    echo(f"{'id':>6}  {'status':8} {'tries':>5}  {'service':8} {'action':16} next/last error")
    for r in rows:
        info = r.last_error or (
            f"next try {r.available_at:%Y-%m-%d %H:%M:%S}Z" if r.status == "pending" else ""
        )
        echo(f"{r.id:>6}  {r.status:8} {r.attempts:>5}  {r.service:8} {r.action:16} {inert(info)}")


async def retry_outbox(
    database_url: str, *, row_id: int | None = None, service: str | None = None
) -> list[int]:
    """Queue a dead row again, or every dead row (of one service); returns their ids."""
    async with _session(database_url) as s:
        ids = None if row_id is None else [row_id]
        queued = await outbox.retry_dead(s, now=utcnow(), ids=ids, service=service)
        if row_id is not None and not queued and await s.get(OutboxMessage, row_id) is None:
            raise NotFound(f"no row {row_id} in the outbox (see `baton outbox --status all`)")
        return queued


async def list_inbox(
    database_url: str, *, status: str | None, limit: int, echo: Callable[[str], object]
) -> None:
    """Print stored webhook events that are waiting or failed."""
    async with _session(database_url) as s:
        q = select(InboxEvent).order_by(InboxEvent.id.desc()).limit(limit)
        if status is None:
            q = q.where(InboxEvent.status.in_((inbox.PENDING, inbox.PROCESSING, inbox.FAILED)))
        elif status != "all":
            q = q.where(InboxEvent.status == status)
        rows = list(await s.scalars(q))
        waiting = await inbox.backlog(s)
    echo(f"Inbox: {waiting} waiting")
    if not rows:
        echo("Nothing to show.")
        return
    echo(f"{'id':>6}  {'status':10} {'tries':>5}  {'ticket':>10}  {'kind':24} last error")
    for r in rows:
        echo(
            f"{r.id:>6}  {r.status:10} {r.attempts:>5}  {r.ticket_id or '':>10}  "
            f"{inert(r.kind)[:24]:24} {inert(r.last_error or '')}"
        )


async def retry_inbox(database_url: str, *, event_id: int | None = None) -> list[int]:
    """Process a failed event (or every failed event) again, with a fresh retry budget."""
    async with _session(database_url) as s:
        ids = None if event_id is None else [event_id]
        queued = await inbox.retry_failed(s, now=utcnow(), ids=ids)
        if event_id is not None and not queued and await s.get(InboxEvent, event_id) is None:
            raise NotFound(f"no row {event_id} in the inbox (see `baton inbox --status all`)")
        return queued
