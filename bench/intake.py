"""Intake benchmark: signed Zendesk webhooks into `baton serve` (+ `baton worker`).

Three runs, loopback only, bounded in count and time:

- default: starts a local fake Zendesk (tests/fakes), the web and worker processes against it,
  sends N signed trigger webhooks at the given concurrency, waits for every ticket's update, and
  prints throughput, ack latency, webhook-to-Zendesk-update latency and Zendesk API calls per
  escalation. With --duplicates K every escalation is delivered K times in each webhook shape
  (trigger body and event-subscription body), as Zendesk retries and a second subscription
  would; the run then waits until every stored event is processed, so the duplicates' API
  calls are counted too.
- --ratio: in one run, a bare aiohttp server whose handler reads the body, checks the same
  Zendesk signature (handlers.signing.verify_zendesk_signature) and answers 200 JSON, then
  `baton serve` on a real database; the same N signed webhooks (distinct tickets) at the same
  concurrency through the same client to each, one after the other; prints requests/s of each
  and the ratio (target: at least 0.5).
- --latency: `baton serve` + `baton worker` + a fake Slack and the fake Zendesk; one webhook at
  a time (N of them, spaced by --interval), each timed from its send to the alert's post in a
  Slack channel; prints p50/p99 (target: p50 under 250 ms, p99 under 1 s).

    python bench/intake.py --n 200 --concurrency 20 [--duplicates 3] [--database-url postgresql://...]
    python bench/intake.py --ratio [--n 2000] [--concurrency 32] [--database-url postgresql://...]
    python bench/intake.py --latency [--n 50] [--interval 0.3] [--poll 0.05] [--database-url ...]

With a PostgreSQL URL each run uses a scratch database on that server and drops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.config.database import sync_url  # noqa: E402
from handlers.signing import sign_zendesk  # noqa: E402
from tests.fakes.slack_server import TOKEN as SLACK_TOKEN  # noqa: E402
from tests.fakes.slack_server import FakeSlack, params_of  # noqa: E402
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


def baton_env(db_url: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of a `baton` process on db_url, serving on port."""
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        "ZENDESK_WEBHOOK_SECRET": SECRET,
        **extra,
    }


