"""`/baton report` in Slack: the headline numbers as Block Kit (pure: report + gettext in).

It lives with the reports, not in ``bot/slack_messages/``: it reads ``bot.reports.views`` and
``bot.reports.text``, and the messages floor may not import a capability. Root-cause and
category names are Baton's own fixed words, so nothing here needs escaping.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_percent

from bot import i18n
from bot.reports.text import duration
from bot.reports.views import Report
from bot.slack_messages import limits


def _percent(value: float | None, locale: str) -> str:
    return "–" if value is None else format_percent(value, locale=i18n.babel_locale(locale))


def _trend(now: int, before: int, locale: str) -> str:
    if not before:
        return ""
    change = (now - before) / before
    sign = "+" if change > 0 else ""
    return f" ({sign}{_percent(change, locale)})"


def headline(report: Report, _: i18n.Gettext, locale: str) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks of a report's headline."""
    h, p = report.headline, report.previous
    title = (
        _("Baton report: last 7 days")
        if report.period.label == "week"
        else _("Baton report: last 30 days")
        if report.period.label == "month"
        else _("Baton report: {period}").format(period=report.period.label)
    )
    slowest = max(
        (t for t in report.timings if t.resolve_median is not None),
        key=lambda t: t.resolve_median or 0,
        default=None,
    )
    fields = [
        _("*Escalations*\n{count}{trend}").format(
            count=h.escalations, trend=_trend(h.escalations, p.escalations, locale)
        ),
        _("*VIP*\n{count}").format(count=h.vip),
        _("*Resolved*\n{count}").format(count=h.resolved),
        _("*Needs a root cause*\n{count}").format(count=h.needs_root_cause),
        _("*Avoidable*\n{rate} (before: {previous})").format(
            rate=_percent(h.avoidable_rate, locale), previous=_percent(p.avoidable_rate, locale)
        ),
        _("*SLA met*\n{rate} (before: {previous})").format(
            rate=_percent(h.sla_attainment, locale), previous=_percent(p.sla_attainment, locale)
        ),
    ]
    lines = []
    causes = [c for c in report.by_root_cause if c.count][:3]
    if causes:
        lines.append(
            _("Top root causes: {causes}").format(
                causes=", ".join(f"{c.key.replace('_', ' ')} {c.count}" for c in causes)
            )
        )
    if report.lacked:
        lines.append(
            _("What the outsourcing team lacked most: {reasons}").format(
                reasons=", ".join(f"{word} {n}" for word, n in report.lacked[:3])
            )
        )
    if slowest is not None:
        lines.append(
            _("Slowest to resolve: {category}, median {median}, p90 {p90}").format(
                category=slowest.category,
                median=duration(slowest.resolve_median),
                p90=duration(slowest.resolve_p90),
            )
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": _("Charts follow; `baton report --xlsx` has every table."),
                }
            ],
        }
    )
    text = _("{title} · escalations: {count}").format(title=title, count=h.escalations)
    return limits.message(text, blocks)
