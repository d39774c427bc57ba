"""Service health in the database: down after three failures in a row, back on a success."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import IntegrationError
from bot.store import health, outbox
from bot.store.db import Database
from bot.store.outbox import OutboxItem

T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)
DOWN = IntegrationError("zendesk", "HTTP 503", retryable=True, status=503)
SLOW = IntegrationError("zendesk", "HTTP 429", retryable=True, status=429, retry_after=20)


async def fail(db: Database, err: IntegrationError, now: datetime) -> object:
    async with db.session() as s:
        return await health.failed(s, err=err, now=now, probe_seconds=30)


async def states(db: Database) -> dict[str, health.State]:
    async with db.session() as s:
        return await health.states(s)


async def test_three_failures_in_a_row_make_an_outage_announced_once(db: Database) -> None:
    assert await fail(db, DOWN, T0) is None
    assert await fail(db, DOWN, T0 + timedelta(seconds=5)) is None
    outage = await fail(db, DOWN, T0 + timedelta(seconds=10))
    assert outage == health.Outage("zendesk", T0, "HTTP 503")
    assert await fail(db, DOWN, T0 + timedelta(seconds=40)) is None  # heard once
    st = (await states(db))["zendesk"]
    assert st.down and st.resting(T0 + timedelta(seconds=10))
    assert "slack" not in await states(db)  # never seen failing: healthy


async def test_a_probe_is_taken_by_one_worker_per_interval(db: Database) -> None:
    for i in range(3):
        await fail(db, DOWN, T0 + timedelta(seconds=i))
    later = T0 + timedelta(seconds=40)
    async with db.session() as s:
        assert await health.take_probe(s, service="zendesk", now=later, every=30)
        assert not await health.take_probe(s, service="zendesk", now=later, every=30)


async def test_the_first_success_ends_the_outage_and_counts_what_waited(db: Database) -> None:
    for i in range(3):
        await fail(db, DOWN, T0 + timedelta(seconds=i))
    item = OutboxItem(key="k", service="zendesk", action="update_ticket", payload={"ticket_id": 1})
    async with db.session() as s:
        await outbox.enqueue(s, [item], now=T0 + timedelta(hours=1))
    back = T0 + timedelta(minutes=10)
    async with db.session() as s:
        recovery = await health.recovered(s, service="zendesk", now=back)
    assert recovery == health.Recovery("zendesk", T0, waiting=1)
    assert not (await states(db))["zendesk"].troubled
    async with db.session() as s:  # the waiting row is due at once, not at its delay
        assert len(await outbox.claim(s, worker="w", now=back)) == 1
        assert await health.recovered(s, service="zendesk", now=back) is None


async def test_a_rate_limit_is_an_answer_it_rests_the_service_and_ends_an_outage(
    db: Database,
) -> None:
    assert await fail(db, SLOW, T0) is None  # nothing was wrong before: nothing to announce
    st = (await states(db))["zendesk"]
    assert st.rate_limited(T0 + timedelta(seconds=19)) and not st.resting(
        T0 + timedelta(seconds=21)
    )
    for i in range(3):
        await fail(db, DOWN, T0 + timedelta(minutes=1, seconds=i))
    recovery = await fail(db, SLOW, T0 + timedelta(minutes=5))
    assert recovery == health.Recovery("zendesk", T0 + timedelta(minutes=1), waiting=0)
    assert not (await states(db))["zendesk"].down


async def test_failures_that_never_made_it_down_recover_quietly(db: Database) -> None:
    await fail(db, DOWN, T0)
    async with db.session() as s:
        assert await health.recovered(s, service="zendesk", now=T0 + timedelta(seconds=1)) is None
    assert not (await states(db))["zendesk"].troubled
