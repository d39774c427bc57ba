"""Provider incidents in Slack: the routing channel's message, the list, the provider message
and the Resolve modal. Pure builders: data and a gettext in, Block Kit out, masked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot import i18n
from bot.domain import IncidentSummary
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.ids import IncidentAction, IncidentField
from bot.slack_messages.modals import modal
from bot.slack_messages.text import escape


def money(amounts: Mapping[str, Decimal]) -> str:
    """ "1,250.00 BRL · 80.00 USD" (or "-")."""
    return " · ".join(f"{v:,.2f} {c}" for c, v in amounts.items()) or "-"


def _what(inc: IncidentSummary, _: i18n.Gettext) -> str:
    return inc.category or _("all payment categories")


def message(
    inc: IncidentSummary,
    _: i18n.Gettext,
    *,
    analysts: Sequence[str],
    tz: str = "UTC",
    locale: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The incident's message in the routing channel (updated in place as it moves)."""
    title = _("Provider incident {incident}: {provider} ({what})").format(
        incident=inc.ref, provider=escape(inc.provider), what=_what(inc, _)
    )
    since = i18n.format_datetime(inc.since, locale=locale, tz=tz)
    fields = [
        (_("Escalations"), str(inc.count)),
        (_("Amounts"), money(inc.amounts)),
        (_("Since"), since),
        (_("Analysts on it"), ", ".join(analysts) or "-"),
    ]
    if inc.jira_key:
        link = f"<{inc.jira_url}|{inc.jira_key}>" if inc.jira_url else inc.jira_key
        fields.append((_("Jira"), link))
    icon = ":rotating_light:" if inc.status == "open" else ":white_check_mark:"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{title}*"}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}:* {v}"} for k, v in fields],
        },
    ]
    if inc.status == "open" and inc.jira_resolution:
        line = _(
            "Jira says {issue} is resolved ({resolution}). Press Resolve to answer the "
            "customers: pick the root cause, the summary and their reply."
        ).format(issue=inc.jira_key, resolution=escape(inc.jira_resolution))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f":bell: {line}"}})
    if inc.status != "open":
        line = _("Resolved: {answered} of {total} answered").format(
            answered=inc.replies_done, total=inc.replies_total
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    buttons = [
        {
            "type": "button",
            "action_id": str(IncidentAction.PROVIDER_MESSAGE),
            "text": {"type": "plain_text", "text": _("Provider message")},
            "value": str(inc.id),
        }
    ]
    if inc.status == "open":
        buttons.append(
            {
                "type": "button",
                "action_id": str(IncidentAction.RESOLVE),
                "text": {"type": "plain_text", "text": _("Resolve")},
                "value": str(inc.id),
                "style": "primary",
            }
        )
    blocks.append({"type": "actions", "elements": buttons})
    return mask(title), mask_deep(blocks)


def listing(incidents: Sequence[IncidentSummary], _: i18n.Gettext, *, tz: str = "UTC") -> str:
    """`/baton incident`: the open incidents, one line each."""
    if not incidents:
        return _("No provider incident is open.")
    lines = [_("Open provider incidents:")]
    for inc in incidents:
        since = i18n.format_datetime(inc.since, locale=None, tz=tz)
        lines.append(
            _(
                "• {incident} {provider} ({what}): {count} escalations, {amounts}, since {since}"
            ).format(
                incident=inc.ref,
                provider=escape(inc.provider),
                what=_what(inc, _),
                count=inc.count,
                amounts=money(inc.amounts),
                since=since,
            )
        )
    return mask("\n".join(lines))


def _amount(tx: Mapping[str, Any]) -> str:
    return f"{Decimal(str(tx.get('amount') or 0)):,.2f} {tx.get('currency') or ''}".strip()


def provider_text(inc: IncidentSummary, transactions: Sequence[Mapping[str, Any]]) -> str:
    """The message for the provider, in English: references, amounts and times, no names."""
    lines = [
        f"Subject: {inc.provider} - failing transactions since "
        f"{inc.since:%Y-%m-%d %H:%M} UTC ({inc.ref})",
        "",
        f"Hello {inc.provider} team,",
        "",
        f"Since {inc.since:%Y-%m-%d %H:%M} UTC our customers report "
        f"{inc.category or 'payment'} problems with transactions you processed. "
        f"{len(transactions)} affected transactions ({money(inc.amounts)}):",
        "",
        "provider reference | our reference | amount | created (UTC) | status | code",
    ]
    for tx in transactions:
        created = tx.get("created_at")
        when = (
            datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M")
            if isinstance(created, str)
            else "-"
        )
        lines.append(
            " | ".join(
                [
                    str(tx.get("provider_reference") or "-"),
                    str(tx.get("id") or "-"),
                    _amount(tx),
                    when,
                    str(tx.get("status") or "-"),
                    str(tx.get("failure_code") or "-"),
                ]
            )
        )
    lines += ["", "Please tell us the cause, when it will be fixed, and the status of each.", ""]
    return "\n".join(lines)


def provider_modal(inc: IncidentSummary, text: str, _: i18n.Gettext) -> dict[str, Any]:
    """The provider message in a preformatted block (Slack shows a copy button on it)."""
    # A code block: Slack shows it verbatim, with a copy button on hover.
    body = limits.fit(escape(text), limits.SECTION_TEXT - 8)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"```{body}```"}}]
    return modal(
        callback_id=str(IncidentAction.PROVIDER_MESSAGE),
        title=_("Provider message"),
        close=_("Close"),
        blocks=blocks,
    )


def resolve_modal(inc: IncidentSummary, _: i18n.Gettext) -> dict[str, Any]:
    """Root cause, summary, and the reply every linked customer gets."""
    causes = [
        ("provider_delay", _("Provider delay")),
        ("provider_failure", _("Provider failure")),
        ("internal_bug", _("Internal bug")),
        ("other", _("Other")),
    ]
    templates = [
        ("processed", _("Fixed: the transactions went through")),
        ("retry", _("Fixed: please try again")),
        ("returned", _("Fixed: the amount was returned to the account")),
    ]

    def select(field: IncidentField, label: str, options: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": str(field),
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "static_select",
                "action_id": field.input_id,
                "options": [
                    {"text": {"type": "plain_text", "text": t}, "value": v} for v, t in options
                ],
            },
        }

    intro = _(
        "{count} customers get the reply in their own language, and their tickets are solved."
    ).format(count=inc.count)
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
        select(IncidentField.ROOT_CAUSE, _("Root cause"), causes),
        {
            "type": "input",
            "block_id": str(IncidentField.SUMMARY),
            "label": {"type": "plain_text", "text": _("Summary (internal)")},
            "element": {
                "type": "plain_text_input",
                "action_id": IncidentField.SUMMARY.input_id,
                "multiline": True,
                "max_length": 2000,
            },
        },
        select(IncidentField.TEMPLATE, _("Reply to the customers"), templates),
    ]
    return modal(
        callback_id=str(IncidentField.CALLBACK),
        title=_("Resolve {incident}").format(incident=inc.ref),
        submit=_("Resolve and reply"),
        close=_("Cancel"),
        blocks=blocks,
        private_metadata=str(inc.id),
    )
