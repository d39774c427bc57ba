"""App Home: the user's open escalations, who is on shift, and their own availability."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk import availability
from bot.desk.roster import next_shift_start, on_shift
from bot.escalations import lifecycle
from bot.slack_messages import blocks
from handlers.commands import Ctx
from handlers.context import UserLocales


async def render_home(ctx: Ctx) -> dict[str, Any]:
    """Build the App Home view for the context's user."""
    services, now = ctx.services, ctx.now
    analyst = ctx.actor.analyst
    async with services.db.session() as s:
        marks = await availability.current(s, now=now)
        rows = (
            await lifecycle.queue(s, analyst_key=analyst.key, viewer=ctx.actor) if analyst else []
        )
    roster = services.roster
    who = blocks.who_text(
        ctx._,
        now_on=on_shift(roster, now, marks),
        next_on=next_shift_start(roster, now, marks),
        locale=ctx.locale,
        tz=ctx.tz,
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
    )


async def publish_home(client: AsyncWebClient, ctx: Ctx) -> None:
    """Publish (refresh) the user's App Home."""
    await client.views_publish(user_id=ctx.actor.slack_id, view=await render_home(ctx))


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for app_home_opened."""

    @bolt.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        ctx = await locales.ctx(client, str(event["user"]))
        await publish_home(client, ctx)
