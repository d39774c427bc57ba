"""Timer tests: the real worker on a controllable clock, talking to the fake Zendesk and Slack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import BatonConfig, Settings, Timers
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.events.zendesk import ZendeskEvent
from bot.services import Services
from bot.store import inbox
from bot.store.db import Database
from bot.store.models import Escalation
from bot.worker import Worker
from integrations.slack import SlackClient
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_server import TOKEN, FakeSlack
from tests.fakes.zendesk_server import EMAIL, FakeZendesk
from tests.fakes.zendesk_server import TOKEN as ZENDESK_TOKEN
from tests.handlers.slack.support import LEADS, ROUTING

ROOT = Path(__file__).resolve().parents[2]
ROSTER = load_roster(ROOT / "examples" / "roster.toml")
SP = ROSTER.timezone
# Monday 16 Nov 2026 (rota week 1): Ana and Bruno 06-15; Carla and Diego 14-23; Eduarda
# 12-21; Felipe (zh), Gabriela and Henrique 22-06.
MONDAY = datetime(2026, 11, 16, tzinfo=SP)
STEP = timedelta(seconds=15)
_events = count(1)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time on the test Monday in São Paulo, as UTC."""
    return MONDAY.replace(hour=hour, minute=minute, second=second).astimezone(UTC)


def make_services(
    db: Database, zendesk: FakeZendesk, slack: FakeSlack, clock: Clock, timers: Timers
) -> Services:
    settings = Settings(
        database_url=db.url,
        slack_bot_token=TOKEN,
        slack_api_url=slack.api_url,
        slack_routing_channel=ROUTING,
        slack_leads_channel=LEADS,
        config=replace(BatonConfig(), timers=timers),
    )
    return Services(
        settings=settings,
        db=db,
        roster=ROSTER,
        zendesk=ZendeskClient(base_url=zendesk.url, email=EMAIL, token=ZENDESK_TOKEN),
        slack=SlackClient.from_settings(settings),
        clock=clock,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(at(10))


@pytest.fixture
def timers() -> Timers:
    return Timers()


@pytest.fixture
def services(
    db: Database, fake_zendesk: FakeZendesk, fake_slack: FakeSlack, clock: Clock, timers: Timers
) -> Services:
    return make_services(db, fake_zendesk, fake_slack, clock, timers)


@pytest.fixture
def worker(services: Services) -> Worker:
    return Worker(services, name="w1", timer_seconds=0)


async def escalate(
    services: Services,
    fake: FakeZendesk,
    ticket_id: int,
    *,
    tags: tuple[str, ...] = ("esc_senior", "esc_withdrawal"),
    requester_id: int | None = None,
) -> None:
    """An agent escalates a ticket: the webhook's event is stored, as the web process does."""
    fake.add_escalation(ticket_id, tags=tags, requester_id=requester_id or 7000 + ticket_id)
    async with services.db.session() as s:
        await inbox.store_event(
            s,
            event=ZendeskEvent(kind="trigger", ticket_id=ticket_id),
            dedupe_key=f"test:{ticket_id}:{next(_events)}",
            now=services.clock(),
        )


async def run_until(worker: Worker, clock: Clock, until: datetime) -> None:
    """Passes of the worker every STEP of the clock, up to until."""
    while clock.now < until:
        await worker.drain()
        clock.now = min(until, clock.now + STEP)
    await worker.drain()


async def esc_of(services: Services, ticket_id: int) -> Escalation:
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket_id))
    assert esc is not None
    return esc


def dm_channel(slack_id: str) -> str:
    """The DM channel id the fake Slack opens for a user."""
    return "D" + slack_id.lstrip("UW")


def texts(fake: FakeSlack, channel: str) -> list[str]:
    """What a channel shows now (edits applied), oldest first."""
    return [m["text"] for m in reversed(fake.messages.get(channel, []))]


def shown(fake: FakeSlack, channel: str) -> list[str]:
    """Every mrkdwn text of every message in a channel, oldest first (blocks included)."""
    out = []
    for m in reversed(fake.messages.get(channel, [])):
        parts = [m["text"]]
        for b in m.get("blocks") or []:
            parts += [b.get("text", {}).get("text", "")]
            parts += [f.get("text", "") for f in b.get("fields", []) + b.get("elements", [])]
        out.append("\n".join(str(p) for p in parts))
    return out


Predicate = Callable[[], bool]
