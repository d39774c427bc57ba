"""Intake benchmark: signed Zendesk webhooks into `baton serve` + `baton worker`.

Starts a local fake Zendesk (tests/fakes), the web and worker processes against it, sends N
signed trigger webhooks at the given concurrency, waits for every ticket's update, and prints
throughput, ack latency, webhook-to-Zendesk-update latency and Zendesk API calls per escalation.
Loopback only; bounded in count and time.

    python bench/intake.py --n 200 --concurrency 20 [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.db import sync_url  # noqa: E402
from bot.signing import sign_zendesk  # noqa: E402
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk  # noqa: E402

SECRET = "bench-webhook-secret"


def admin(url: str, sql: str) -> None:
    """Run CREATE/DROP DATABASE on the server of url (outside a transaction)."""
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def seed(fake: FakeZendesk, n: int) -> list[int]:
    ids = list(range(50_000, 50_000 + n))
    for i, tid in enumerate(ids):
        fake.add_escalation(
            tid,
            tags=("esc_senior", "esc_withdrawal", *(("vip",) if i % 4 == 0 else ())),
            text=f"Olá, meu saque TX-BENCH{i:05d} de ontem ainda não caiu na conta.",
            requester_id=80_000 + i,
        )
    return ids


async def wait_healthy(url: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("baton serve did not become healthy")


async def send_all(
    url: str, ids: list[int], concurrency: int, interval: float = 0.0
) -> tuple[dict[int, float], list[float]]:
    sent_at: dict[int, float] = {}
    acks: list[float] = []
    limit = asyncio.Semaphore(concurrency)

    async def one(http: aiohttp.ClientSession, tid: int) -> None:
        body = json.dumps({"ticket_id": str(tid), "event": "esc_senior"}).encode()
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(SECRET, ts, body),
            "X-Zendesk-Webhook-Invocation-Id": f"bench-{tid}",
        }
        async with limit:
            sent_at[tid] = time.time()
            started = time.perf_counter()
            async with http.post(url + "/webhooks/zendesk", data=body, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    raise SystemExit(f"webhook for {tid} answered {r.status}")
            acks.append(time.perf_counter() - started)

    async def paced(http: aiohttp.ClientSession, i: int, tid: int) -> None:
        await asyncio.sleep(i * interval)  # interval 0: a burst; else one every `interval` s
        await one(http, tid)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(paced(http, i, t) for i, t in enumerate(ids)))
    return sent_at, acks


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="webhooks to send (default 200)")
    ap.add_argument("--concurrency", type=int, default=20, help="in flight at once (default 20)")
    ap.add_argument(
        "--interval", type=float, default=0.0, help="seconds between sends (default 0: a burst)"
    )
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument(
        "--workers-concurrency", type=int, default=8, help="the worker's --concurrency (default 8)"
    )
    ap.add_argument("--timeout", type=float, default=180, help="give up after this many seconds")
    args = ap.parse_args()

    fake = FakeZendesk().start()
    ids = seed(fake, args.n)
    tmp = tempfile.mkdtemp(prefix="baton-bench-")
    db_url = args.database_url or f"sqlite:///{tmp}/bench.db"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        "ZENDESK_URL": fake.url,
        "ZENDESK_EMAIL": EMAIL,
        "ZENDESK_API_TOKEN": TOKEN,
        "ZENDESK_WEBHOOK_SECRET": SECRET,
    }
    baton = [sys.executable, "-m", "bot", "--log-level", "WARNING"]
    scratch = None
    if db_url.startswith("postgres"):
        # A scratch database on that server, dropped afterwards: nothing of yours is touched.
        scratch = f"baton_bench_{os.getpid()}"
        admin(args.database_url, f"CREATE DATABASE {scratch}")
        db_url = str(make_url(db_url).set(database=scratch).render_as_string(hide_password=False))
        env["DATABASE_URL"] = db_url
    subprocess.run(
        [*baton, "db", "upgrade"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    web = subprocess.Popen([*baton, "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT)
    worker = subprocess.Popen(
        [*baton, "worker", "--poll", "0.05", "--concurrency", str(args.workers_concurrency)],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, time.monotonic() + 30)
        t0 = time.perf_counter()
        sent_at, acks = await send_all(url, ids, args.concurrency, args.interval)
        send_elapsed = time.perf_counter() - t0
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if len({r.path for r in fake.requests if r.method == "PUT"}) >= args.n:
                break
            await asyncio.sleep(0.05)
        total_elapsed = time.perf_counter() - t0
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            proc.wait(timeout=20)
        fake.stop()
        if scratch:
            admin(args.database_url, f"DROP DATABASE IF EXISTS {scratch}")

    first_put: dict[int, float] = {}
    for r in fake.requests:
        if r.method == "PUT":
            tid = int(r.path.rsplit("/", 1)[-1].split(".")[0])
            first_put.setdefault(tid, r.at)
    to_update = [first_put[t] - sent_at[t] for t in ids if t in first_put]
    calls = len(fake.requests)
    backend = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    pacing = f"one every {args.interval:g} s" if args.interval else "as a burst"
    print(
        f"intake benchmark: {args.n} webhooks {pacing}, concurrency {args.concurrency}, {backend}, "
        f"1 web + 1 worker process"
    )
    print(
        f"  webhooks acknowledged:   {len(acks)}/{args.n} in {send_elapsed:.2f} s "
        f"= {len(acks) / send_elapsed:.0f} webhooks/s"
    )
    print(
        f"  ack latency:             p50 {pct(acks, 0.5) * 1000:.1f} ms, "
        f"p99 {pct(acks, 0.99) * 1000:.1f} ms"
    )
    print(
        f"  webhook -> Zendesk update: {len(to_update)}/{args.n} updated, "
        f"p50 {pct(to_update, 0.5) * 1000:.0f} ms, p99 {pct(to_update, 0.99) * 1000:.0f} ms"
    )
    print(
        f"  end-to-end throughput:   {len(to_update) / total_elapsed:.1f} escalations/s "
        f"({total_elapsed:.1f} s for all)"
    )
    print(
        f"  Zendesk API calls per escalation: {calls / max(1, len(to_update)):.2f} "
        f"({calls} calls: {sum(r.method == 'GET' for r in fake.requests)} GET, "
        f"{sum(r.method == 'PUT' for r in fake.requests)} PUT)"
    )
    if len(to_update) < args.n:
        raise SystemExit(f"only {len(to_update)} of {args.n} tickets were updated in time")


if __name__ == "__main__":
    asyncio.run(main())
