"""`/baton report [week|month]`: the headline in the channel, then the charts as images.

The numbers come from ``bot.reports`` (aggregated in SQL); the charts are drawn in a worker
thread, so the event loop keeps serving while matplotlib renders; the images go up through
``files_upload_v2`` (Slack retired ``files.upload``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.errors import N_, IntegrationError, UserFacingError
from bot.ports import SlackFile, SlackPost
from bot.reports import charts
from bot.reports.run import load_report
from bot.slack_messages import report as render

if TYPE_CHECKING:
    from handlers.commands import Ctx

log = logging.getLogger(__name__)
PERIODS = ("week", "month")


async def for_command(ctx: Ctx, args: list[str]) -> str:
    """Post the period's report in the channel the command came from; answer the asker."""
    from handlers.commands import Usage

    spec = args[0].lower() if args else "week"
    if len(args) > 1 or spec not in PERIODS:
        raise Usage()
    if not ctx.channel_id:
        raise Usage()
    services = ctx.services
    report = await load_report(services.db, roster=services.roster, spec=spec, now=ctx.now)
    images = await asyncio.to_thread(charts.render_all, report)
    _ = ctx._
    text, blocks = render.headline(report, _, ctx.locale)
    titles = {
        "escalations-per-day.png": _("Escalations per day by category"),
        "root-causes.png": _("Root causes"),
        "avoidable-by-agent.png": _("Avoidable escalations per agent"),
    }
    files = [SlackFile(name, data, titles[name], titles[name]) for name, data in images.items()]
    try:
        await services.slack.post(SlackPost(ctx.channel_id, text, blocks))
        await services.slack.upload_files(ctx.channel_id, files)
    except IntegrationError as err:
        log.warning("report.not_posted", extra={"channel": ctx.channel_id, "error": str(err)})
        raise UserFacingError(
            N_("I could not post the report here: invite me to this channel and try again.")
        ) from err
    log.info("report.posted", extra={"channel": ctx.channel_id, "period": spec})
    return _("The report and its charts are in this channel.")
