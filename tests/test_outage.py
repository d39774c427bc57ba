"""A long outage on a controllable clock: Zendesk writes and Slack down for ten minutes.

Nothing is lost or doubled, nobody types a command, the leads hear once when each service
goes down and once when it is back, and every escalation is updated and alerted within a
minute of recovery. The real zenpy and slack_sdk clients talk to the fake servers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.config import Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.services import Services
from bot.store.db import Database
from bot.store.models import Escalation, OutboxMessage
from bot.worker import Worker
from integrations.slack import SlackClient
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_server import TOKEN, FakeSlack
from tests.fakes.zendesk_server import EMAIL, FakeZendesk
from tests.fakes.zendesk_server import TOKEN as ZENDESK_TOKEN
from tests.handlers.slack.support import LEADS, ROUTING
from tests.web import app_client, post_zendesk

ROOT = Path(__file__).resolve().parent.parent
SECRET = "outage-webhook-secret"
SP = load_roster(ROOT / "examples" / "roster.toml").timezone
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SP).astimezone(UTC)  # Ana and Bruno on shift
TICKETS = range(301, 307)
STEP = timedelta(seconds=5)  # the worker polls far more often; 5 s of clock per pass is enough


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def services(
    db: Database, fake_zendesk: FakeZendesk, fake_slack: FakeSlack, clock: Clock
) -> Services:
    settings = Settings(
        database_url=db.url,
        zendesk_webhook_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_api_url=fake_slack.api_url,
        slack_routing_channel=ROUTING,
        slack_leads_channel=LEADS,
    )
    return Services(
        settings=settings,
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=ZENDESK_TOKEN),
        slack=SlackClient.from_settings(settings),
        clock=clock,
    )


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c


def posted(fake: FakeSlack, channel: str) -> list[str]:
    """Texts of the messages that landed in a channel (what people see), oldest first."""
    return [m["text"] for m in reversed(fake.messages.get(channel, []))]


def baton_notes(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [c["body"] for c in fake.state.comments[ticket_id] if "[baton:" in c["body"]]


def add_tickets(fake: FakeZendesk) -> None:
    for i, tid in enumerate(TICKETS):
        fake.add_escalation(tid, requester_id=7100 + i)


async def escalate_all(client: TestClient[Any, Any]) -> None:
    """The agents escalate every ticket: one signed trigger webhook each."""
    for tid in TICKETS:
        body = {"ticket_id": str(tid), "event": "esc_senior"}
        assert (await post_zendesk(client, SECRET, body)).status == 200


async def run_until(worker: Worker, clock: Clock, done: Callable[[], bool]) -> None:
    """Let the worker run a pass every STEP of the clock until done() (checked before each)."""
    while not done():
        await worker.drain()
        clock.now += STEP


def notices(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """The leads channel's service notices, as (service, down|back)."""
    return Counter(
        ("zendesk" if "Zendesk" in text else "slack", "back" if "again" in text else "down")
        for text in posted(fake, LEADS)
    )


def delivered(fake_zendesk: FakeZendesk, fake_slack: FakeSlack) -> bool:
    return all(baton_notes(fake_zendesk, t) for t in TICKETS) and len(
        posted(fake_slack, ROUTING)
    ) == len(TICKETS)


async def test_ten_minutes_of_zendesk_writes_and_slack_down_loses_and_doubles_nothing(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    add_tickets(fake_zendesk)
    fake_zendesk.down(writes_only=True)
    fake_slack.outage = 503
    await escalate_all(client)

    worker = Worker(services, timer_seconds=1e9)
    outage_ends = clock.now + timedelta(minutes=10)
    await run_until(worker, clock, lambda: clock.now >= outage_ends)
    async with services.db.session() as s:
        statuses = list(await s.scalars(select(Escalation.status)))
    assert statuses == ["routed"] * len(TICKETS)  # reads worked: every ticket was routed
    # Down services are probed, not hammered: about one try every 30 s each.
    writes = fake_zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json")
    assert len(writes) <= 3 + 10 * 2 + 2, len(writes)
    assert len(fake_slack.called("chat.postMessage")) <= 3 + 10 * 2 + 2

    fake_zendesk.up()
    fake_slack.outage = None
    recovered = clock.now
    await run_until(
        worker,
        clock,
        lambda: (
            delivered(fake_zendesk, fake_slack) or clock.now >= recovered + timedelta(minutes=5)
        ),
    )
    assert clock.now - recovered <= timedelta(minutes=1)  # all caught up within a minute
    await worker.drain()

    for tid in TICKETS:  # one routing note per ticket, and it is assigned
        assert len(baton_notes(fake_zendesk, tid)) == 1
        assert "baton_routed" in fake_zendesk.state.tickets[tid]["tags"]
    channel = posted(fake_slack, ROUTING)
    assert len(channel) == len(TICKETS)  # one alert per escalation, none doubled
    dms = [text for ch, msgs in fake_slack.messages.items() if ch.startswith("D") for text in msgs]
    assert len(dms) == len(TICKETS)

    # Neither outage notice could reach Slack in time; each was superseded by a recovery
    # notice that says how long the service was down. One each, never one per row.
    assert notices(fake_slack) == Counter({("zendesk", "back"): 1, ("slack", "back"): 1})
    assert all("failing since 10:00" in text for text in posted(fake_slack, LEADS))
    async with services.db.session() as s:
        dead = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")))
    assert dead == []


async def test_zendesk_down_ten_minutes_the_leads_hear_once_and_events_wait(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    add_tickets(fake_zendesk)
    fake_zendesk.down()  # reads too: no event can be processed
    await escalate_all(client)
    worker = Worker(services, timer_seconds=1e9)
    outage_ends = clock.now + timedelta(minutes=10)
    await run_until(worker, clock, lambda: clock.now >= outage_ends)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1})
    # Each waiting event reads its ticket on its own capped backoff (a Zendesk that refuses
    # writes may still answer reads): about ten reads per event in ten minutes, plus one
    # probe every 30 s that can announce the recovery.
    reads = fake_zendesk.requests_to("GET", r"/api/v2/tickets/\d+\.json")
    assert len(reads) <= len(TICKETS) * 10 + 10 * 2 + 3, len(reads)
    assert posted(fake_slack, ROUTING) == []

    fake_zendesk.up()
    recovered = clock.now
    await run_until(
        worker,
        clock,
        lambda: (
            delivered(fake_zendesk, fake_slack) or clock.now >= recovered + timedelta(minutes=5)
        ),
    )
    assert clock.now - recovered <= timedelta(minutes=1)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1, ("zendesk", "back"): 1})
    for tid in TICKETS:
        assert len(baton_notes(fake_zendesk, tid)) == 1


