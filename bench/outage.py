"""Outage benchmark: Zendesk writes and Slack down for a while, then back. How soon is all sent?

In one process, on a simulated clock (no real minutes): a fake Zendesk and a fake Slack on
loopback, a fresh SQLite (or PostgreSQL) database, the real clients and the real worker. N
escalations arrive while Zendesk refuses writes and Slack answers 503; the worker runs a pass
every --step simulated seconds for the outage, then both services come back. Prints the calls
made to each service during the outage (probes, not a hammering), the simulated time from
recovery until every ticket is updated and every alert posted (target: within a minute), the
real time that catch-up took, anything doubled or dead, and what the leads channel was told.
With --rate-limit N, Zendesk comes back rate-limited: its next N writes get its recorded 429
(Retry-After: 1), and the figure to watch is the time from the first 429 until all is sent.

    python bench/outage.py --n 50 --minutes 10 [--rate-limit 40] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.demo.run import Clock  # noqa: E402
from bot.desk.roster import load_roster  # noqa: E402
from bot.events.zendesk import ZendeskEvent  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store import inbox  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.models import OutboxMessage  # noqa: E402
from bot.worker import Worker  # noqa: E402
from integrations.slack import SlackClient  # noqa: E402
from integrations.zendesk import ZendeskClient  # noqa: E402
from tests.fakes import slack_server  # noqa: E402
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk  # noqa: E402

ROUTING, LEADS = "C0ROUTING1", "C0LEADS001"
ROSTER = load_roster(ROOT / "examples" / "roster.toml")
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=ROSTER.timezone).astimezone(UTC)


def notes(fake: FakeZendesk, tid: int) -> int:
    return sum("[baton:" in c["body"] for c in fake.state.comments[tid])


async def run(n: int, minutes: float, step: float, rate_limit: int, database_url: str) -> None:
    zendesk = FakeZendesk().start()
    slack = slack_server.FakeSlack().start()
    clock = Clock(MONDAY_10)
    settings = Settings(
        database_url=database_url,
        slack_bot_token=slack_server.TOKEN,
        slack_api_url=slack.api_url,
        slack_routing_channel=ROUTING,
        slack_leads_channel=LEADS,
    )
    services = Services(
        settings=settings,
        db=Database(database_url),
        roster=ROSTER,
        zendesk=ZendeskClient(base_url=zendesk.url, email=EMAIL, token=TOKEN),
        slack=SlackClient.from_settings(settings),
        clock=clock,
    )
    tickets = list(range(60_000, 60_000 + n))
    for i, tid in enumerate(tickets):
        zendesk.add_escalation(
            tid, text=f"Meu saque TX-OUT{i:05d} de ontem não caiu.", requester_id=90_000 + i
        )
    zendesk.down(writes_only=True)
    slack.outage = 503
    async with services.db.session() as s:
        for tid in tickets:
            await inbox.store_event(
                s,
                event=ZendeskEvent(kind="trigger", ticket_id=tid),
                dedupe_key=f"bench:{tid}",
                now=clock(),
            )
    worker = Worker(services, timer_seconds=1e9)
    tick = timedelta(seconds=step)
    ends = clock.now + timedelta(minutes=minutes)
    while clock.now < ends:
        await worker.drain(max_passes=1000)
        clock.now += tick
    # Worst case: the services come back just after a probe found them down.
    puts = len(zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json"))
    while len(zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json")) == puts:
        clock.now += tick
        await worker.drain(max_passes=1000)
    writes_during = len(zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json"))
    slack_during = len([c for c in slack.calls if c.method.startswith("chat.")])
    outage = (clock.now - MONDAY_10).total_seconds() / 60

    zendesk.up()
    if rate_limit:
        zendesk.fail_next(rate_limit, writes_only=True)  # 429, Retry-After: 1
    slack.outage = None
    recovered, started = clock.now, time.perf_counter()

    def done() -> bool:
        posted = len(slack.messages.get(ROUTING, []))
        return posted >= n and all(notes(zendesk, t) for t in tickets)

    first_write = None  # with --rate-limit, the first 429
    while not done() and clock.now < recovered + timedelta(minutes=30):
        await worker.drain(max_passes=1000)
        puts = len(zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json"))
        if first_write is None and puts > writes_during:
            first_write = clock.now
        if not done():
            clock.now += tick
    caught_up = (clock.now - recovered).total_seconds()
    after_429 = (clock.now - (first_write or recovered)).total_seconds()
    wall = time.perf_counter() - started
    await worker.drain(max_passes=1000)

    doubled_notes = sum(notes(zendesk, t) > 1 for t in tickets)
    posts = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for msgs in slack.messages.values()
        for m in msgs
    )
    doubled_posts = sum(1 for key, count in posts.items() if key and count > 1)
    async with services.db.session() as s:
        dead = await s.scalar(select(func.count()).where(OutboxMessage.status == "dead"))
    leads = [m["text"] for m in reversed(slack.messages.get(LEADS, []))]

    print(f"escalations                         {n}")
    print(
        f"outage (Zendesk writes + Slack)     {outage:.1f} min simulated, a pass every {step:g} s"
    )
    print("recovery                            just after a probe found them down (worst case)")
    print(f"Zendesk writes tried during outage  {writes_during}")
    print(f"Slack chat.* calls during outage    {slack_during}")
    print(f"recovery -> all updated and alerted {caught_up:.0f} s simulated (target <= 60 s)")
    if rate_limit:
        print(f"Zendesk 429s after recovery         {rate_limit} (Retry-After: 1)")
        print(f"first 429 -> all updated            {after_429:.0f} s simulated (target <= 60 s)")
    print(f"catch-up wall time                  {wall:.2f} s")
    print(f"notes doubled / posts doubled       {doubled_notes} / {doubled_posts}")
    print(f"dead rows                           {dead}")
    print(f"leads channel got                   {len(leads)} notice(s):")
    for text in leads:
        print(f"  - {text[:150]}")

    await services.db.dispose()
    zendesk.stop()
    slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50, help="escalations (default 50)")
    parser.add_argument("--minutes", type=float, default=10, help="outage length (default 10)")
    parser.add_argument("--step", type=float, default=5, help="simulated s per pass (default 5)")
    parser.add_argument(
        "--rate-limit", type=int, default=0, help="429s to Zendesk's next writes after recovery"
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the figures, not the worker's retry logs
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/outage.db"
        dbmod.upgrade(url)
        asyncio.run(run(args.n, args.minutes, args.step, args.rate_limit, url))


if __name__ == "__main__":
    main()
