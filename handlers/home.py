"""App Home: the user's open escalations, who is on shift, and their own availability."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.desk import availability
from bot.desk.roster import next_shift_start, on_shift
from bot.errors import IntegrationError
from bot.escalations import lifecycle
from bot.resolutions import pending
from bot.slack_messages import blocks
from bot.slack_messages import resolve as resolve_blocks
from bot.timers.handover import next_handover
from handlers.commands import Ctx
from handlers.context import UserLocales
from integrations.slack import SlackClient

log = logging.getLogger(__name__)


async def render_home(ctx: Ctx) -> dict[str, Any]:
    """Build the App Home view for the context's user."""
    services, now = ctx.services, ctx.now
    analyst = ctx.actor.analyst
    async with services.db.session() as s:
        marks = await availability.current(s, now=now)
        rows = (
            await lifecycle.queue(s, analyst_key=analyst.key, viewer=ctx.actor, now=now)
            if analyst
            else []
        )
        unexplained = await pending.needing(s, now=now, analyst_key=analyst.key) if analyst else []
    roster = services.roster
    who = blocks.who_text(
        ctx._,
        now_on=on_shift(roster, now, marks),
        next_on=next_shift_start(roster, now, marks),
        locale=ctx.locale,
        tz=ctx.tz,
        next_handover=next_handover(roster, now),
    )
    away = blocks.away_until(marks, key=analyst.key, now=now) if analyst else None
    return blocks.home_view(
        ctx._,
        analyst=analyst,
        escalations=rows,
        who=who,
        away_until=away,
        locale=ctx.locale,
        tz=ctx.tz,
        now=now,
        extra=resolve_blocks.home_section(ctx._, unexplained, locale=ctx.locale, tz=ctx.tz),
    )


async def publish_home(slack: SlackClient, ctx: Ctx) -> None:
    """Publish (refresh) the user's App Home."""
    await slack.views_publish(ctx.actor.slack_id, await render_home(ctx))


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for app_home_opened."""

    @bolt.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        ctx = await locales.ctx(str(event["user"]))
        try:
            await publish_home(locales.slack, ctx)
        except IntegrationError as err:
            log.warning("slack.home_publish_failed", extra={"error": str(err)})
