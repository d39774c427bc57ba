"""``baton report``: build one period's report from the database and print or save it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.desk.roster import Roster
from bot.reports import text
from bot.reports.period import parse_period
from bot.reports.queries import Progress, build_report
from bot.reports.views import Report
from bot.store.db import Database


async def load_report(
    database: Database,
    *,
    roster: Roster,
    spec: str,
    now: datetime,
    progress: Progress | None = None,
) -> Report:
    """The report for ``spec`` (week, month or a date range) read in one snapshot."""
    period = parse_period(spec, now=now, tz=roster.timezone)
    async with database.read_session() as session:
        return await build_report(session, period=period, roster=roster, now=now, progress=progress)


async def report_command(
    database_url: str,
    *,
    roster: Roster,
    spec: str,
    now: datetime,
    xlsx: str | None,
    echo: Callable[[str], None],
    progress: Progress | None = None,
) -> Report:
    """Print the report's tables; with ``xlsx``, also write the workbook."""
    database = Database(database_url)
    try:
        report = await load_report(database, roster=roster, spec=spec, now=now, progress=progress)
    finally:
        await database.dispose()
    echo(text.render(report))
    if xlsx:
        from bot.reports.xlsx import write_xlsx  # openpyxl loads only when asked for

        echo(f"Excel workbook written to {write_xlsx(report, Path(xlsx))}")
    return report
