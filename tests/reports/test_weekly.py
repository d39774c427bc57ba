"""The weekly report the worker posts by itself: at `[reports] weekly` desk time, once a week
however many workers run, late (the same week) when the workers were down at that moment, once
even when Slack's answer to the post is lost, and not for a week without escalations."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import BatonConfig
from bot.config.reports import ReportsConfig, parse_weekly
from bot.reports import weekly
from bot.services import Services
from bot.store.models import Escalation
from bot.worker import Worker
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import LEADS, make_services

# Tue 2026-01-06 14:30 in São Paulo; the report is due on Mondays at 09:00 desk time.
TUESDAY = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)  # 08:00 desk time


def services_at(database_url: str, fake: FakeSlack, at: datetime) -> Services:
    config = BatonConfig(reports=ReportsConfig(weekly=parse_weekly("mon 09:00")))
    return make_services(database_url, fake, clock=at, config=config)


async def last_week_had_one(services: Services) -> None:
    async with services.db.session() as s:
        s.add(
            Escalation(
                ticket_id=1,
                status="resolved",
                category="withdrawal",
                subject="Saque",
                received_at=datetime(2026, 1, 2, 15, 0, tzinfo=UTC),
                resolved_at=datetime(2026, 1, 2, 16, 0, tzinfo=UTC),
            )
        )


def test_the_slot_is_desk_time_and_the_period_the_week_before() -> None:
    when = parse_weekly("mon 09:00")
    assert when is not None
    at = weekly.slot(when, now=TUESDAY, tz=ZoneInfo("America/Sao_Paulo"))
    assert at.isoformat() == "2026-01-05T09:00:00-03:00"
    assert weekly.period_spec(at) == "2025-12-29..2026-01-04"
    assert weekly.week_key(at) == "slack:weekly_report:2026-W02"


async def test_posted_once_by_two_workers_with_charts_and_workbook(
    database_url: str, fake_slack: FakeSlack
) -> None:
    early = services_at(database_url, fake_slack, MONDAY_EARLY)
    await last_week_had_one(early)
    await Worker(early).drain()
    assert fake_slack.called("chat.postMessage") == []  # before 09:00: not yet
    await early.db.dispose()

    # The workers were down at 09:00 Monday; they come back on Tuesday: posted then, once.
    late = services_at(database_url, fake_slack, TUESDAY)
    await Worker(late, name="w1").drain()
    await Worker(late, name="w2").drain()
    [post] = fake_slack.called("chat.postMessage")
    assert post.params["channel"] == LEADS
    assert "2025-12-29..2026-01-04" in post.params["text"]
    [shared] = fake_slack.called("files.completeUploadExternal")
    files = json.loads(shared.params["files"])
    titles = sorted(f["title"] for f in files)
    assert len(files) == 4 and "Excel" in titles
    reserved = [c.params["filename"] for c in fake_slack.called("files.getUploadURLExternal")]
    assert any(name.endswith(".xlsx") for name in reserved)
    assert await weekly.schedule(late) == 0  # the same week: nothing more
    await late.db.dispose()


async def test_a_lost_answer_does_not_post_twice(database_url: str, fake_slack: FakeSlack) -> None:
    services = services_at(database_url, fake_slack, TUESDAY)
    await last_week_had_one(services)
    fake_slack.fail("chat.postMessage", status=0, land=True)  # posted, then the line dropped
    worker = Worker(services)
    await worker.drain()
    services.clock = lambda: TUESDAY.replace(hour=20)  # past the retry's backoff
    await worker.drain()
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert len(fake_slack.called("files.completeUploadExternal")) == 1
    await services.db.dispose()


async def test_no_leads_channel_or_weekly_off_posts_nothing(
    database_url: str, fake_slack: FakeSlack
) -> None:
    services = services_at(database_url, fake_slack, TUESDAY)
    assert await weekly.schedule(services) == 0  # nothing happened last week: no post
    await last_week_had_one(services)
    off = dataclasses.replace(
        services.settings, config=BatonConfig(reports=ReportsConfig(weekly=None))
    )
    assert await weekly.schedule(dataclasses.replace(services, settings=off)) == 0
    no_channel = dataclasses.replace(services.settings, slack_leads_channel=None)
    assert await weekly.schedule(dataclasses.replace(services, settings=no_channel)) == 0
    assert await weekly.schedule(services) == 1
    await services.db.dispose()
