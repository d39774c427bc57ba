"""Dashboard benchmark: how long the now page's live part takes with many open escalations.

The now page fetches its live part (`/now/live`) every 5 s and must show a change within 10 s,
so each answer has to come back well inside that. This fills a fresh database with N open
escalations, serves Baton's real app on a local port and times M requests of `/now/live` with the
wall-board token (the page lists the 200 soonest due and counts the rest). Loopback only.

    python bench/dashboard.py --open 2000 --requests 50 [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.desk.roster import load_roster  # noqa: E402
from bot.services import Services, Unconfigured  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store.models import Escalation  # noqa: E402

TOKEN = "bench-wall-board-token"
STATES = ("routed", "claimed", "unassigned", "incomplete")


async def run(url: str, n_open: int, n_requests: int) -> None:
    now = datetime.now(UTC)
    services = Services(
        settings=Settings(
            database_url=url, dashboard_token=TOKEN, secret_key="bench-secret-key-0123"
        ),
        db=dbmod.Database(url),
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
    )
    analysts = [a.key for a in services.roster.analysts]
    async with services.db.session() as s:
        s.add_all(
            Escalation(
                ticket_id=100_000 + i,
                status=STATES[i % len(STATES)],
                category="withdrawal" if i % 7 else "aml",
                vip=i % 5 == 0,
                subject=f"Saque {i} não chegou <b>",
                analyst_key=analysts[i % len(analysts)],
                received_at=now - timedelta(minutes=i % 600),
                claim_due_at=now + timedelta(minutes=30 - i % 60),
                sla_due_at=now + timedelta(minutes=240 - i % 300),
            )
            for i in range(n_open)
        )
    app = create_app(services)
    times: list[float] = []
    async with TestClient(TestServer(app)) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert (await client.get("/now/live", headers=headers)).status == 200  # warm up
        for _ in range(n_requests):
            started = time.perf_counter()
            answer = await client.get("/now/live", headers=headers)
            await answer.read()
            times.append(time.perf_counter() - started)
            assert answer.status == 200
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"/now/live with {n_open:,} open escalations, {n_requests} requests: "
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms (the page polls every 5 s; a change must show within 10 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=2000, dest="n_open")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        dbmod.upgrade(url)
        asyncio.run(run(url, args.n_open, args.requests))


if __name__ == "__main__":
    main()
