"""The durable event inbox: webhooks are stored before they are acknowledged.

Events are claimed through the shared queue (bot/store/queue.py), one at a time per ticket, so
two deliveries about the same ticket are never processed side by side; a failed one is retried
or parked by the queue's one policy (``queue.fail``, called by the worker).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from typing import cast as cast_type

from sqlalchemy import JSON, String, Table, Text, bindparam, cast, column, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import jira, zendesk
from bot.events.jira import JiraEvent
from bot.events.zendesk import ZendeskEvent
from bot.store import queue
from bot.store.db import Database
from bot.store.models import InboxEvent, utcnow

PENDING, PROCESSING, DONE, FAILED = queue.PENDING, "processing", "done", "failed"
LEASE = queue.LEASE
QUEUE = queue.Queue(
    model=InboxEvent,
    in_flight=PROCESSING,
    parked=FAILED,
    order_by="ticket_id",
    created="received_at",
    priority="priority",
)


Event = ZendeskEvent | JiraEvent


async def store_event(
    session: AsyncSession,
    *,
    event: Event,
    dedupe_key: str,
    now: datetime,
    priority: int = 0,
) -> bool:
    """Store an event once; returns False when the same dedupe key was stored before."""
    (stored,) = await store_events(session, [(event, dedupe_key)], now=now, priority=priority)
    return stored


async def store_events(
    session: AsyncSession,
    events: Sequence[tuple[Event, str]],
    *,
    now: datetime | Sequence[datetime],
    priority: int | Sequence[int] = 0,
) -> list[bool]:
    """Store (event, dedupe key) pairs in one INSERT; for each, False if its key was stored
    before (earlier in this list included). now and priority: one for all, or one per event."""
    rows = _rows(events, now, priority)
    if not rows:
        return []
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    result = await session.execute(*_insert(rows, postgres=dialect == "postgresql"))
    return _stored(events, result.scalars())


def store_events_on(
    conn: Connection,
    events: Sequence[tuple[Event, str]],
    *,
    now: datetime | Sequence[datetime],
    priority: int | Sequence[int] = 0,
) -> list[bool]:
    """store_events on a plain connection (Database.run_write: the webhooks' group commit)."""
    rows = _rows(events, now, priority)
    if not rows:
        return []
    result = conn.execute(*_insert(rows, postgres=conn.dialect.name == "postgresql"))
    return _stored(events, result.scalars())


def _rows(
    events: Sequence[tuple[Event, str]],
    now: datetime | Sequence[datetime],
    priority: int | Sequence[int],
) -> list[dict[str, object]]:
    times = [now] * len(events) if isinstance(now, datetime) else list(now)
    ranks = [priority] * len(events) if isinstance(priority, int) else list(priority)
    rows: dict[str, dict[str, object]] = {}
    for (event, key), at, rank in zip(events, times, ranks, strict=True):
        # The first of two deliveries with one key is the one stored, as if they came apart.
        rows.setdefault(key, _row(event, key, at, rank))
    return list(rows.values())


def _stored(events: Sequence[tuple[Event, str]], returned: Iterable[str]) -> list[bool]:
    fresh = set(returned)
    stored = []
    for _event, key in events:
        stored.append(key in fresh)
        fresh.discard(key)  # a second delivery of the key in this list is a duplicate
    return stored


_TABLE = cast_type(Table, InboxEvent.__table__)
_COLUMNS = (
    *("source", "dedupe_key", "kind", "ticket_id", "event", "status", "attempts"),
    *("available_at", "received_at", "priority"),
)


def _sqlite_insert() -> Any:
    # Core, not the ORM's bulk path, and one cached statement whatever the batch size:
    # SQLAlchemy sends a batch as one multi-row INSERT (its "insertmanyvalues").
    table = _TABLE
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING.
    return (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.dedupe_key)
    )


def _postgresql_insert() -> Any:
    # The batch as one JSON array of rows, read back by json_to_recordset: the statement's text
    # is the same for every batch size, so psycopg parses it once and PostgreSQL plans it once
    # (a prepared statement), and the rows cost one json.dumps, not a parameter each.
    table = _TABLE
    fields = []
    for name in _COLUMNS:
        # Strings unbounded: a cast to VARCHAR(n) would cut a long value the insert refuses.
        kind = Text() if isinstance(table.c[name].type, String) else table.c[name].type
        fields.append(column(name, kind))
    batch = (
        func.json_to_recordset(cast(bindparam("rows", type_=Text()), JSON))
        .table_valued(*fields)
        .render_derived(name="batch", with_types=True)
    )
    return (
        postgresql.insert(table)
        .from_select(list(_COLUMNS), select(*batch.c))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.dedupe_key)
    )


