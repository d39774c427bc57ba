"""Burst benchmark: a provider outage's wave of escalations against Zendesk's account limit.

Starts a fake Zendesk that enforces an account limit (default 400 requests a minute, in fixed
windows, with Zendesk's rate-limit headers and its recorded 429), a fake Slack, `baton serve`
and --workers `baton worker` processes on a fresh database; sends N signed escalation webhooks
(default 300, 20% VIP) within seconds; waits until every ticket is routed, alerted in Slack and
updated in Zendesk. Prints the time until all are alerted and all updated against the bounds
the limit sets (N reads, then N writes), webhook -> first Slack alert p50/p99 for VIP and
others, the 429s spent, and Zendesk calls per escalation. Loopback only.

    python bench/burst.py [--n 300] [--limit 400] [--workers 1] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.intake import SECRET, admin, free_port, pct, send_all, wait_healthy  # noqa: E402
from bot.config.database import sync_url  # noqa: E402
from tests.fakes import slack_server  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk  # noqa: E402

CHANNEL, VIP_CHANNEL, LEADS = "C0BENCHROUT", "C0BENCHVIP1", "C0BENCHLEAD"
ALERTS = (":channel", ":dm:", ":leads")  # the first of these tells someone the case is there


def is_vip(i: int, share: float) -> bool:
    """Spread evenly: the i-th escalation is VIP when it brings the VIP count up by one."""
    return int((i + 1) * share) > int(i * share)


def seed(fake: FakeZendesk, n: int, vip_share: float) -> dict[int, bool]:
    """N deposit escalations, complete (no comments read), vip_share of them VIP."""
    vip: dict[int, bool] = {}
    for i in range(n):
        tid = 70_000 + i
        vip[tid] = is_vip(i, vip_share)
        fake.add_escalation(
            tid,
            tags=("esc_senior", "esc_deposit_missing", *(("vip",) if vip[tid] else ())),
            subject="Depósito não creditado",
            text=f"Fiz um Pix de R$ 150,00 ontem (TX-BURST{i:05d}) e o saldo não mudou.",
            requester_id=90_000 + i,
        )
    return vip


def _trigger(tid: int, vip: bool) -> bytes:
    tags = ["esc_senior", "esc_deposit_missing", *(["vip"] if vip else [])]
    body = {
        "ticket_id": str(tid),
        "event": "esc_senior",
        "updated_at": "2026-11-16T12:00:00Z",
        "agent_id": "500101",
        "attachments": "",
        "tags": " ".join(tags),
    }
    return json.dumps(body).encode()


def tickets_of(db_url: str) -> dict[int, int]:
    """Escalation id -> ticket id."""
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, ticket_id FROM escalations")).all()
    finally:
        engine.dispose()
    return {int(e): int(t) for e, t in rows}


def first_alerts(slack: FakeSlack, by_esc: dict[int, int]) -> dict[int, float]:
    """Ticket -> when its first alert (channel, DM or leads) reached Slack."""
    out: dict[int, float] = {}
    for request in list(slack.requests):
        if slack_server.api_method(request) != "chat.postMessage":
            continue
        params = slack_server.params_of(request)
        key = str(((params.get("metadata") or {}).get("event_payload") or {}).get("key") or "")
        parts = key.split(":")
        if key.startswith("slack:esc:") and any(a in key + ":" for a in ALERTS):
            tid = by_esc.get(int(parts[2]))
            if tid is not None:
                out.setdefault(tid, request.at)
    return out


def first_updates(fake: FakeZendesk) -> dict[int, float]:
    out: dict[int, float] = {}
    for r in list(fake.requests):
        if r.method == "PUT" and r.path.startswith("/api/v2/tickets/"):
            out.setdefault(int(r.path.rsplit("/", 1)[-1].split(".")[0]), r.at)
    return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="escalations (default 300)")
    ap.add_argument("--vip", type=float, default=0.2, help="share of VIPs (default 0.2)")
    ap.add_argument("--limit", type=int, default=400, help="Zendesk requests a minute (400)")
    ap.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--concurrency", type=int, default=32, help="webhooks in flight (32)")
    ap.add_argument("--worker-concurrency", type=int, default=8, help="each worker's slots (8)")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    args = ap.parse_args()

    zendesk = FakeZendesk(rate_limit=args.limit).start()
    slack = FakeSlack().start()
    vip = seed(zendesk, args.n, args.vip)
    tmp = tempfile.mkdtemp(prefix="baton-burst-")
    db_url = args.database_url or f"sqlite:///{tmp}/burst.db"
    scratch = None
    if db_url.startswith("postgres"):
        scratch = f"baton_burst_{os.getpid()}"
        admin(db_url, f"CREATE DATABASE {scratch}")
        db_url = str(make_url(db_url).set(database=scratch).render_as_string(hide_password=False))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        "BATON_SECRET_KEY": "bench-secret-key-0123456789",
        "ZENDESK_URL": zendesk.url,
        "ZENDESK_EMAIL": EMAIL,
        "ZENDESK_API_TOKEN": TOKEN,
        "ZENDESK_WEBHOOK_SECRET": SECRET,
        "SLACK_BOT_TOKEN": slack_server.TOKEN,
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": slack.api_url,
        "SLACK_ROUTING_CHANNEL": CHANNEL,
        "SLACK_VIP_CHANNEL": VIP_CHANNEL,
        "SLACK_LEADS_CHANNEL": LEADS,
    }
    env.pop("BATON_CONFIG", None)
    baton = [sys.executable, "-m", "bot", "--log-level", "WARNING"]
    subprocess.run(
        [*baton, "db", "upgrade"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    web = subprocess.Popen([*baton, "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT)
    workers = [
        subprocess.Popen(
            [*baton, "worker", "--concurrency", str(args.worker_concurrency)], env=env, cwd=ROOT
        )
        for _ in range(args.workers)
    ]
    url = f"http://127.0.0.1:{port}"
    ids = sorted(vip)
    try:
        await wait_healthy(url, time.monotonic() + 60)
        await asyncio.sleep(2)  # the workers load their language models first
        zendesk.requests.clear()
        sends = [(t, _trigger(t, vip[t]), f"burst-{t}") for t in ids]
        t0 = time.time()
        sent_at, _acks, _answers = await send_all(url, sends, args.concurrency)
        sent_in = time.time() - t0
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if len(first_updates(zendesk)) >= args.n:
                break
            await asyncio.sleep(0.5)
        by_esc = await asyncio.to_thread(tickets_of, db_url)
        alerted = first_alerts(slack, by_esc)
    finally:
        for proc in (web, *workers):
            proc.terminate()
        for proc in (web, *workers):
            proc.wait(timeout=30)
        zendesk.stop()
        slack.stop()
        if scratch:
            admin(args.database_url, f"DROP DATABASE IF EXISTS {scratch}")

    updated = first_updates(zendesk)
    calls = [r for r in zendesk.requests if r.path.startswith("/api/")]
    refused = zendesk.refused
    answered = len(calls) - refused
    read_bound = args.n / args.limit * 60
    bound = 2 * args.n / args.limit * 60
    lat = {t: alerted[t] - sent_at[t] for t in ids if t in alerted}
    vips = [v for t, v in lat.items() if vip[t]]
    others = [v for t, v in lat.items() if not vip[t]]
    backend = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    last_alert = max(alerted.values(), default=t0) - t0
    last_update = max(updated.values(), default=t0) - t0
    print(
        f"burst benchmark: {args.n} escalations ({len(vips)} VIP alerted of "
        f"{sum(vip.values())}), Zendesk limit {args.limit}/min, {backend}, "
        f"{args.workers} worker(s) x {args.worker_concurrency} slots; webhooks sent in "
        f"{sent_in:.1f} s"
    )
    print(
        f"  all alerted:   {len(alerted)}/{args.n} after {last_alert:.0f} s "
        f"(reads alone need {read_bound:.0f} s at the limit)"
    )
    print(
        f"  all updated:   {len(updated)}/{args.n} after {last_update:.0f} s "
        f"(the limit allows {bound:.0f} s; {last_update / bound:.2f}x the bound)"
    )
    print(f"  webhook -> alert, VIP:    p50 {pct(vips, 0.5):.1f} s, p99 {pct(vips, 0.99):.1f} s")
    print(
        f"  webhook -> alert, others: p50 {pct(others, 0.5):.1f} s, p99 {pct(others, 0.99):.1f} s"
    )
    every = list(lat.values())
    print(f"  webhook -> alert, all:    p50 {pct(every, 0.5):.1f} s, p99 {pct(every, 0.99):.1f} s")
    print(
        f"  Zendesk calls: {len(calls)} ({refused} refused with 429 = "
        f"{refused / max(1, len(calls)):.1%}); {answered / max(1, args.n):.2f} answered calls "
        "per escalation"
    )
    if len(updated) < args.n or len(alerted) < args.n:
        raise SystemExit("not every escalation was alerted and updated in time")


if __name__ == "__main__":
    asyncio.run(main())
