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
from bot.reports.views import Report
from bot.services import Services

log = logging.getLogger(__name__)
PERIODS = ("week", "month")


async def publish(
    services: Services, *, channel: str, spec: str, now: datetime, locale: str
) -> None:
    """Post the report for ``spec`` (week or month) and its charts in ``channel``."""
    report = await load_report(services.db, roster=services.roster, spec=spec, now=now)
    try:
        await post_report(services, report, channel=channel, locale=locale)
    except IntegrationError as err:
        log.warning("report.not_posted", extra={"channel": channel, "error": str(err)})
        raise UserFacingError(
            N_("I could not post the report here: invite me to this channel and try again.")
        ) from err
    log.info("report.posted", extra={"channel": channel, "period": spec})


async def post_report(
    services: Services,
    report: Report,
    *,
    channel: str,
    locale: str,
    key: str | None = None,
    workbook: bool = False,
) -> None:
    """Post a report's headline, then its charts (and the workbook) as files.

    With ``key`` (an outbox row's), a retry finds the headline already posted by its metadata
    and sends only the files. Raises IntegrationError.
    """
    images = await asyncio.to_thread(charts.render_all, report)
    _ = i18n.translator(locale)
    text, blocks = render.headline(report, _, locale)
    titles = {
        "escalations-per-day.png": _("Escalations per day by category"),
        "root-causes.png": _("Root causes"),
        "avoidable-by-agent.png": _("Avoidable escalations per agent"),
    }
    files = [SlackFile(name, data, titles[name], titles[name]) for name, data in images.items()]
    if workbook:
        from bot.reports.xlsx import xlsx_bytes  # openpyxl loads only when asked for

        data = await asyncio.to_thread(xlsx_bytes, report)
        files.append(SlackFile(f"baton-report-{report.period.label}.xlsx", data, "Excel"))
    posted = await services.slack.find_message(channel, key) if key else None
    if posted is None:
        await services.slack.post(SlackPost(channel, text, blocks, metadata_key=key))
    await services.slack.upload_files(channel, files)
