"""App Home: the user's open escalations, who is on shift, and their own availability."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.desk import availability
from bot.desk.on_shift import who_is_on
from bot.errors import IntegrationError
from bot.escalations import lifecycle
from bot.resolutions import pending
from bot.slack_messages import desk as render
from bot.slack_messages import resolve as resolve_blocks
from handlers.slack.payloads import HomeOpened
from handlers.slack.request import Ctx, Responder

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
    desk = who_is_on(services.roster, now=now, marks=marks)
    who = render.who_text(ctx._, desk, locale=ctx.locale, tz=ctx.tz)
    away = render.away_until(marks, key=analyst.key, now=now) if analyst else None
    return render.home_view(
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


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for app_home_opened."""

    @bolt.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        opened = HomeOpened.of(event)
        if opened.tab != "home":
            return
        ctx = await responder.locales.ctx(opened.user_id)
        try:
            await responder.publish_home(ctx)
        except IntegrationError as err:
            log.warning("slack.home_publish_failed", extra={"error": str(err)})