async def test_zendesk_refusing_writes_does_not_hold_back_the_slack_alerts(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    add_tickets(fake_zendesk)
    fake_zendesk.down(writes_only=True)
    await escalate_all(client)
    worker = Worker(services, timer_seconds=1e9)
    for _ in range(3):
        await worker.drain()
        clock.now += STEP
    # The analysts have their alerts; the ticket notes wait for Zendesk.
    assert len(posted(fake_slack, ROUTING)) == len(TICKETS)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1})
    assert not any(baton_notes(fake_zendesk, tid) for tid in TICKETS)
    fake_zendesk.up()
    for _ in range(12):
        await worker.drain()
        clock.now += STEP
    assert all(len(baton_notes(fake_zendesk, tid)) == 1 for tid in TICKETS)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1, ("zendesk", "back"): 1})


RUSH = range(401, 521)  # 120 escalations


async def test_a_rate_limit_after_an_outage_ends_it_and_delivery_goes_at_full_speed(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    # Zendesk answers 503 to everything for ten seconds (it is declared down), then reads work
    # but its next 40 writes get its recorded 429 (Retry-After: 1), then it is fine. A 429 is
    # an answer: the outage is over, and only the Retry-After holds the writes back.
    for i, tid in enumerate(RUSH):
        fake_zendesk.add_escalation(tid, requester_id=8100 + i)
    fake_zendesk.down()
    for tid in RUSH:
        body = {"ticket_id": str(tid), "event": "esc_senior"}
        assert (await post_zendesk(client, SECRET, body)).status == 200
    worker = Worker(services, timer_seconds=1e9)
    outage_ends = clock.now + timedelta(seconds=10)
    await run_until(worker, clock, lambda: clock.now >= outage_ends)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1})

    fake_zendesk.up()
    fake_zendesk.fail_next(40, writes_only=True)
    writes = lambda: fake_zendesk.requests_to("PUT", r"/api/v2/tickets/\d+\.json")  # noqa: E731
    assert writes() == []
    first_429: datetime | None = None
    give_up = outage_ends + timedelta(minutes=10)
    while clock.now < give_up:
        await worker.drain()
        if first_429 is None and writes():
            first_429 = clock.now  # every write before the 41st is refused
        if all(baton_notes(fake_zendesk, t) for t in RUSH):
            break
        clock.now += STEP
    assert first_429 is not None
    done = sum(bool(baton_notes(fake_zendesk, t)) for t in RUSH)
    assert done == len(RUSH), f"{done} of {len(RUSH)} tickets updated after 10 min"
    assert clock.now - first_429 <= timedelta(minutes=1), clock.now - first_429

    await worker.drain()
    assert all(len(baton_notes(fake_zendesk, t)) == 1 for t in RUSH)  # none doubled
    assert len(writes()) <= len(RUSH) + 40 + 16, len(writes())  # Retry-After was honoured
    # The leads heard it was down, then that it answers again; never a second "down".
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1, ("zendesk", "back"): 1})


async def test_a_429_on_the_probe_of_a_down_service_does_not_wait_for_the_next_probe(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    add_tickets(fake_zendesk)
    fake_zendesk.down(writes_only=True)
    await escalate_all(client)
    worker = Worker(services, timer_seconds=1e9)
    await worker.drain()  # routed; three refused writes: Zendesk is down, next probe in 30 s
    assert "zendesk" in await worker.resting()
    fake_zendesk.up()
    fake_zendesk.fail_next(1, writes_only=True)
    clock.now += timedelta(seconds=31)
    await worker.drain()  # the probe: 429, Retry-After: 1
    assert not any(baton_notes(fake_zendesk, t) for t in TICKETS)
    clock.now += timedelta(seconds=2)  # the Retry-After, not another probe_seconds
    assert await worker.resting() == set()
    await worker.drain()
    assert all(len(baton_notes(fake_zendesk, t)) == 1 for t in TICKETS)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1, ("zendesk", "back"): 1})


async def test_a_429_on_a_read_probe_ends_the_outage_too(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
) -> None:
    add_tickets(fake_zendesk)
    fake_zendesk.down()  # reads too: with nothing routed, the probe reads a waiting ticket
    await escalate_all(client)
    worker = Worker(services, timer_seconds=1e9)
    await worker.drain()
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1})
    fake_zendesk.up()
    fake_zendesk.fail_next(1)  # the probe's read: 429, Retry-After: 1
    clock.now += timedelta(seconds=31)
    await worker.drain()
    clock.now += timedelta(seconds=2)
    await worker.drain()
    assert all(len(baton_notes(fake_zendesk, t)) == 1 for t in TICKETS)
    assert notices(fake_slack) == Counter({("zendesk", "down"): 1, ("zendesk", "back"): 1})
