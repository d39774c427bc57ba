"""Durable outbound actions: enqueue in the caller's transaction, deliver with retries.

Rows go through the shared queue (bot/store/queue.py): one in flight per ordering key, so the
updates of one Zendesk ticket, and the posts and edits of one escalation's Slack messages, land
in the order they were enqueued. The queue's one policy (``queue.fail``) decides a failure: a
retryable one backs off (capped, honouring Retry-After) until the retry budget, a span of time,
is spent; then the row is dead and an operator can retry it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Delivery
from bot.errors import IntegrationError, NotConfigured
from bot.store import queue
from bot.store.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

LEASE = queue.LEASE
# An unexpected exception (a bug, not a service refusing) is retried this many times only.
MAX_CRASHES = 5

PENDING, SENDING, DONE, DEAD, SKIPPED = queue.PENDING, "sending", "done", "dead", "skipped"
QUEUE = queue.Queue(
    model=OutboxMessage,
    in_flight=SENDING,
    parked=DEAD,
    order_by="ordering_key",
    created="created_at",
    priority="priority",
)


@dataclass(frozen=True)
class OutboxItem:
    """An action to deliver later; key makes enqueuing (and so delivering) it idempotent."""

    key: str
    service: str
    action: str
    payload: Mapping[str, Any]
    escalation_id: int | None = None
    delay: timedelta = timedelta(0)
    priority: int = 0  # 1: claimed before others (a VIP escalation's)


# Delivers one row's payload; returns a small result to store. Raises IntegrationError.
Deliverer = Callable[[OutboxMessage], Awaitable[Mapping[str, Any] | None]]


def ordering_key(item: OutboxItem) -> str | None:
    """Rows that must land in order share a key: a Zendesk ticket, an escalation's Slack."""
    ticket_id = item.payload.get("ticket_id")
    if item.service == "zendesk" and ticket_id is not None:
        return f"zendesk:ticket:{int(ticket_id)}"
    if item.escalation_id is not None:
        return f"{item.service}:esc:{item.escalation_id}"
    if item.payload.get("incident_id") is not None:  # one incident's message edits, in order
        return f"{item.service}:incident:{int(item.payload['incident_id'])}"
    return None


async def enqueue(session: AsyncSession, items: Sequence[OutboxItem], *, now: datetime) -> int:
    """Store items in the caller's transaction; an item whose key exists already is skipped.

    ``now`` is the caller's clock (``services.clock()``): delays count from it.
    """
    if not items:
        return 0
    rows = [
        {
            "idempotency_key": i.key,
            "service": i.service,
            "action": i.action,
            "payload": dict(i.payload),
            "escalation_id": i.escalation_id,
            "ordering_key": ordering_key(i),
            "priority": i.priority,
            "status": PENDING,
            "attempts": 0,
            "available_at": now + i.delay,
            "created_at": now,
        }
        for i in items
    ]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = pg_insert(OutboxMessage) if dialect == "postgresql" else sqlite_insert(OutboxMessage)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(stmt.returning(OutboxMessage.id))
    return len(result.all())


