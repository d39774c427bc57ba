"""The weekly report the worker posts by itself at ``[reports] weekly`` desk time.

Each worker pass asks whether this week's slot has come; if so one outbox row is enqueued under
a key naming the ISO week, so however many workers run, and however late one comes back after
being down (the same week), the report is posted once. It covers the seven whole desk days
before the slot's day, so a late post shows the same numbers as one on time, and matches
``baton report --period <first>..<last>``. A week without escalations is not posted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config.reports import Weekly
from bot.reports.period import parse_period
from bot.services import Services
from bot.store import outbox
from bot.store.models import Escalation
from bot.store.outbox import OutboxItem

SERVICE = "slack"
ACTION = "weekly_report"


def slot(weekly: Weekly, *, now: datetime, tz: ZoneInfo) -> datetime:
    """This ISO week's instant for the post (it may be still to come)."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=weekly.weekday)
    return datetime.combine(day, weekly.at, tzinfo=tz)


def period_spec(at: datetime) -> str:
    """The seven whole desk days before the slot's day, as `baton report --period` takes it."""
    last = at.date() - timedelta(days=1)
    return f"{last - timedelta(days=6):%Y-%m-%d}..{last:%Y-%m-%d}"


def week_key(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"slack:weekly_report:{year}-W{week:02d}"


async def schedule(services: Services) -> int:
    """Enqueue this week's report once its slot has come (idempotent); 1 when enqueued now."""
    weekly = services.settings.config.reports.weekly
    channel = services.settings.slack_leads_channel
    if weekly is None or not channel:
        return 0
    now = services.clock()
    at = slot(weekly, now=now, tz=services.roster.timezone)
    if now < at:
        return 0
    spec = period_spec(at)
    period = parse_period(spec, now=now, tz=services.roster.timezone)
    async with services.db.read_session() as s:
        anything = await s.scalar(
            select(Escalation.id)
            .where(Escalation.received_at >= period.starts_at)
            .where(Escalation.received_at < period.ends_at)
            .limit(1)
        )
    if anything is None:
        return 0  # a week without escalations: nothing to tell the leads
    item = OutboxItem(
        key=week_key(at),
        service=SERVICE,
        action=ACTION,
        payload={"channel": channel, "spec": spec, "at": at.isoformat()},
    )
    async with services.db.session() as s:
        return await outbox.enqueue(s, [item], now=now)
