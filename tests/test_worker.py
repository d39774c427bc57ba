"""The worker process loop: it survives failing passes and stops when told."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.db import Database
from bot.roster import load_roster
from bot.services import Services, Unconfigured
from bot.worker import MAX_IDLE_BACKOFF, Worker, idle_backoff

ROOT = Path(__file__).resolve().parent.parent


def test_failing_passes_back_off_up_to_a_cap() -> None:
    assert [idle_backoff(n, 0.2) for n in (1, 2, 3)] == [0.4, 0.8, 1.6]
    assert idle_backoff(20, 0.2) == MAX_IDLE_BACKOFF


async def test_worker_survives_a_database_outage_and_stops_on_request() -> None:
    broken = Database("sqlite:////nonexistent-dir/baton.db")
    services = Services(
        settings=Settings(database_url=broken.url),
        db=broken,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(services, poll_seconds=0.01).run(stop))
    await asyncio.sleep(0.1)
    assert not task.done()  # failing passes did not kill it
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    await broken.dispose()
