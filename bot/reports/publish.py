"""Post a period's report in a Slack channel: the headline, then the charts as images.

The numbers come from the database (aggregated in SQL); the charts are drawn in a worker
thread, so the event loop keeps serving while matplotlib renders; the images go up through
``files_upload_v2`` (Slack retired ``files.upload``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot import i18n
from bot.errors import N_, IntegrationError, UserFacingError
from bot.ports import SlackFile, SlackPost
from bot.reports import charts
from bot.reports import slack as render
from bot.reports.run import load_report
from bot.services import Services

log = logging.getLogger(__name__)
PERIODS = ("week", "month")


async def publish(
    services: Services, *, channel: str, spec: str, now: datetime, locale: str
) -> None:
    """Post the report for ``spec`` (week or month) and its charts in ``channel``."""
    report = await load_report(services.db, roster=services.roster, spec=spec, now=now)
    images = await asyncio.to_thread(charts.render_all, report)
    _ = i18n.translator(locale)
    text, blocks = render.headline(report, _, locale)
    titles = {
        "escalations-per-day.png": _("Escalations per day by category"),
        "root-causes.png": _("Root causes"),
        "avoidable-by-agent.png": _("Avoidable escalations per agent"),
    }
    files = [SlackFile(name, data, titles[name], titles[name]) for name, data in images.items()]
    try:
        await services.slack.post(SlackPost(channel, text, blocks))
        await services.slack.upload_files(channel, files)
    except IntegrationError as err:
        log.warning("report.not_posted", extra={"channel": channel, "error": str(err)})
        raise UserFacingError(
            N_("I could not post the report here: invite me to this channel and try again.")
        ) from err
    log.info("report.posted", extra={"channel": channel, "period": spec})
