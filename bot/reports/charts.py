"""The report's charts as PNG images, with matplotlib's object API.

No pyplot: its global figure registry is shared state across threads, and these charts are
drawn in a worker thread (``asyncio.to_thread``) while the event loop serves other requests.
Each function builds one ``Figure`` from the report's own numbers; ``png`` renders it with Agg.
"""

from __future__ import annotations

import io
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reports.views import NEEDS_ROOT_CAUSE, Report

SIZE = (8.0, 4.5)  # inches; at 100 dpi an 800 x 450 image, readable in Slack's preview
DPI = 100


def per_day_series(report: Report) -> tuple[list[date], dict[str, list[int]]]:
    """Escalations per local day, one series per category (zero on days without any)."""
    days = report.period.local_days()
    counts = {(d.day, d.category): d.count for d in report.per_day}
    categories = sorted({d.category for d in report.per_day})
    return days, {c: [counts.get((day, c), 0) for day in days] for c in categories}


def per_day(report: Report) -> Figure:
    """Escalations per day by category, stacked."""
    days, series = per_day_series(report)
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    labels = [d.strftime("%d/%m") for d in days]
    bottom = [0] * len(days)
    for category, values in series.items():
        ax.bar(labels, values, bottom=bottom, label=category)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(f"Escalations per day by category ({report.period.label})")
    ax.set_ylabel("Escalations")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 escalations
    if series:
        # Outside the axes, to the right: inside, the legend would cover the tallest bars.
        fig.legend(loc="outside right upper", fontsize="small", title="Category")
    ax.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0, labelsize="small")
    return fig


def root_causes(report: Report) -> Figure:
    """Escalations per root cause, the missing ones included."""
    rows = [c for c in report.by_root_cause if c.count]
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    names = [c.key.replace("_", " ") for c in reversed(rows)]
    colours = ["#c0392b" if c.key == NEEDS_ROOT_CAUSE else "#2e86c1" for c in reversed(rows)]
    ax.barh(names, [c.count for c in reversed(rows)], color=colours)
    ax.set_title(f"Root causes ({report.period.label})")
    ax.set_xlabel("Escalations")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def avoidable_by_agent(report: Report, *, top: int = 15) -> Figure:
    """Avoidable-escalation rate per outsourcing agent (those with a root cause logged)."""
    rows = [a for a in report.by_agent if a.avoidable_rate is not None and a.agent_id is not None]
    rows = sorted(rows, key=lambda a: (-(a.avoidable_rate or 0), -a.avoidable))[:top]
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    bars = ax.bar(
        [report.agent_label(a.agent_id) for a in rows],
        [100 * (a.avoidable_rate or 0) for a in rows],
    )
    # Each bar says what its rate is over, as the terminal table does: "2 of 3".
    ax.bar_label(bars, labels=[f"{a.avoidable} of {a.with_root_cause}" for a in rows], padding=2)
    ax.set_ylim(0, 110)  # headroom for the labels above a 100% bar
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(
        f"Avoidable escalations per agent, % of those with a root cause ({report.period.label})"
    )
    ax.set_xlabel("Outsourcing agent (Zendesk name)")
    ax.set_ylabel("% avoidable")
    return fig


def png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes with the Agg canvas."""
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)  # attaches the Agg canvas to the figure
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def render_all(report: Report) -> dict[str, bytes]:
    """Every chart as PNG, by file name (CPU-bound: call it off the event loop)."""
    return {
        "escalations-per-day.png": png(per_day(report)),
        "root-causes.png": png(root_causes(report)),
        "avoidable-by-agent.png": png(avoidable_by_agent(report)),
    }
