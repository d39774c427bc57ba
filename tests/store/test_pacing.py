"""The waiting line for Zendesk's budget: VIP first, reads before writes, then by age; against a
fake Zendesk that enforces its account limit, no request is spent on a 429."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import pacing
from bot.store.db import Database
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


async def test_vip_first_then_the_oldest_and_reads_before_writes(db: Database) -> None:
    clock = Clock()
    line = pacing.Pacer(db, "zendesk", per_minute=lambda: 3, now=clock)  # 2 a window
    await line.take(pacing.READ)
    await line.take(pacing.READ)  # the window is spent
    served: list[str] = []

    async def call(name: str, kind: int, *, vip: bool, since: float) -> None:
        with pacing.priority(vip=vip, since=datetime.fromtimestamp(since, UTC)):
            await line.take(kind)
        served.append(name)

    calls = [
        call("write vip", pacing.WRITE, vip=True, since=1),
        call("read newer", pacing.READ, vip=False, since=30),
        call("read older", pacing.READ, vip=False, since=20),
        call("read vip", pacing.READ, vip=True, since=40),
        call("write", pacing.WRITE, vip=False, since=2),
    ]
    tasks = [asyncio.create_task(c) for c in calls]
    for _ in range(100):
        if all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.1)
        clock.now += timedelta(seconds=61)  # the next window
    assert served == ["read vip", "read older", "read newer", "write vip", "write"]


async def test_a_call_inside_sqlites_write_session_does_not_wait_for_itself(
    db: Database,
) -> None:
    line = pacing.Pacer(db, "zendesk", per_minute=lambda: 1)
    async with db.session(), asyncio.timeout(5):
        await line.take(pacing.READ)


async def test_a_burst_through_the_real_client_spends_nothing_on_429s(db: Database) -> None:
    fake = FakeZendesk(rate_limit=10, window_seconds=1).start()
    try:
        client = ZendeskClient(base_url=fake.url, email=EMAIL, token=TOKEN)
        port = pacing.paced(db, client, per_minute=lambda: 100)
        await port.get_ticket(2)  # its answer says the account allows 10: that wins
        tickets = await asyncio.gather(*(port.get_ticket(2) for _ in range(20)))
        assert {t.id for t in tickets} == {2}
        assert fake.refused == 0
        assert len(fake.requests) == 21
        # The same burst unpaced: the fake refuses what Zendesk would.
        await asyncio.sleep(1.1)
        raw = await asyncio.gather(
            *(client.get_ticket(2) for _ in range(20)), return_exceptions=True
        )
        assert fake.refused > 0 and any(isinstance(r, Exception) for r in raw)
    finally:
        fake.stop()


async def test_without_a_budget_to_draw_from_calls_go_unpaced(tmp_path: Path) -> None:
    empty = Database(f"sqlite:///{tmp_path}/not-migrated.db")  # no service_budgets table
    try:
        line = pacing.Pacer(empty, "zendesk", per_minute=lambda: 1)
        async with asyncio.timeout(5):
            await asyncio.gather(*(line.take(pacing.READ) for _ in range(3)))
    finally:
        await empty.dispose()