async def claim(
    session: AsyncSession,
    *,
    worker: str,
    limit: int = 20,
    now: datetime | None = None,
    skip_services: Collection[str] = (),
    only_service: str | None = None,
) -> list[OutboxMessage]:
    """Take up to limit due rows at the head of their ordering key, for this worker.

    With ``only_service`` it takes that service's oldest waiting row even if it is still
    backing off: the probe that tells whether a service that was down is back.
    """
    where: list[ColumnElement[bool]] = []
    if skip_services:
        where.append(OutboxMessage.service.not_in(skip_services))
    if only_service is not None:
        where.append(OutboxMessage.service == only_service)
    rows = await queue.claim(
        session,
        QUEUE,
        worker=worker,
        now=now or utcnow(),
        limit=limit,
        where=where,
        ignore_due=only_service is not None,
    )
    return list(rows)


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt came to, and so what becomes of its row."""

    status: str
    error: str | None = None
    retry_in: float | None = None
    result: Mapping[str, Any] | None = None
    retry_after: float | None = None  # the service asked us to slow down (rate limit)
    failure: IntegrationError | None = None  # what the service answered, when it refused
    gave_up: bool = False  # dead because the retry budget ran out, not because it was refused


def _failed(next_: queue.Next, err: IntegrationError | None = None) -> DeliveryResult:
    status = DEAD if next_.parked else PENDING
    retry_after = err.retry_after if err is not None and not next_.parked else None
    return DeliveryResult(
        status,
        error=next_.error,
        retry_in=next_.retry_in,
        retry_after=retry_after,
        failure=err,
        gave_up=next_.gave_up,
    )


async def attempt(
    row: OutboxMessage,
    deliver: Deliverer,
    *,
    now: datetime | None = None,
    policy: Delivery | None = None,
) -> DeliveryResult:
    """Try one delivery and say what should become of the row (no database work here)."""
    policy = policy or Delivery()
    now = now or utcnow()
    try:
        result = await deliver(row)
    except NotConfigured as err:
        return DeliveryResult(SKIPPED, error=str(err))
    except IntegrationError as err:
        next_ = queue.fail(
            QUEUE,
            row,
            error=str(err),
            retryable=err.retryable,
            retry_after=err.retry_after,
            now=now,
            budget=queue.retry_budget(policy),
        )
        extra = {"row": row.id, "action": row.action, "error": str(err)}
        if next_.gave_up:
            log.error("outbox.gave_up", extra=extra)
        elif next_.parked:
            log.error("outbox.dead", extra=extra)
        else:
            log.warning("outbox.retry", extra={**extra, "wait": next_.retry_in})
        return _failed(next_, err)
    except Exception as err:  # an unexpected failure must not wedge the whole queue
        log.exception("outbox.crash", extra={"row": row.id, "action": row.action})
        crashes = queue.Budget(cap=policy.max_backoff_seconds, attempts=MAX_CRASHES)
        next_ = queue.fail(
            QUEUE, row, error=repr(err), retryable=True, retry_after=None, now=now, budget=crashes
        )
        return _failed(next_)
    return DeliveryResult(DONE, result=dict(result or {}))


async def record(
    session: AsyncSession,
    row_id: int,
    worker: str,
    outcome: DeliveryResult,
    *,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Store a delivery outcome, if this worker still holds the row."""
    now = now or utcnow()
    if outcome.status in (PENDING, DEAD):
        next_ = queue.Next(outcome.error or "", outcome.retry_in, gave_up=outcome.gave_up)
        row = await queue.settle(session, QUEUE, row_id, worker, next_, now=now)
    else:
        row = await queue.held(session, QUEUE, row_id, worker)
        if row is not None:
            row.status = outcome.status
            row.last_error = outcome.error
            row.lease_until = None
            row.sent_at = now
            row.result = dict(outcome.result or {}) or None
    return row if isinstance(row, OutboxMessage) else None


async def retry_dead(
    session: AsyncSession,
    *,
    now: datetime,
    ids: Iterable[int] | None = None,
    service: str | None = None,
) -> list[int]:
    """Put dead rows (all, or those given, or one service's) back with a fresh retry budget."""
    where = [OutboxMessage.service == service] if service else []
    return await queue.retry_parked(session, QUEUE, now=now, ids=ids, where=where)


async def make_due(session: AsyncSession, *, service: str, now: datetime) -> int:
    """Every row of service backing off is due now (the service is back)."""
    return await queue.make_due(session, QUEUE, now=now, where=[OutboxMessage.service == service])


async def supersede(session: AsyncSession, *, key: str, why: str) -> bool:
    """Skip the waiting row with this key: what it would say is no longer news."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key, OutboxMessage.status == PENDING)
        .values(status=SKIPPED, last_error=why)
        .returning(OutboxMessage.id)
    )
    return result.first() is not None


async def backlog(session: AsyncSession) -> dict[str, int]:
    """Row counts by status."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in rows.all()}
