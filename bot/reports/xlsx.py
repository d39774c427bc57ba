"""The report as an Excel workbook: one sheet per view, typed cells, native charts.

Numbers are numbers, rates are fractions formatted as percentages, durations are Excel time
values (days) formatted ``[h]:mm``, dates are dates; every header row is frozen and filterable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.reports.views import Count, Report

PERCENT = "0.0%"
DURATION = "[h]:mm"
DATE = "yyyy-mm-dd"
DAY_SECONDS = 86400.0


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / DAY_SECONDS


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: dict[int, str] | None = None,
) -> Any:
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for col, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
    for i, header in enumerate(headers, start=1):
        longest = max([len(str(header))] + [len(_shown(r[i - 1])) for r in rows])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 50)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    return ws


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return "2026-01-01"
    return "" if value is None else str(value)


def _bar(ws: Any, title: str, rows: int, anchor: str, *, cols: tuple[int, int] = (2, 2)) -> None:
    if rows == 0:
        return
    chart = BarChart()
    chart.title = title
    chart.add_data(
        Reference(ws, min_col=cols[0], max_col=cols[1], min_row=1, max_row=rows + 1),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    ws.add_chart(chart, anchor)


def _counts(wb: Workbook, title: str, counts: Sequence[Count], chart: str | None = None) -> None:
    rows = [(c.key, c.count, c.previous) for c in counts]
    ws = _sheet(wb, title, (title, "Escalations", "Previous period"), rows)
    if chart:
        _bar(ws, chart, len(rows), "E2", cols=(2, 3))


def write_xlsx(report: Report, path: str | Path) -> Path:
    """Write the workbook and return its path."""
    wb = Workbook()
    wb.remove(wb.active)
    h, p = report.headline, report.previous
    tz = report.period.tz
    summary = [
        ("Period", report.period.label, None),
        ("From", report.period.starts_at.astimezone(tz).replace(tzinfo=None), None),
        ("To", report.period.ends_at.astimezone(tz).replace(tzinfo=None), None),
        ("Escalations", h.escalations, p.escalations),
        ("VIP", h.vip, p.vip),
        ("Resolved", h.resolved, p.resolved),
        ("With a root cause", h.with_root_cause, p.with_root_cause),
        ("Needs a root cause", h.needs_root_cause, p.needs_root_cause),
        ("Avoidable", h.avoidable, p.avoidable),
        ("Avoidable rate", h.avoidable_rate, p.avoidable_rate),
        ("SLA due", h.sla_due, p.sla_due),
        ("SLA met", h.sla_met, p.sla_met),
        ("SLA attainment", h.sla_attainment, p.sla_attainment),
    ]
    ws = _sheet(wb, "Summary", ("Measure", "This period", "Previous period"), summary)
    for row in (3, 4):
        ws.cell(row, 2).number_format = "yyyy-mm-dd hh:mm"
    for row in (11, 14):
        for col in (2, 3):
            ws.cell(row, col).number_format = PERCENT
    _counts(wb, "Category", report.by_category, "Escalations by category")
    _counts(wb, "Root cause", report.by_root_cause, "Root causes")
    _counts(wb, "VIP", report.by_vip)
    _counts(wb, "Language", report.by_language)
    agents = [
        (
            # The Zendesk name when known, else the id (a number, as Zendesk shows it).
            report.agent_names.get(a.agent_id, a.agent_id) if a.agent_id else None,
            a.escalations,
            a.with_root_cause,
            a.avoidable,
            a.avoidable_rate,
            ", ".join(f"{w} {n}" for w, n in a.lacked),
        )
        for a in report.by_agent
    ]
    ws = _sheet(
        wb,
        "Agents",
        ("Agent", "Escalations", "With root cause", "Avoidable", "Avoidable rate", "Lacked"),
        agents,
        {5: PERCENT},
    )
    _bar(ws, "Avoidable rate per agent", len(agents), "H2", cols=(5, 5))
    _sheet(wb, "Lacked", ("Lacked", "Avoidable escalations"), list(report.lacked))
    timings = [
        (
            t.category,
            t.escalations,
            _days(t.first_action_median),
            _days(t.first_action_p90),
            _days(t.resolve_median),
            _days(t.resolve_p90),
            _days(t.customer_resolve_median),
            _days(t.customer_resolve_p90),
        )
        for t in report.timings
    ]
    _sheet(
        wb,
        "Timings",
        (
            "Category",
            "Escalations",
            "First action median",
            "First action p90",
            "Resolve median",
            "Resolve p90",
            "Customer resolve median",
            "Customer resolve p90",
        ),
        timings,
        dict.fromkeys(range(3, 9), DURATION),
    )
    hours = [(r.hour, r.received, r.on_shift) for r in report.hours]
    ws = _sheet(wb, "Hours", ("Hour", "Received", "Analysts on shift"), hours, {3: "0.0"})
    line = LineChart()
    line.title = "Busiest hours against shift coverage"
    line.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=25), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=25))
    ws.add_chart(line, "E2")
    categories = sorted({d.category for d in report.per_day})
    per: dict[tuple[date, str], int] = {(d.day, d.category): d.count for d in report.per_day}
    days = [
        (day, *(per.get((day, c), 0) for c in categories)) for day in report.period.local_days()
    ]
    ws = _sheet(wb, "Per day", ("Day", *categories), days, {1: DATE})
    if categories:
        bars = BarChart()
        bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
        bars.title = "Escalations per day by category"
        bars.add_data(
            Reference(ws, min_col=2, max_col=len(categories) + 1, min_row=1, max_row=len(days) + 1),
            titles_from_data=True,
        )
        bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(days) + 1))
        ws.add_chart(bars, f"{get_column_letter(len(categories) + 3)}2")
    if report.money:  # money movements executed (SPEC §14), when there were any
        money = [(m.dimension, m.key, m.currency, m.count, m.total) for m in report.money]
        _sheet(wb, "Money", ("By", "Value", "Currency", "Movements", "Total"), money)
    target = Path(path)
    wb.save(target)
    return target


def xlsx_bytes(report: Report) -> bytes:
    """The workbook as bytes (a download, a Slack file), written through a temporary file."""
    with tempfile.TemporaryDirectory(prefix="baton-report-") as folder:
        return write_xlsx(report, Path(folder) / "report.xlsx").read_bytes()