def _pg_rows(rows: list[dict[str, object]]) -> str:
    """The rows as the JSON text json_to_recordset reads: times as naive UTC, as stored."""
    out = []
    for row in rows:
        row = dict(row)
        for name in ("available_at", "received_at"):
            at = cast_type(datetime, row[name])
            row[name] = at.astimezone(UTC).replace(tzinfo=None).isoformat()
        out.append(row)
    return json.dumps(out)


def _insert(rows: list[dict[str, object]], *, postgres: bool) -> tuple[Any, Any]:
    """The one statement that stores these rows, with its parameters, for the backend."""
    if postgres:
        return _INSERT_PG, {"rows": _pg_rows(rows)}
    return _INSERT_SQLITE, rows


_INSERT_SQLITE, _INSERT_PG = _sqlite_insert(), _postgresql_insert()


def _row(event: Event, key: str, now: datetime, priority: int) -> dict[str, object]:
    return {
        "source": zendesk.SOURCE if isinstance(event, ZendeskEvent) else jira.SOURCE,
        "dedupe_key": key,
        "kind": event.kind,
        "ticket_id": event.ticket_id,
        "event": event.to_json(),
        "status": PENDING,
        "attempts": 0,
        "available_at": now,
        "received_at": now,
        "priority": priority,
    }


def zendesk_event(row: InboxEvent) -> ZendeskEvent:
    """The Zendesk event a row holds; a row stored as a raw body is read with the same parser."""
    if row.event is not None:
        return ZendeskEvent.from_json(row.event)
    try:
        return zendesk.read_event(row.payload)
    except zendesk.BadZendeskEvent:
        # Not a body the webhook stored: the row's own columns, without the body's hints.
        return ZendeskEvent(kind=row.kind, ticket_id=row.ticket_id)


def jira_event(row: InboxEvent) -> JiraEvent:
    """The Jira event a row holds; a row stored as a raw body is read with the same parser."""
    if row.event is not None:
        return JiraEvent.from_json(row.event)
    try:
        return replace(jira.read_event(row.payload), ticket_id=row.ticket_id)
    except jira.BadJiraEvent:
        return JiraEvent(kind=row.kind, ticket_id=row.ticket_id)


async def claim(
    session: AsyncSession,
    *,
    worker: str,
    limit: int = 10,
    now: datetime | None = None,
    ignore_due: bool = False,
) -> list[InboxEvent]:
    """Take up to limit due events (pending, or processing with an expired lease)."""
    rows = await queue.claim(
        session, QUEUE, worker=worker, now=now or utcnow(), limit=limit, ignore_due=ignore_due
    )
    return list(rows)


async def finish(session: AsyncSession, event_id: int, worker: str) -> bool:
    """Mark an event processed, in the same transaction as its effects; False if lost."""
    result = await session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.id == event_id,
            InboxEvent.claimed_by == worker,
            InboxEvent.status == PROCESSING,
        )
        .values(status=DONE, processed_at=utcnow(), lease_until=None, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0))


class LostLease(Exception):
    """Our lease ran out and another worker took the event: roll back and let it win."""


async def finish_or_yield(session: AsyncSession, event_id: int, worker: str) -> None:
    """Mark an event processed with its effects, or raise LostLease to roll them back."""
    if not await finish(session, event_id, worker):
        raise LostLease


async def finish_alone(db: Database, event_id: int, worker: str) -> None:
    """Mark an event processed that had no effects to commit with it."""
    async with db.session() as s:
        await finish(s, event_id, worker)


async def retry_failed(
    session: AsyncSession, *, now: datetime, ids: Iterable[int] | None = None
) -> list[int]:
    """Put failed events (all of them without ids) back in the queue with a fresh budget."""
    return await queue.retry_parked(session, QUEUE, now=now, ids=ids)


async def make_due(session: AsyncSession, *, now: datetime) -> int:
    """Every event backing off is due now (the service it waited for is back)."""
    return await queue.make_due(session, QUEUE, now=now)


async def backlog(session: AsyncSession) -> int:
    """Events not yet processed."""
    n = await session.scalar(
        select(func.count()).where(InboxEvent.status.in_((PENDING, PROCESSING)))
    )
    return int(n or 0)
