"""Intake benchmark: signed Zendesk webhooks into `baton serve` + `baton worker`.

Starts a local fake Zendesk (tests/fakes), the web and worker processes against it, sends N
signed trigger webhooks at the given concurrency, waits for every ticket's update, and prints
throughput, ack latency, webhook-to-Zendesk-update latency and Zendesk API calls per escalation.
With --duplicates K every escalation is delivered K times in each webhook shape (trigger body
and event-subscription body), as Zendesk retries and a second subscription would; the run then
waits until every stored event is processed, so the duplicates' API calls are counted too.
Loopback only; bounded in count and time.

    python bench/intake.py --n 200 --concurrency 20 [--duplicates 3] [--database-url postgresql://...]
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

from bot.config.database import sync_url  # noqa: E402
from handlers.signing import sign_zendesk  # noqa: E402
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


def tags_of(i: int) -> tuple[str, ...]:
    return ("esc_senior", "esc_withdrawal", *(("vip",) if i % 4 == 0 else ()))


def seed(fake: FakeZendesk, n: int) -> list[int]:
    ids = list(range(50_000, 50_000 + n))
    for i, tid in enumerate(ids):
        fake.add_escalation(
            tid,
            tags=tags_of(i),
            text=f"Olá, meu saque TX-BENCH{i:05d} de ontem ainda não caiu na conta.",
            requester_id=80_000 + i,
        )
    return ids


def _trigger(tid: int, k: int) -> bytes:
    """Our trigger's body; the ticket's updated_at, as it sends it, names the k-th update."""
    updated = f"2026-11-16T12:{k % 60:02d}:00Z"
    body = {"ticket_id": str(tid), "event": "esc_senior", "updated_at": updated}
    return json.dumps(body).encode()


def deliveries(ids: list[int], duplicates: int) -> list[tuple[int, bytes, str]]:
    """(ticket, body, invocation id) for each webhook to send, in the order to send them."""
    out: list[tuple[int, bytes, str]] = []
    for i, tid in enumerate(ids):
        if duplicates == 0:
            out.append((tid, _trigger(tid, 0), f"bench-{tid}"))
            continue
        for k in range(duplicates):
            # Distinct updates (not retries of one): only the open escalation can tell.
            out.append((tid, _trigger(tid, k), f"bench-{tid}-t{k}"))
            event = {
                "type": "zen:event-type:ticket.tags_changed",
                "account_id": 1,
                "id": f"bench-{tid}-e{k}",
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "zendesk_event_version": "2022-11-06",
                "subject": f"zen:ticket:{tid}",
                "detail": {"id": str(tid), "actor_id": "500101", "tags": list(tags_of(i))},
                "event": {"tags_added": ["esc_senior"], "tags_removed": []},
            }
            out.append((tid, json.dumps(event).encode(), f"bench-{tid}-e{k}"))
    return out


def inbox_backlog(db_url: str) -> int:
    """Stored events not yet processed (pending or in progress)."""
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM inbox_events "
                        "WHERE status IN ('pending', 'processing')"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


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
    url: str, sends: list[tuple[int, bytes, str]], concurrency: int, interval: float = 0.0
) -> tuple[dict[int, float], list[float], dict[str, int]]:
    sent_at: dict[int, float] = {}
    acks: list[float] = []
    answers: dict[str, int] = {}
    limit = asyncio.Semaphore(concurrency)

    async def one(http: aiohttp.ClientSession, tid: int, body: bytes, invocation: str) -> None:
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(SECRET, ts, body),
            "X-Zendesk-Webhook-Invocation-Id": invocation,
        }
        async with limit:
            sent_at.setdefault(tid, time.time())  # latency counts from the first delivery
            started = time.perf_counter()
            async with http.post(url + "/webhooks/zendesk", data=body, headers=headers) as r:
                answer = await r.json(content_type=None)
                if r.status != 200:
                    raise SystemExit(f"webhook for {tid} answered {r.status}")
            acks.append(time.perf_counter() - started)
            status = str(answer.get("status"))
            answers[status] = answers.get(status, 0) + 1

    async def paced(http: aiohttp.ClientSession, i: int, send: tuple[int, bytes, str]) -> None:
        await asyncio.sleep(i * interval)  # interval 0: a burst; else one every `interval` s
        await one(http, *send)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(paced(http, i, d) for i, d in enumerate(sends)))
    return sent_at, acks, answers


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="escalations to send (default 200)")
    ap.add_argument("--concurrency", type=int, default=20, help="in flight at once (default 20)")
    ap.add_argument(
        "--interval", type=float, default=0.0, help="seconds between sends (default 0: a burst)"
    )
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument(
        "--workers-concurrency", type=int, default=8, help="the worker's --concurrency (default 8)"
    )
    ap.add_argument(
        "--duplicates",
        type=int,
        default=0,
        help="deliver each escalation this many times in each webhook shape (trigger and "
        "event-subscription body); default 0: once, as a trigger body",
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
        sends = deliveries(ids, args.duplicates)
        t0 = time.perf_counter()
        sent_at, acks, answers = await send_all(url, sends, args.concurrency, args.interval)
        send_elapsed = time.perf_counter() - t0
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if len({r.path for r in fake.requests if r.method == "PUT"}) >= args.n:
                break
            await asyncio.sleep(0.05)
        total_elapsed = time.perf_counter() - t0
        # Duplicates may still wait in the inbox: their API calls count too.
        while time.monotonic() < deadline and await asyncio.to_thread(inbox_backlog, db_url):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the worker's last pass, and any delivery it started
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
    puts = [r for r in fake.requests if r.method == "PUT"]
    backend = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    pacing = f"one every {args.interval:g} s" if args.interval else "as a burst"
    shapes = (
        f"each delivered {args.duplicates}x as a trigger body and {args.duplicates}x as an "
        "event-subscription body"
        if args.duplicates
        else "one trigger body each"
    )
    print(
        f"intake benchmark: {args.n} escalations, {shapes}; {len(sends)} webhooks {pacing}, "
        f"concurrency {args.concurrency}, {backend}, 1 web + 1 worker process"
    )
    print(
        f"  webhooks acknowledged:   {len(acks)}/{len(sends)} in {send_elapsed:.2f} s "
        f"= {len(acks) / send_elapsed:.0f} webhooks/s "
        f"({', '.join(f'{n} {k}' for k, n in sorted(answers.items()))})"
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
        f"{len(puts)} PUT; {len(puts) - len(first_put)} beyond one per ticket)"
    )
    if len(to_update) < args.n:
        raise SystemExit(f"only {len(to_update)} of {args.n} tickets were updated in time")


if __name__ == "__main__":
    asyncio.run(main())
