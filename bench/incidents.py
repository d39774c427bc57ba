"""Provider-incident benchmark: a simulated day with a 300-ticket wave from one provider.

In one process, on a simulated clock: a fake Zendesk on loopback that enforces a per-minute
request limit (429 with Retry-After once the minute's budget is spent, like Zendesk's account
limit), a fresh SQLite (or PostgreSQL) database, the real zenpy client and the real worker
(its incident pass on a 5-second beat). Normal escalations arrive all day, about providers
named at random (or none); for an hour one provider fails and --wave tickets about it arrive.
Prints how long after the min_escalations-th wave ticket the incident opened (simulated
seconds, beat included), the grouping's precision and recall against the truth the bench
generated, and how long the bulk resolution of the wave took against the bound the limit
sets (replies / limit per minute), with any reply sent twice.

    python bench/incidents.py [--wave 300] [--normal 200] [--limit 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.config import BatonConfig, Settings  # noqa: E402
from bot.config.incidents import IncidentsConfig  # noqa: E402
from bot.demo.run import Clock  # noqa: E402
from bot.desk.permissions import Actor  # noqa: E402
from bot.desk.roster import load_roster  # noqa: E402
from bot.domain import Role, RootCause  # noqa: E402
from bot.events.zendesk import ZendeskEvent  # noqa: E402
from bot.incidents import resolve as incident_resolve  # noqa: E402
from bot.incidents.replies import ReplyTemplate  # noqa: E402
from bot.incidents.runner import IncidentPass  # noqa: E402
from bot.services import Services, Unconfigured  # noqa: E402
from bot.store import db as dbmod  # noqa: E402
from bot.store import inbox  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.models import Escalation, Incident, IncidentLink  # noqa: E402
from bot.worker import Worker  # noqa: E402
from integrations.zendesk import ZendeskClient  # noqa: E402
from tests.fakes.base import Answer, Request  # noqa: E402
from tests.fakes.zendesk_server import EMAIL, RATE_LIMITED, TOKEN, FakeZendesk  # noqa: E402

ROSTER = load_roster(ROOT / "examples" / "roster.toml")
DAY = datetime(2026, 11, 16, 0, 0, tzinfo=ROSTER.timezone).astimezone(UTC)
WAVE_AT = DAY + timedelta(hours=10)
PROVIDERS = ("stark", "pix", "tron", "adyen")
FAILING = "stark"
BEAT = timedelta(seconds=5)  # the worker's timer beat (Worker.timer_seconds)
TEXTS = {
    "esc_withdrawal": "Meu saque via {p} TX-{n:06d} de ontem ainda não caiu.",
    "esc_tx_failed": "My payment with {p} failed today, reference TX-{n:06d}.",
}


class LimitedZendesk(FakeZendesk):
    """The fake Zendesk with an account limit: `limit` requests a minute of the simulated
    clock; past it, the recorded 429 with Retry-After until the minute ends."""

    def __init__(self, clock: Clock, limit: int) -> None:
        super().__init__()
        self.clock, self.limit = clock, limit
        self._window: datetime | None = None
        self._used = 0
        self.refused = 0
        self._limit_lock = threading.Lock()

    def route(self, request: Request) -> Answer:
        now = self.clock()
        with self._limit_lock:
            minute = now.replace(second=0, microsecond=0)
            if minute != self._window:
                self._window, self._used = minute, 0
            if self._used >= self.limit:
                self.refused += 1
                wait = max(1, int((minute + timedelta(minutes=1) - now).total_seconds()))
                headers = {**RATE_LIMITED["headers"], "Retry-After": str(wait)}
                return 429, headers, RATE_LIMITED["body"]
            self._used += 1
        return super().route(request)


def arrivals(
    wave: int, normal: int, seed: int
) -> list[tuple[datetime, int, str, str | None, bool]]:
    """(when, ticket, category tag, provider named, in the wave) for the whole day."""
    rng = random.Random(seed)
    out = []
    for i in range(normal):
        at = DAY + timedelta(seconds=rng.uniform(0, 24 * 3600))
        provider = rng.choice((*PROVIDERS, None))
        if provider == FAILING and WAVE_AT <= at < WAVE_AT + timedelta(hours=1):
            provider = "pix"  # the failing provider's tickets in that hour are the wave
        out.append((at, 70_000 + i, rng.choice(tuple(TEXTS)), provider, False))
    for i in range(wave):
        at = WAVE_AT + timedelta(seconds=rng.uniform(0, 3600))
        tag = "esc_withdrawal" if rng.random() < 0.7 else "esc_tx_failed"
        out.append((at, 80_000 + i, tag, FAILING, True))
    return sorted(out)


async def run(wave: int, normal: int, limit: int, database_url: str, seed: int) -> None:
    clock = Clock(DAY)
    zendesk = LimitedZendesk(clock, limit).start()
    # Replies paced at 90 % of the limit: the rest is the day's other Zendesk traffic.
    pace = max(1, int(limit * 0.9))
    config = BatonConfig(incidents=IncidentsConfig(providers=PROVIDERS, replies_per_minute=pace))
    services = Services(
        settings=Settings(database_url=database_url, config=config),
        db=Database(database_url),
        roster=ROSTER,
        zendesk=ZendeskClient(base_url=zendesk.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
        clock=clock,
    )
    min_n = config.incidents.min_escalations
    day = arrivals(wave, normal, seed)
    for _at, tid, tag, provider, _ in day:
        words = f"{provider.title()} problem" if provider else "Problem with my account money"
        zendesk.add_escalation(
            tid,
            tags=("esc_senior", tag),
            subject=words,
            text=TEXTS[tag].format(p=provider or "o app", n=tid),
            requester_id=tid + 100_000,
        )
    worker = Worker(services, timer_seconds=1e9)  # the bench drives the beat itself
    incidents = IncidentPass(services)
    lead = next(a for a in ROSTER.analysts if a.has_role(Role.LEAD))
    form = incident_resolve.IncidentForm(
        root_cause=RootCause.PROVIDER_FAILURE,
        summary=f"{FAILING} settlement outage",
        template=ReplyTemplate.PROCESSED,
    )
    # The desk resolves the incident a quarter of an hour after the provider is back.
    resolve_at = WAVE_AT + timedelta(minutes=75)
    next_beat: datetime | None = None
    resolution: dict[str, Any] = {}
    started = time.perf_counter()

    async def beat_until(when: datetime) -> None:
        # The worker's beats between arrivals; one with nothing new since the last does
        # nothing, so only the first beat after an arrival is run.
        nonlocal next_beat
        if next_beat is not None and next_beat <= when:
            clock.now = next_beat
            if await incidents.run():
                await worker.drain(max_passes=1000)
            next_beat = None

    async def arrive(at: datetime, tid: int) -> None:
        nonlocal next_beat
        await beat_until(at)
        clock.now = max(clock.now, at)
        async with services.db.session() as s:
            event = ZendeskEvent(kind="trigger", ticket_id=tid)
            await inbox.store_event(s, event=event, dedupe_key=f"bench:{tid}", now=clock.now)
        await worker.drain(max_passes=1000)
        if next_beat is None:
            seconds = BEAT.total_seconds()
            offset = (clock.now - DAY).total_seconds()
            next_beat = DAY + timedelta(seconds=(offset // seconds + 1) * seconds)

    async def resolve_wave(pending: list[tuple[datetime, int]]) -> None:
        await beat_until(resolve_at)
        clock.now = max(clock.now, resolve_at)
        total = 0
        async with services.db.session() as s:
            opened = list(await s.scalars(select(Incident).where(Incident.status == "open")))
            for inc in opened:
                done = await incident_resolve.resolve(
                    s,
                    services,
                    incident_id=inc.id,
                    actor=Actor(slack_id=lead.slack_id, analyst=lead),
                    form=form,
                    now=clock.now,
                )
                total += done.replies_total
        began, wall = clock.now, time.perf_counter()
        while True:  # one simulated second a pass; the day's arrivals go on meanwhile
            while pending and pending[0][0] <= clock.now:
                await arrive(*pending.pop(0))
            await worker.drain(max_passes=1000)
            async with services.db.session() as s:
                answered = 0
                for inc in await s.scalars(select(Incident).where(Incident.replies_total > 0)):
                    answered += await incident_resolve.progress(s, inc)
            if answered >= total or clock.now > began + timedelta(hours=2):
                break
            clock.now += timedelta(seconds=1)
        resolution.update(
            total=total,
            took=(clock.now - began).total_seconds(),
            wall=time.perf_counter() - wall,
        )

    queue = [(at, tid) for at, tid, _, _, _ in day]
    while queue:
        at, tid = queue[0]
        if not resolution and at >= resolve_at:
            await resolve_wave(queue)
            continue
        queue.pop(0)
        await arrive(at, tid)
    await beat_until(clock.now + BEAT)
    await worker.drain(max_passes=1000)
    intake_wall = time.perf_counter() - started - resolution.get("wall", 0.0)

    truth = {tid for _, tid, _, _, w in day if w}
    async with services.db.session() as s:
        opened = list(await s.scalars(select(Incident).order_by(Incident.id)))
        grouped = set(
            await s.scalars(
                select(Escalation.ticket_id)
                .join(IncidentLink, IncidentLink.escalation_id == Escalation.id)
                .where(IncidentLink.unlinked_at.is_(None))
            )
        )
    hit = len(grouped & truth)
    precision = hit / len(grouped) if grouped else 0.0
    recall = hit / len(truth) if truth else 0.0
    latencies = []  # after the arrival that made its group reach min_escalations
    async with services.db.session() as s:
        for inc in opened:
            arrived = list(
                await s.scalars(
                    select(Escalation.received_at)
                    .join(IncidentLink, IncidentLink.escalation_id == Escalation.id)
                    .where(IncidentLink.incident_id == inc.id)
                    .order_by(Escalation.received_at)
                )
            )
            if len(arrived) >= min_n:
                latencies.append((inc.ref, (inc.opened_at - arrived[min_n - 1]).total_seconds()))
    total, took = resolution.get("total", 0), resolution.get("took", 0.0)
    bound = total / limit * 60
    public: dict[int, int] = {}
    for tid in truth | grouped:
        public[tid] = sum(1 for c in zendesk.state.comments[tid][1:] if c["public"])
    twice = sum(1 for n in public.values() if n > 1)
    missing = sum(1 for tid in grouped if public.get(tid, 0) == 0)

    print(f"escalations                          {len(day)} ({wave} in the wave, {normal} normal)")
    print(
        f"incidents opened                     {len(opened)}: "
        + ", ".join(f"{i.ref} {i.provider}/{i.category}" for i in opened)
    )
    for ref, latency in latencies:
        print(
            f"{ref} opened after its {min_n}th ticket    {latency:.1f} s "
            f"(simulated; worker beat {BEAT.seconds} s)"
        )
    print(f"grouping precision                   {precision:.3f} ({hit} of {len(grouped)} grouped)")
    print(f"grouping recall                      {recall:.3f} ({hit} of {len(truth)} in the wave)")
    print(f"bulk resolution                      {total} replies in {took:.0f} s (simulated)")
    print(f"rate-limit bound                     {bound:.0f} s ({limit} requests a minute)")
    print(f"against the bound                    {took / bound if bound else 0:.2f}x")
    print(f"429 answers                          {zendesk.refused}")
    print(f"replies sent twice / missing         {twice} / {missing}")
    wall = resolution.get("wall", 0.0)
    print(f"real time: the day {intake_wall:.1f} s, bulk resolution {wall:.1f} s")
    await services.db.dispose()
    zendesk.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wave", type=int, default=300)
    parser.add_argument("--normal", type=int, default=200)
    parser.add_argument("--limit", type=int, default=200, help="Zendesk requests per minute")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        dbmod.upgrade(url)
        asyncio.run(run(args.wave, args.normal, args.limit, url, args.seed))


if __name__ == "__main__":
    main()
