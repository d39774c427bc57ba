"""One retry-or-park policy for the inbox, the outbox and timers (bot/store/queue.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from bot.config import Delivery
from bot.events.zendesk import ZendeskEvent
from bot.store import inbox, outbox, queue
from bot.store.db import Database
from bot.store.models import OutboxMessage
from bot.store.outbox import OutboxItem

T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)
BUDGET = queue.retry_budget(Delivery(retry_hours=2, max_backoff_seconds=60))


def row(attempts: int = 1, *, created: datetime = T0, retry_from: datetime | None = None) -> object:
    return SimpleNamespace(attempts=attempts, created_at=created, retry_from=retry_from)


def fail(r: object, *, now: datetime = T0, **kw: object) -> queue.Next:
    args: dict[str, object] = {"retryable": True, "retry_after": None, "budget": BUDGET, **kw}
    return queue.fail(outbox.QUEUE, r, error="boom", now=now, **args)


def test_a_retryable_failure_backs_off_doubling_up_to_the_cap() -> None:
    first, fourth, late = fail(row(1)), fail(row(4)), fail(row(40))
    assert first.retry_in is not None and 1.6 <= first.retry_in <= 2.0
    assert fourth.retry_in is not None and 12.8 <= fourth.retry_in <= 16.0
    assert late.retry_in is not None and 48 <= late.retry_in <= 60
    assert not (first.parked or first.gave_up) and first.error == "boom"


def test_retry_after_is_honoured_even_past_the_cap() -> None:
    assert fail(row(1), retry_after=30).retry_in == 30
    assert fail(row(3), retry_after=900).retry_in == 900


def test_a_refusal_is_parked_at_once_not_given_up() -> None:
    refused = fail(row(1), retryable=False)
    assert refused.parked and not refused.gave_up


def test_once_the_span_is_spent_the_row_is_given_up() -> None:
    assert not fail(row(9), now=T0 + timedelta(hours=1, minutes=59)).parked
    spent = fail(row(9), now=T0 + timedelta(hours=2))
    assert spent.parked and spent.gave_up
    # An operator's retry starts a fresh span (retry_from), however old the row is.
    fresh = row(1, created=T0 - timedelta(days=3), retry_from=T0)
    assert not fail(fresh, now=T0 + timedelta(hours=1)).parked


def test_a_budget_of_attempts_parks_without_giving_up() -> None:
    crashes = queue.Budget(cap=60, attempts=5)
    assert not fail(row(4), budget=crashes).parked
    fifth = fail(row(5), budget=crashes)
    assert fifth.parked and not fifth.gave_up


def test_without_a_budget_a_row_is_retried_forever() -> None:
    forever = queue.Budget(cap=300)
    assert not fail(row(1000), now=T0 + timedelta(days=30), budget=forever).parked


async def test_settle_stores_the_next_attempt_or_parks_and_needs_the_lease(db: Database) -> None:
    items = [
        OutboxItem(key=k, service="zendesk", action="update_ticket", payload={"ticket_id": i})
        for i, k in enumerate(("a", "b"), start=1)
    ]
    async with db.session() as s:
        await outbox.enqueue(s, items, now=T0)
        a, b = await outbox.claim(s, worker="w", now=T0)
    async with db.session() as s:
        await queue.settle(s, outbox.QUEUE, a.id, "w", queue.Next("later", 30.0), now=T0)
        await queue.settle(s, outbox.QUEUE, b.id, "w", queue.Next("refused", None), now=T0)
        assert await queue.settle(s, outbox.QUEUE, a.id, "w", queue.Next("x", 1.0), now=T0) is None
    async with db.session() as s:
        got = {r.idempotency_key: r for r in await s.scalars(select(OutboxMessage))}
    assert (got["a"].status, got["a"].last_error) == (outbox.PENDING, "later")
    assert got["a"].available_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=30)
    assert (got["b"].status, got["b"].last_error) == (outbox.DEAD, "refused")
    assert got["a"].lease_until is None and got["b"].lease_until is None


async def test_vip_work_is_claimed_first_then_the_oldest_keeping_each_tickets_order(
    db: Database,
) -> None:
    async with db.session() as s:
        for i, (ticket, vip) in enumerate([(1, False), (2, False), (3, True), (1, True)]):
            await inbox.store_event(
                s,
                event=ZendeskEvent(kind="esc_senior", ticket_id=ticket),
                dedupe_key=f"e{i}",
                now=T0 + timedelta(seconds=i),
                priority=1 if vip else 0,
            )
        items = [
            OutboxItem(key="a", service="slack", action="post", payload={}),
            OutboxItem(key="b", service="slack", action="post", payload={}, priority=1),
        ]
        await outbox.enqueue(s, items, now=T0)
    async with db.session() as s:
        events = await inbox.claim(s, worker="w", limit=10, now=T0 + timedelta(minutes=1))
        rows = await outbox.claim(s, worker="w", limit=10, now=T0 + timedelta(minutes=1))
    # The VIP ticket 3 first; ticket 1's later (VIP) event waits behind its earlier one.
    assert [(e.ticket_id, e.priority) for e in events] == [(3, 1), (1, 0), (2, 0)]
    assert [r.idempotency_key for r in rows] == ["b", "a"]