BATON = [sys.executable, "-m", "bot", "--log-level", "WARNING"]


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh migrated database: a SQLite file, or a scratch database on url's server."""
    scratch = None
    if url and url.startswith("postgres"):
        # A scratch database on that server, dropped afterwards: nothing of yours is touched.
        scratch = f"baton_bench_{os.getpid()}"
        admin(url, f"CREATE DATABASE {scratch}")
        db_url = str(make_url(url).set(database=scratch).render_as_string(hide_password=False))
    else:
        db_url = url or f"sqlite:///{tempfile.mkdtemp(prefix='baton-bench-')}/bench.db"
    try:
        env = baton_env(db_url, 3000)
        subprocess.run(
            [*BATON, "db", "upgrade"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        yield db_url
    finally:
        if scratch and url:
            admin(url, f"DROP DATABASE IF EXISTS {scratch}")


@contextlib.contextmanager
def processes(*commands: tuple[list[str], dict[str, str]]) -> Iterator[None]:
    """Run each (argv, env) as a process; terminate them all at the end (SIGTERM)."""
    started = [subprocess.Popen(argv, env=env, cwd=ROOT) for argv, env in commands]
    try:
        yield
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            proc.wait(timeout=20)


def backend_of(db_url: str) -> str:
    return "PostgreSQL" if db_url.startswith("postgres") else "SQLite"


async def run_pipeline(args: argparse.Namespace) -> None:
    """The default run: a burst through serve + worker, until every ticket is updated."""
    fake = FakeZendesk().start()
    ids = seed(fake, args.n)
    port = free_port()
    zendesk = {"ZENDESK_URL": fake.url, "ZENDESK_EMAIL": EMAIL, "ZENDESK_API_TOKEN": TOKEN}
    poll = "0.05" if args.poll is None else str(args.poll)
    try:
        with database(args.database_url) as db_url:
            env = baton_env(db_url, port, **zendesk)
            worker = [
                *BATON,
                "worker",
                "--poll",
                poll,
                "--concurrency",
                str(args.workers_concurrency),
            ]
            with processes(([*BATON, "serve", "--host", "127.0.0.1"], env), (worker, env)):
                url = f"http://127.0.0.1:{port}"
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
                while time.monotonic() < deadline and await asyncio.to_thread(
                    inbox_backlog, db_url
                ):
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)  # the worker's last pass, and any delivery it started
    finally:
        fake.stop()

    first_put: dict[int, float] = {}
    for r in fake.requests:
        if r.method == "PUT":
            tid = int(r.path.rsplit("/", 1)[-1].split(".")[0])
            first_put.setdefault(tid, r.at)
    to_update = [first_put[t] - sent_at[t] for t in ids if t in first_put]
    calls = len(fake.requests)
    puts = [r for r in fake.requests if r.method == "PUT"]
    pacing = f"one every {args.interval:g} s" if args.interval else "as a burst"
    shapes = (
        f"each delivered {args.duplicates}x as a trigger body and {args.duplicates}x as an "
        "event-subscription body"
        if args.duplicates
        else "one trigger body each"
    )
    print(
        f"intake benchmark: {args.n} escalations, {shapes}; {len(sends)} webhooks {pacing}, "
        f"concurrency {args.concurrency}, {backend_of(db_url)}, 1 web + 1 worker process"
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


# --- --ratio: baton serve against a bare aiohttp handler doing the same signature check ---


def serve_bare(port: int) -> None:
    """The bare server: read the body, check Zendesk's signature, answer 200 JSON."""
    from aiohttp import web

    from bot.errors import SignatureError
    from handlers.signing import verify_zendesk_signature

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_zendesk_signature(
                secret=SECRET,
                timestamp=request.headers.get("X-Zendesk-Webhook-Signature-Timestamp"),
                body=body,
                signature=request.headers.get("X-Zendesk-Webhook-Signature"),
                now=datetime.now(UTC),
            )
        except SignatureError as err:
            return web.json_response({"error": str(err)}, status=401)
        return web.json_response({"status": "stored"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhooks/zendesk", webhook)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def signed_requests(first: int, n: int) -> list[tuple[bytes, dict[str, str]]]:
    """N signed trigger webhooks for distinct tickets from `first`, signed now."""
    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for tid in range(first, first + n):
        body = _trigger(tid, 0)
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(SECRET, ts, body),
            "X-Zendesk-Webhook-Invocation-Id": f"bench-{tid}",
        }
        out.append((body, headers))
    return out


async def blast(
    http: aiohttp.ClientSession,
    url: str,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
) -> tuple[float, dict[str, int]]:
    """Send every request, concurrency at a time; (seconds, answers by status)."""
    pending = iter(requests)
    answers: dict[str, int] = {}

    async def lane() -> None:
        for body, headers in pending:
            async with http.post(url + "/webhooks/zendesk", data=body, headers=headers) as r:
                answer = await r.json(content_type=None)
                key = str(answer.get("status")) if r.status == 200 else f"HTTP {r.status}"
                answers[key] = answers.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return time.perf_counter() - started, answers


async def measure(
    url: str, n: int, concurrency: int, warmup: int, first: int
) -> tuple[float, dict[str, int]]:
    """Requests/s of the server at url for n distinct signed webhooks after a warm-up."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        if warmup:
            await blast(http, url, signed_requests(first - warmup, warmup), concurrency)
        elapsed, answers = await blast(http, url, signed_requests(first, n), concurrency)
    if sum(answers.get(k, 0) for k in ("stored", "duplicate")) != n:
        raise SystemExit(f"{url} answered {answers}")
    return n / elapsed, answers


async def run_ratio(args: argparse.Namespace) -> None:
    """Bare handler and baton serve, the same webhooks through the same client, in turns."""
    n, conc, rounds = args.n, args.concurrency, args.rounds
    warmup = min(200, max(20, n // 10))
    bare_port, baton_port = free_port(), free_port()
    bare = [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(bare_port)]
    bare_url, baton_url = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{baton_port}"
    results: list[tuple[float, float]] = []
    answers: dict[str, int] = {}
    with database(args.database_url) as db_url:
        env = baton_env(db_url, baton_port)
        serve = [*BATON, "serve", "--host", "127.0.0.1"]
        with processes((bare, dict(os.environ)), (serve, env)):
            await wait_healthy(bare_url, time.monotonic() + 30)
            await wait_healthy(baton_url, time.monotonic() + 30)
            for r in range(rounds):
                # Each round: new tickets (none is a duplicate), each server warmed up first.
                first = 100_000 * (r + 1)
                bare_rate, _ = await measure(bare_url, n, conc, warmup, first)
                baton_rate, got = await measure(baton_url, n, conc, warmup, first)
                results.append((bare_rate, baton_rate))
                for k, c in got.items():
                    answers[k] = answers.get(k, 0) + c
    print(
        f"intake ratio: {n} signed webhooks a round (distinct tickets, {warmup} more to warm up "
        f"each server), concurrency {conc}, one client, {rounds} rounds, {backend_of(db_url)}"
    )
    for i, (bare_rate, baton_rate) in enumerate(results, 1):
        print(
            f"  round {i}: bare aiohttp handler (read body, check signature, 200) "
            f"{bare_rate:6.0f} requests/s, baton serve /webhooks/zendesk (stored, committed) "
            f"{baton_rate:6.0f} requests/s, ratio {baton_rate / bare_rate:.2f}"
        )
    ratios = sorted(b / a for a, b in results)
    print(f"  baton serve answered: {', '.join(f'{c} {k}' for k, c in sorted(answers.items()))}")
    print(
        f"  ratio: median {ratios[len(ratios) // 2]:.2f} (min {ratios[0]:.2f}, "
        f"max {ratios[-1]:.2f}; target at least 0.5)"
    )


# --- --latency: one webhook at a time, through serve + worker, to the Slack alert ---

ROUTING, LEADS = "C0BENCHROUTE", "C0BENCHLEADS"


def channel_post_at(slack: FakeSlack, tid: int, since: float) -> float | None:
    """When the first alert about ticket tid was posted in a channel, after since."""
    for r in list(slack.requests):
        if r.at < since or r.path != "/api/chat.postMessage":
            continue
        params = params_of(r)
        if params.get("channel") in (ROUTING, LEADS) and str(tid) in r.body.decode():
            return r.at
    return None


async def run_latency(args: argparse.Namespace) -> None:
    """Webhook -> Slack channel alert, one escalation at a time: p50 and p99."""
    fake = FakeZendesk().start()
    slack = FakeSlack().start()
    ids = seed(fake, args.n)
    port = free_port()
    extra = {
        "ZENDESK_URL": fake.url,
        "ZENDESK_EMAIL": EMAIL,
        "ZENDESK_API_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "bench-slack-signing-secret",
        "SLACK_API_URL": slack.api_url,
        "SLACK_ROUTING_CHANNEL": ROUTING,
        "SLACK_LEADS_CHANNEL": LEADS,
        "BATON_SECRET_KEY": "bench-secret-key-0123456789abcdef",
    }
    poll = [] if args.poll is None else ["--poll", str(args.poll)]
    latencies: list[float] = []
    try:
        with database(args.database_url) as db_url:
            env = baton_env(db_url, port, **extra)
            worker = [*BATON, "worker", *poll]
            with processes(([*BATON, "serve", "--host", "127.0.0.1"], env), (worker, env)):
                url = f"http://127.0.0.1:{port}"
                await wait_healthy(url, time.monotonic() + 30)
                await asyncio.sleep(2)  # the worker's start (language models) is not timed
                async with aiohttp.ClientSession() as http:
                    for tid in ids:
                        await asyncio.sleep(args.interval)
                        sent = time.time()
                        await post_one(http, url, tid)
                        deadline = time.monotonic() + 10
                        while (at := channel_post_at(slack, tid, sent)) is None:
                            if time.monotonic() > deadline:
                                raise SystemExit(f"no Slack alert for ticket {tid} within 10 s")
                            await asyncio.sleep(0.002)
                        latencies.append(at - sent)
    finally:
        fake.stop()
        slack.stop()
    polled = f"--poll {args.poll:g}" if args.poll is not None else "its default poll"
    print(
        f"intake latency: {len(ids)} webhooks one at a time ({args.interval:g} s apart), "
        f"{backend_of(db_url)}, baton serve + baton worker ({polled}), fake Zendesk and Slack"
    )
    print(
        f"  webhook -> Slack channel alert: p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
        f"p90 {pct(latencies, 0.9) * 1000:.0f} ms, p99 {pct(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms (target p50 < 250 ms, p99 < 1 s)"
    )
    slowest = sorted(range(len(latencies)), key=latencies.__getitem__)[-3:]
    print(
        "  slowest: "
        + ", ".join(f"#{i + 1} {latencies[i] * 1000:.0f} ms" for i in reversed(slowest))
    )


async def post_one(http: aiohttp.ClientSession, url: str, tid: int) -> None:
    ((body, headers),) = signed_requests(tid, 1)
    async with http.post(url + "/webhooks/zendesk", data=body, headers=headers) as r:
        if r.status != 200:
            raise SystemExit(f"webhook for {tid} answered {r.status}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--ratio", action="store_true", help="baton serve against a bare handler")
    mode.add_argument("--latency", action="store_true", help="webhook -> Slack alert, one by one")
    mode.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument(
        "--n",
        type=int,
        default=None,
        help="webhooks to send (default 200; --ratio 2000, --latency 50)",
    )
    ap.add_argument(
        "--concurrency", type=int, default=None, help="in flight at once (default 20; --ratio 32)"
    )
    ap.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds between sends (default 0: a burst; --latency 0.3)",
    )
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument(
        "--rounds", type=int, default=3, help="--ratio: turns of bare then baton (default 3)"
    )
    ap.add_argument(
        "--poll",
        type=float,
        default=None,
        help="the worker's --poll (default 0.05; --latency: the worker's own default)",
    )
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
    if args.bare_server:
        serve_bare(args.bare_server)
        return
    if args.ratio:
        args.n, args.concurrency = args.n or 2000, args.concurrency or 32
        asyncio.run(run_ratio(args))
    elif args.latency:
        args.n, args.interval = args.n or 50, 0.3 if args.interval is None else args.interval
        asyncio.run(run_latency(args))
    else:
        args.n, args.concurrency = args.n or 200, args.concurrency or 20
        args.interval = args.interval or 0.0
        asyncio.run(run_pipeline(args))


if __name__ == "__main__":
    main()
