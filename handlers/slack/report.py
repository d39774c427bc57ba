"""`/baton report [week|month]`: the report goes to the channel the command came from.

Drawing the charts and posting them is ``bot.reports.publish``; this module reads the
arguments and answers the asker.
"""

from __future__ import annotations

from bot.reports.publish import PERIODS, publish
from handlers.slack.request import Ctx, Usage


async def command(ctx: Ctx, args: list[str]) -> str:
    """Post the period's report in the channel the command came from; answer the asker."""
    spec = args[0].lower() if args else "week"
    if len(args) > 1 or spec not in PERIODS:
        raise Usage()
    if not ctx.channel_id:
        raise Usage()
    await publish(ctx.services, channel=ctx.channel_id, spec=spec, now=ctx.now, locale=ctx.locale)
    return ctx._("The report and its charts are in this channel.")
