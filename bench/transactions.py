"""Transactions benchmark: lookup latency through the SQL adapter on a large back-office table.

Fills a PostgreSQL database of its own (created if missing) with --rows transactions in a
back office's own names and words (the fake back office's: `payments`, `txn_ref`, `psp_ref`,
`client_id`, `client_email`, `amount_cents`, `state = 'PAID'`…) with one bulk COPY, builds the
indexes a production table needs (README "Transactions"), then times --lookups lookups by each
key (transaction id, provider reference, customer id, e-mail, and a customer's second page)
through SqlTransactions over random existing keys, one at a time, and prints p50/p99/max.
Then (--e2e N, default 300) it starts Baton's web app in-process against a fake Slack, with
that table as its source, and sends N signed `/baton txn <key>` commands one at a time,
timing each from the request until its answer reaches the response_url.
A table already holding --rows rows is reused unless --refill.

    python bench/transactions.py [--rows 10000000] [--lookups 2000] [--e2e 300]
        [--database-url postgresql://postgres@127.0.0.1:5432/baton_bench_transactions]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psycopg  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import BatonConfig, Settings  # noqa: E402
from bot.desk.roster import load_roster  # noqa: E402
from bot.domain import LookupBy  # noqa: E402
from bot.services import Services, Unconfigured  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store.db import Database  # noqa: E402
from integrations.slack import SlackClient  # noqa: E402
from integrations.transactions import SqlTransactions  # noqa: E402
from tests.fakes.backoffice_server import backoffice_config  # noqa: E402
from tests.fakes.slack_server import TOKEN, FakeSlack  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baton_bench_transactions"
PAGE = 5  # bot/transactions/lookup.PAGE_SIZE: what /baton txn asks for
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)

CURRENCIES = ("BRL", "BRL", "BRL", "USD", "EUR", "CNY", "RUB")
KINDS = ("DEP", "DEP", "DEP", "WDR", "WDR", "CRD", "DBT", "RFD", "CHB")
STATES = ("PAID",) * 14 + ("PEND", "PROC", "FAIL", "FAIL", "REVD", "CANC")
PSPS = (("pagbank", "pix"), ("stone", "card"), ("adyen", "card"), ("wise", "bank_transfer"),
        ("alipay", "e_wallet"), ("yoomoney", "e_wallet"), ("binance", "crypto"))  # fmt: skip
ERRORS = (
    "insufficient_funds",
    "provider_timeout",
    "kyc_pending",
    "name_mismatch",
    "limit_exceeded",
)

DDL = """
CREATE TABLE payments (
    txn_ref      text NOT NULL,
    psp_ref      text,
    client_id    text NOT NULL,
    client_email text NOT NULL,
    kind         text NOT NULL,
    amount_cents bigint NOT NULL,
    ccy          char(3) NOT NULL,
    state        text NOT NULL,
    psp          text,
    method       text,
    error_code   text,
    created      timestamptz NOT NULL,
    updated      timestamptz
)
"""
# The indexes a production table needs for Baton's lookups (newest first, keyset paging).
INDEXES = (
    "ALTER TABLE payments ADD CONSTRAINT payments_pkey PRIMARY KEY (txn_ref)",
    "CREATE INDEX payments_psp_ref ON payments (psp_ref)",
    "CREATE INDEX payments_client_created ON payments (client_id, created DESC, txn_ref DESC)",
    "CREATE INDEX payments_email_created ON payments (client_email, created DESC, txn_ref DESC)",
)
COLUMNS = (
    "txn_ref, psp_ref, client_id, client_email, kind, amount_cents, ccy, state, psp, method, "
    "error_code, created, updated"
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def customers_for(rows: int) -> int:
    return max(1, rows // 25)  # ~25 transactions per customer; some have many more


def txn_ref(i: int) -> str:
    return f"TX{i:09d}"


def psp_ref(i: int) -> str:
    return f"E{(i * 7919) % 10**12:012d}{i:09d}"


def customer_of(i: int, customers: int) -> int:
    # Skewed: a quarter of the rows belong to 1% of the customers (the VIPs trade a lot).
    if i % 4 == 0:
        return (i * 2654435761) % max(1, customers // 100)
    return (i * 2246822519) % customers


def client(c: int) -> tuple[str, str]:
    return f"C{c:08d}", f"client{c:08d}@example.com"


def fill(conn: psycopg.Connection, rows: int) -> float:
    """COPY rows into a fresh payments table; returns the seconds it took."""
    customers = customers_for(rows)
    start, span = int(START.timestamp()), int(SPAN.total_seconds())
    days: dict[int, str] = {}

    def clock(second: int) -> str:  # strftime per row would be half the fill's time
        day, rest = divmod(second, 86400)
        if (prefix := days.get(day)) is None:
            prefix = days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        h, rest = divmod(rest, 3600)
        return f"{prefix} {h:02d}:{rest // 60:02d}:{rest % 60:02d}+00"

    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS payments")
        cur.execute(DDL)
        with cur.copy(f"COPY payments ({COLUMNS}) FROM STDIN") as copy:
            chunk: list[str] = []
            for i in range(rows):
                cid, email = client(customer_of(i, customers))
                state = STATES[i % len(STATES)]
                psp, method = PSPS[(i // 3) % len(PSPS)]
                second = start + (i * span) // rows
                stamp, updated = clock(second), clock(second + 180)
                error = ERRORS[i % len(ERRORS)] if state == "FAIL" else "\\N"
                chunk.append(
                    f"{txn_ref(i)}\t{psp_ref(i)}\t{cid}\t{email}\t{KINDS[i % len(KINDS)]}\t"
                    f"{1000 + (i * 7727) % 5_000_000}\t{CURRENCIES[i % len(CURRENCIES)]}\t{state}\t"
                    f"{psp}\t{method}\t{error}\t{stamp}\t{updated}\n"
                )
                if len(chunk) == 50_000:
                    copy.write("".join(chunk))
                    chunk.clear()
                    if (i + 1) % 1_000_000 == 0:
                        print(
                            f"  {i + 1:>11,} rows  {time.perf_counter() - started:6.0f} s",
                            flush=True,
                        )
            if chunk:
                copy.write("".join(chunk))
    conn.commit()
    return time.perf_counter() - started


def build_indexes(conn: psycopg.Connection) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for ddl in INDEXES:
            cur.execute(ddl)
            conn.commit()
            print(f"  {ddl[:72]}…: "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        cur.execute("ANALYZE payments")
    conn.commit()
    return time.perf_counter() - started


def ensure_database(url: str) -> None:
    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{u.database}"')
            print(f"created database {u.database}")


def existing_rows(conn: psycopg.Connection) -> int:
    if conn.execute("SELECT to_regclass('payments')").fetchone() == (None,):
        return -1
    row = conn.execute("SELECT count(*) FROM payments").fetchone()
    return int(row[0]) if row else -1


async def measure(url: str, rows: int, lookups: int, seed: int) -> dict[str, list[float]]:
    source = SqlTransactions(url, backoffice_config(timeout_seconds=5))
    await source.check()
    rnd = random.Random(seed)
    customers = customers_for(rows)
    timings: dict[str, list[float]] = {}
    found: dict[str, int] = {}

    async def timed(name: str, by: LookupBy, value: str, cursor: str | None = None) -> str | None:
        started = time.perf_counter()
        page = await source.find(by, value, limit=PAGE, cursor=cursor)
        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        found[name] = found.get(name, 0) + len(page.transactions)
        return page.next_cursor

    try:
        for _ in range(50):  # warm the pool and the planner's caches
            await source.find(LookupBy.ID, txn_ref(rnd.randrange(rows)), limit=PAGE)
        for _ in range(lookups):
            i = rnd.randrange(rows)
            cid, email = client(customer_of(i, customers))
            await timed("id", LookupBy.ID, txn_ref(i))
            await timed("provider_reference", LookupBy.PROVIDER_REFERENCE, psp_ref(i))
            await timed("email", LookupBy.EMAIL, email)
            if (cursor := await timed("customer_id", LookupBy.CUSTOMER_ID, cid)) is not None:
                await timed("customer_id, page 2", LookupBy.CUSTOMER_ID, cid, cursor)
    finally:
        await source.close()
    for name, count in found.items():
        if count == 0:
            raise SystemExit(f"lookups by {name} found nothing: the data and the keys disagree")
    return timings


SECRET = "bench-signing-secret"
ANALYST = "U05ANA0001"  # examples/roster.toml: analyst and lead


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
    }


def _command(fake: FakeSlack, i: int, query: str) -> str:
    return urlencode(
        {
            "token": "bench",
            "team_id": "T0BENCH01",
            "team_domain": "bench",
            "channel_id": "C0BENCH01",
            "channel_name": "bench",
            "user_id": ANALYST,
            "user_name": "ana",
            "command": "/baton",
            "text": f"txn {query}",
            "api_app_id": "A0BATON001",
            "response_url": fake.response_url(f"txn-{i}"),
            "trigger_id": f"{i}.bench.trigger",
        }
    )


async def end_to_end(url: str, rows: int, n: int, seed: int) -> tuple[list[float], str]:
    """n signed `/baton txn` commands, one at a time: ms from request to the posted answer."""
    fake = FakeSlack().start()
    rnd = random.Random(seed)
    customers = customers_for(rows)
    timings: list[float] = []
    sample = ""
    with tempfile.TemporaryDirectory() as tmp:
        baton_url = f"sqlite:///{tmp}/baton.db"
        dbmod.upgrade(baton_url)
        config = backoffice_config(timeout_seconds=5)
        settings = Settings(
            database_url=baton_url,
            config=BatonConfig(transactions=config),
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake.api_url,
            transactions_database_url=url,
        )
        services = Services(
            settings=settings,
            db=Database(baton_url),
            roster=load_roster(ROOT / "examples" / "roster.toml"),
            zendesk=Unconfigured("zendesk"),
            slack=SlackClient.from_settings(settings),
            transactions=SqlTransactions(url, config),
        )
        runner = web.AppRunner(create_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = f"http://127.0.0.1:{port}/slack/events"
        async with aiohttp.ClientSession() as http:
            for i in range(-20, n):  # 20 warm-up commands first
                j = rnd.randrange(rows)
                cid, email = client(customer_of(j, customers))
                query = (txn_ref(j), psp_ref(j), email, cid)[i % 4]
                body = _command(fake, i, query)
                before = len(fake.called("response_url"))
                started = time.perf_counter()
                async with http.post(endpoint, data=body.encode(), headers=_signed(body)) as r:
                    await r.read()
                deadline = time.monotonic() + 10
                while len(fake.called("response_url")) == before:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"no answer to `/baton txn` within 10 s (HTTP {r.status})")
                    await asyncio.sleep(0.0005)
                if i >= 0:
                    timings.append((time.perf_counter() - started) * 1000)
                    sample = sample or str(fake.called("response_url")[-1].params)[:300]
        await runner.cleanup()
    fake.stop()
    return timings, sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000, help="transactions (default 10M)")
    ap.add_argument("--lookups", type=int, default=2000, help="lookups per key (default 2000)")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_TRANSACTIONS_DATABASE_URL", DEFAULT_URL),
        help=f"a PostgreSQL database of the benchmark's own (default {DEFAULT_URL})",
    )
    ap.add_argument("--e2e", type=int, default=300, help="/baton txn commands (0: none)")
    ap.add_argument("--refill", action="store_true", help="refill even if the table is full")
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    if make_url(args.database_url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL")
    ensure_database(args.database_url)
    conninfo = make_url(args.database_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        have = existing_rows(conn)
        conn.commit()
        if have == args.rows and not args.refill:
            print(f"reusing payments with {have:,} rows")
        else:
            print(f"filling payments with {args.rows:,} rows (COPY)…", flush=True)
            took = fill(conn, args.rows)
            print(f"filled in {took:.0f} s ({args.rows / took:,.0f} rows/s); indexes…", flush=True)
            print(f"indexed in {build_indexes(conn):.0f} s", flush=True)
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('payments'))").fetchone()
    timings = asyncio.run(measure(args.database_url, args.rows, args.lookups, args.seed))
    print(f"\n{args.rows:,} rows ({size[0] if size else '?'} with indexes), "
          f"page of {PAGE}, lookups one at a time through SqlTransactions:")  # fmt: skip
    print(f"  {'key':<22}{'lookups':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, values in timings.items():
        print(f"  {name:<22}{len(values):>8}{pct(values, 0.5):>9.2f}{pct(values, 0.99):>9.2f}"
              f"{max(values):>9.2f}")  # fmt: skip
    if args.e2e > 0:
        e2e, sample = asyncio.run(end_to_end(args.database_url, args.rows, args.e2e, args.seed))
        print(f"\n/baton txn end to end (signed request -> answer at the response_url), "
              f"{len(e2e)} commands one at a time:")  # fmt: skip
        print(f"  p50 {pct(e2e, 0.5):.1f} ms  p99 {pct(e2e, 0.99):.1f} ms  max {max(e2e):.1f} ms")
        print(f"  first answer: {sample}")


if __name__ == "__main__":
    main()
