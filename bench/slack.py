"""Benchmark: signed /baton slash commands against Baton's real endpoint, in-process.

Starts Baton (aiohttp + bolt) on a free loopback port with a fake Slack Web API and a temporary
SQLite database, sends N signed `/baton who` and `/baton queue` commands at concurrency C, and
prints the ack latency p50/p99, throughput, and how long the answers (response_url) took.

    python bench/slack.py --requests 2000 --concurrency 50
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.desk.roster import load_roster  # noqa: E402
from bot.services import Services, Unconfigured  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store.db import Database  # noqa: E402
from integrations.slack import SlackClient  # noqa: E402
from tests.fakes.slack_server import TOKEN, FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
USERS = ["U05ANA0001", "U05CAR0003", "U05EDU0005", "U0BPO00042"]
MAX_REQUESTS = 50_000
MAX_CONCURRENCY = 500


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
    }


def _body(fake: FakeSlack, i: int) -> str:
    user = USERS[i % len(USERS)]
    return urlencode(
        {
            "token": "bench",
            "team_id": "T0BENCH01",
            "team_domain": "bench",
            "channel_id": "C0BENCH01",
            "channel_name": "bench",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/baton",
            "text": "who" if i % 2 else "queue",
            "api_app_id": "A0BATON001",
            "response_url": fake.response_url(f"bench-{i}"),
            "trigger_id": f"{i}.bench.trigger",
        }
    )


async def run(requests: int, concurrency: int) -> None:
    fake = FakeSlack().start()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        dbmod.upgrade(url)
        settings = Settings(
            database_url=url,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake.api_url,
        )
        services = Services(
            settings=settings,
            db=Database(url),
            roster=load_roster(ROOT / "examples" / "roster.toml"),
            zendesk=Unconfigured("zendesk"),
            slack=SlackClient.from_settings(settings),
        )
        runner = web.AppRunner(create_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = f"http://127.0.0.1:{port}/slack/events"

        latencies: list[float] = []
        statuses: dict[int, int] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(requests):
            queue.put_nowait(i)

        async with aiohttp.ClientSession() as http:
            # One warm-up request so bolt's auth.test and the catalogs are loaded.
            body = _body(fake, -1)
            async with http.post(endpoint, data=body.encode(), headers=_signed(body)) as r:
                await r.read()

            async def worker() -> None:
                while True:
                    try:
                        i = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    body = _body(fake, i)
                    started = time.perf_counter()
                    async with http.post(endpoint, data=body.encode(), headers=_signed(body)) as r:
                        await r.read()
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                    latencies.append(time.perf_counter() - started)

            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            acked = time.perf_counter() - began
            deadline = time.monotonic() + 60
            while len(fake.called("response_url")) <= requests and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            answered = time.perf_counter() - began

        await runner.cleanup()
    fake.stop()

    latencies.sort()
    ms = [x * 1000 for x in latencies]
    p = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    print(f"requests={requests} concurrency={concurrency} statuses={statuses}")
    print(f"ack latency ms: p50={p[49]:.1f} p99={p[98]:.1f} max={ms[-1]:.1f}")
    print(f"ack throughput: {requests / acked:.0f} req/s ({acked:.2f}s)")
    print(f"answers posted: {len(fake.called('response_url')) - 1}/{requests} in {answered:.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", "-n", type=int, default=1000)
    parser.add_argument("--concurrency", "-c", type=int, default=20)
    args = parser.parse_args()
    requests = max(1, min(args.requests, MAX_REQUESTS))
    concurrency = max(1, min(args.concurrency, MAX_CONCURRENCY, requests))
    asyncio.run(run(requests, concurrency))


if __name__ == "__main__":
    main()
