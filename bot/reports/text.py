"""The report as plain-text tables for the terminal (English: the CLI is the operator's tool)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.reports.views import Count, Report
from bot.text_safety import inert

TIME_FORMAT = "%Y-%m-%d %H:%M"  # every instant the report shows, its zone named beside it


def duration(seconds: float | None) -> str:
    """``1h 05m``, ``12m``, ``2d 3h``; a dash when there is nothing to measure."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def avoidable_of(avoidable: int, rated: int) -> str:
    """``3 of 7 (43%)``: the rate with what it is over; a dash when nothing was rated."""
    return f"{avoidable} of {rated} ({percent(avoidable / rated)})" if rated else "-"


def trend(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "-"
    return f"{(now - before) / before:+.0%}"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, words: Sequence[int] = (0,)
) -> str:
    """Columns padded to their widest cell, never cut: the ``words`` columns (the label by
    default) left-aligned, the numbers right-aligned. A cell's control characters are shown
    as escapes (a root cause or agent id cannot drive the terminal or break a row)."""
    cells = [[inert(c) for c in headers]] + [[inert(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    left = set(words)

    def line(row: list[str]) -> str:
        parts = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _counts(title: str, name: str, counts: Sequence[Count]) -> str:
    rows = [(c.key, c.count, c.previous, trend(c.count, c.previous)) for c in counts]
    return f"{title}\n" + table((name, "Count", "Before", "Trend"), rows)


def render(report: Report) -> str:
    """Every view, one titled table after another."""
    h, p = report.headline, report.previous
    tz = report.period.tz
    start = report.period.starts_at.astimezone(tz).strftime(TIME_FORMAT)
    end = report.period.ends_at.astimezone(tz).strftime(TIME_FORMAT)
    out = [f"Baton report, {report.period.label}: {start} to {end} ({tz})", ""]
    out.append(
        table(
            ("Headline", "Now", "Before", "Trend"),
            [
                ("Escalations", h.escalations, p.escalations, trend(h.escalations, p.escalations)),
                ("VIP", h.vip, p.vip, trend(h.vip, p.vip)),
                ("Resolved", h.resolved, p.resolved, trend(h.resolved, p.resolved)),
                ("Needs a root cause", h.needs_root_cause, p.needs_root_cause, ""),
                ("Avoidable", percent(h.avoidable_rate), percent(p.avoidable_rate), ""),
                ("SLA met", percent(h.sla_attainment), percent(p.sla_attainment), ""),
            ],
        )
    )
    for title, name, counts in (
        ("Escalations by category", "Category", report.by_category),
        ("Escalations by root cause", "Root cause", report.by_root_cause),
        ("Escalations by VIP", "VIP", report.by_vip),
        ("Escalations by language", "Language", report.by_language),
    ):
        out += ["", _counts(title, name, counts)]
    if report.by_incident:
        out += ["", _counts("Escalations by incident", "Incident", report.by_incident)]
        paused = duration(report.paused_seconds)
        out.append(f"Resolution clock paused while in an incident (counted apart): {paused}")
    agents = [
        (
            report.agent_label(a.agent_id),
            a.escalations,
            a.with_root_cause,
            avoidable_of(a.avoidable, a.with_root_cause),
            ", ".join(f"{w} {n}" for w, n in a.lacked) or "-",
        )
        for a in report.by_agent
    ]
    agent_headers = ("Agent", "Escalations", "With root cause", "Avoidable", "Lacked")
    out += [
        "",
        "Outsourcing agents (avoidable: of their escalations with a root cause logged)",
        table(agent_headers, agents, words=(0, 4)),
    ]
    top = ", ".join(f"{w} {n}" for w, n in report.lacked) or "-"
    out.append(f"Top reasons an escalation was avoidable: {inert(top)}")
    timing = [
        (
            t.category,
            t.escalations,
            duration(t.first_action_median),
            duration(t.first_action_p90),
            duration(t.resolve_median),
            duration(t.resolve_p90),
            duration(t.customer_resolve_median),
            duration(t.customer_resolve_p90),
        )
        for t in report.timings
    ]
    headers = ("Category", "Count", "1st action", "p90", "Resolve", "p90", "Customer", "p90")
    out += ["", "Time to first action and to resolution (median, p90)", table(headers, timing)]
    hours = [(f"{r.hour:02d}:00", r.received, f"{r.on_shift:.1f}") for r in report.hours]
    out += [
        "",
        f"Busiest hours against shift coverage (hours of the day in {tz})",
        table(("Hour", "Received", "On shift"), hours),
    ]
    if report.money:
        money = [(m.dimension, m.key, m.currency, m.count, f"{m.total:,}") for m in report.money]
        money_headers = ("By", "Value", "Currency", "Movements", "Total")
        out += ["", "Money movements executed", table(money_headers, money, words=(0, 1, 2))]
    return "\n".join(out) + "\n"
