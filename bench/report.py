"""Report benchmark: the weekly and monthly reports over a million stored escalations.

Fills a PostgreSQL database of its own (created if missing, migrated to head) with --rows
escalations spread over the last --days days, about 85% of them resolved and logged with a root
cause (a third of those avoidable, with what the outsourcing team lacked), by bulk COPY; then
builds each report --repeat times through ``bot.reports`` and prints the best and median
seconds, the rows in the period, and the peak Python memory of one build (tracemalloc) next to
the process's peak RSS. Memory must not grow with the rows: the numbers are aggregated in SQL.
A table already holding --rows escalations is reused unless --refill.

    python bench/report.py [--rows 1000000] [--days 365] [--repeat 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/baton_bench_report]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.desk.roster import load_roster  # noqa: E402
from bot.domain import Lacked, RootCause  # noqa: E402
from bot.reports.run import load_report  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store.db import Database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baton_bench_report"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CATEGORIES = ("deposit", "withdrawal", "kyc", "compliance", "account", "other")
LANGUAGES = ("pt", "pt", "pt", "en", "es", "zh", "ru")
CAUSES = [c.value for c in RootCause]
ANALYSTS = ("ana", "bruno", "carla", "diego", "eduarda", "felipe")
AGENTS = 400


def ensure_database(url: str) -> None:
    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{u.database}"')
            print(f"created database {u.database}")


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def fill(conn: psycopg.Connection, rows: int, days: int, seed: int) -> float:
    """COPY escalations and their resolutions; returns the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    span = days * 86400
    conn.execute("TRUNCATE resolutions, escalations RESTART IDENTITY CASCADE")
    esc_cols = (
        "id, ticket_id, status, category, vip, language, subject, agent_id, analyst_key, "
        "received_at, desk_started_at, claimed_at, first_response_at, resolved_at, sla_due_at, "
        "updated_at"
    )
    res_cols = (
        "escalation_id, root_cause, summary, outcome, avoidable, lacked, zendesk_status, "
        "resolved_by, resolved_at, amendments"
    )
    resolutions: list[str] = []
    with conn.cursor() as cur:
        with cur.copy(f"COPY escalations ({esc_cols}) FROM STDIN") as copy:
            chunk: list[str] = []
            # Oldest first, as a live table grows: rows near in time share pages.
            offsets = sorted((rng.randrange(span) for _ in range(rows)), reverse=True)
            for i, offset in enumerate(offsets, start=1):
                received = NOW - timedelta(seconds=offset)
                desk = received + timedelta(seconds=rng.randrange(0, 1800))
                claimed = desk + timedelta(seconds=rng.randrange(60, 3600))
                resolved = (
                    claimed + timedelta(seconds=int(rng.expovariate(1 / 14400)))
                    if rng.random() < 0.88
                    else None
                )
                due = desk + timedelta(hours=8)
                status = "resolved" if resolved else "claimed"
                chunk.append(
                    "\t".join(
                        (
                            str(i),
                            str(10_000_000 + i),
                            status,
                            rng.choice(CATEGORIES),
                            "t" if rng.random() < 0.2 else "f",
                            rng.choice(LANGUAGES),
                            "Saque pendente",
                            str(900_000 + rng.randrange(AGENTS)),
                            rng.choice(ANALYSTS),
                            stamp(received),
                            stamp(desk),
                            stamp(claimed),
                            stamp(claimed + timedelta(minutes=5)),
                            stamp(resolved) if resolved else r"\N",
                            stamp(due),
                            stamp(resolved or claimed),
                        )
                    )
                    + "\n"
                )
                if resolved and rng.random() < 0.97:
                    avoidable = rng.random() < 0.33
                    lacked = (
                        rng.sample([w.value for w in Lacked], rng.randint(1, 2))
                        if avoidable
                        else []
                    )
                    closed_in_zendesk = rng.random() < 0.03
                    resolutions.append(
                        stamp(resolved)
                        + "|"
                        + "\t".join(
                            (
                                str(i),
                                "other" if closed_in_zendesk else rng.choice(CAUSES),
                                "Resolved",
                                "funds_credited",
                                "t" if avoidable else "f",
                                json.dumps(lacked),
                                "solved",
                                "zendesk" if closed_in_zendesk else rng.choice(ANALYSTS),
                                stamp(resolved),
                                "0",
                            )
                        )
                        + "\n"
                    )
                if len(chunk) >= 20_000:
                    copy.write("".join(chunk))
                    chunk.clear()
            copy.write("".join(chunk))
        resolutions.sort()  # stored as they happen: by the time they were resolved
        with cur.copy(f"COPY resolutions ({res_cols}) FROM STDIN") as copy:
            for start in range(0, len(resolutions), 20_000):
                batch = resolutions[start : start + 20_000]
                copy.write("".join(r.split("|", 1)[1] for r in batch))
    conn.execute("SELECT setval('escalations_id_seq', %s)", (rows,))
    conn.commit()
    conn.execute("ANALYZE escalations")
    conn.execute("ANALYZE resolutions")
    conn.commit()
    return time.perf_counter() - started


def drop_index(conn: psycopg.Connection) -> None:
    """For comparison: without migration 0008's index every report reads the whole table."""
    conn.execute("DROP INDEX IF EXISTS ix_escalations_received_at")
    conn.commit()


def existing_rows(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM escalations").fetchone()
    return int(row[0]) if row else 0


async def measure(url: str, spec: str, repeat: int) -> tuple[list[float], int, int]:
    """Seconds per build, the period's escalations, and one build's peak traced bytes."""
    roster = load_roster(ROOT / "examples" / "roster.toml")
    database = Database(url)
    times: list[float] = []
    try:
        await load_report(database, roster=roster, spec=spec, now=NOW)  # warm the pool and cache
        for _ in range(repeat):
            started = time.perf_counter()
            report = await load_report(database, roster=roster, spec=spec, now=NOW)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        await load_report(database, roster=roster, spec=spec, now=NOW)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        await database.dispose()
    return times, report.headline.escalations, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="drop the index on received_at (migration 0008) to see what it is worth",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

    ensure_database(args.database_url)
    dbmod.upgrade(args.database_url)
    with psycopg.connect(plain(args.database_url)) as conn:
        if args.refill or existing_rows(conn) != args.rows:
            print(f"filling escalations with {args.rows:,} rows over {args.days} days (COPY)…")
            print(f"  filled in {fill(conn, args.rows, args.days, args.seed):.1f} s")
        if args.no_index:
            drop_index(conn)
        else:  # put back what an earlier --no-index run dropped
            conn.execute(
                "CREATE INDEX IF NOT EXISTS ix_escalations_received_at ON escalations (received_at)"
            )
            conn.commit()
    for spec in ("week", "month"):
        times, rows, peak = asyncio.run(measure(args.database_url, spec, args.repeat))
        print(
            f"{spec:>5}: {rows:>8,} escalations in the period; best {min(times):.3f} s, "
            f"median {statistics.median(times):.3f} s over {len(times)} runs; "
            f"peak traced memory {peak / 1024:.0f} KiB"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB (interpreter, SQLAlchemy and psycopg included)")


if __name__ == "__main__":
    main()
