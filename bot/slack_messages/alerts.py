"""Escalation alerts as Slack messages: pure builders (data and a gettext in, Block Kit out).

Every text and block is masked; customer text is also escaped (``text.customer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from babel.dates import format_timedelta

from bot import i18n
from bot.domain import Analyst, Category, EscalationStatus
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.findings import findings_blocks
from bot.slack_messages.ids import AlertAction
from bot.slack_messages.jira import issues_line
from bot.slack_messages.kyc import documents_blocks
from bot.slack_messages.text import customer
from bot.store.models import Escalation


class AlertKind(StrEnum):
    """Where an alert lives; stored in AlertMessage.kind."""

    CHANNEL = "channel"
    DM = "dm"
    COMPLIANCE = "compliance"
    LEADS = "leads"


@dataclass(frozen=True)
class Deadlines:
    """An escalation's deadlines as a message shows them (bot/escalations/deadlines.shown)."""

    next: tuple[str, datetime] | None = None  # the nearest open: claim | response | resolution
    overdue: tuple[str, ...] = ()  # those passed unmet: response, resolution


@dataclass(frozen=True)
class Queued:
    """An open escalation in someone's queue, with its deadlines when the queue is shown."""

    esc: Escalation
    deadlines: Deadlines


def is_compliance(esc: Escalation) -> bool:
    return esc.category is not None and Category(esc.category).is_compliance


def _mention(analyst: Analyst | None, _: i18n.Gettext) -> str:
    return f"<@{analyst.slack_id}>" if analyst else _("nobody (unassigned)")


def _status(esc: Escalation, _: i18n.Gettext) -> str:
    labels = {
        EscalationStatus.ROUTED: _("Routed"),
        EscalationStatus.CLAIMED: _("Claimed"),
        EscalationStatus.UNASSIGNED: _("Unassigned"),
        EscalationStatus.RESOLVED: _("Resolved"),
    }
    try:
        return labels.get(EscalationStatus(esc.status), esc.status)
    except ValueError:
        return esc.status


def buttons(esc_id: int, _: i18n.Gettext) -> dict[str, Any]:
    """The alert's action buttons; each carries the escalation id as its value."""
    labels = [
        (AlertAction.CLAIM, _("Claim"), "primary"),
        (AlertAction.REASSIGN, _("Reassign"), None),
        (AlertAction.DRAFT, _("Draft reply"), None),
        (AlertAction.TXN, _("Transactions"), None),
        (AlertAction.JIRA, _("Jira"), None),
        (AlertAction.RESOLVE, _("Resolve"), None),
        (AlertAction.MONEY, _("Money"), None),
    ]
    elements = []
    for action, label, style in labels:
        button: dict[str, Any] = {
            "type": "button",
            "action_id": str(action),
            "text": {"type": "plain_text", "text": label},
            "value": str(esc_id),
        }
        if style:
            button["style"] = style
        elements.append(button)
    return {"type": "actions", "block_id": f"esc_actions:{esc_id}", "elements": elements}


def render(
    esc: Escalation,
    *,
    kind: AlertKind,
    analyst: Analyst | None,
    locale: str | None = None,
    tz: str = "UTC",
    overdue: Sequence[str] = (),
    ticket_url: str | None = None,
    to_owner: bool = True,
    money: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Render an alert as (fallback text, blocks), masked, for where it is posted.

    ``money``: the escalation's latest money movement as one line (bot/slack_messages/money).

    A missed deadline (``overdue``: "response", "resolution") turns the alert red (an
    "Overdue" line). A subject too long for Slack is cut, with a link to the ticket
    (``ticket_url``) to read the rest. A compliance case shows its details in the compliance
    channel and in its owner's DM only (need-to-know, SPEC §5); ``to_owner=False`` is a DM to
    someone it has since moved away from.
    """
    _ = i18n.translator(locale)
    who = _mention(analyst, _)
    status = _status(esc, _)
    minimal = is_compliance(esc) and (
        kind in (AlertKind.CHANNEL, AlertKind.LEADS) or (kind is AlertKind.DM and not to_owner)
    )
    if minimal:
        # No customer data outside the compliance channel and the owner's DM (SPEC §5).
        text = _("Compliance case on ticket #{ticket}: details in the compliance channel.").format(
            ticket=esc.ticket_id
        )
        line = _("Assigned to {who} · {status}").format(who=who, status=status)
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":lock: {text}\n{line}"}},
        ]
    else:
        title = (_("VIP escalation #{ticket}") if esc.vip else _("Escalation #{ticket}")).format(
            ticket=esc.ticket_id
        )
        subject = customer(esc.subject)
        text = f"{title}: {subject}".strip()
        pairs = [
            (_("Category"), esc.category or "-"),
            (_("Language"), esc.language or "-"),
            (_("Assigned to"), who),
            (_("Status"), status),
        ]
        pairs += _deadlines(esc, _, locale=locale, tz=tz)
        fields = [f"*{label}:* {value}" for label, value in pairs]
        icon = ":rotating_light:" if esc.vip else ":bell:"
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{title}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _subject(esc, _, ticket_url)}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        ]
        if analyst is not None and not analyst.speaks(esc.language):
            need = _("Language needed: {language}").format(language=esc.language)
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f":warning: {need}"}]}
            )
        blocks += findings_blocks(esc.enrichment, _=_, locale=locale, tz=tz)
        blocks += documents_blocks(esc.documents, _=_)
        if esc.vip and analyst is not None and kind is AlertKind.CHANNEL:
            text = f"{who} {text}"
    if overdue:
        labels = {"response": _("first response"), "resolution": _("resolution")}
        line = _("Overdue: {what}").format(what=", ".join(labels[x] for x in overdue))
        red = {"type": "mrkdwn", "text": f":red_circle: *{line}*"}
        blocks.insert(1, {"type": "context", "elements": [red]})
    if not minimal and (jira := issues_line(esc.jira_issues or (), _)):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": jira}]})
    if not minimal and money:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": money}]})
    if not minimal and esc.incident_ref:
        part = _("Part of provider incident {incident}").format(incident=esc.incident_ref)
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f":link: {part}"}]}
        )
    if esc.status != EscalationStatus.RESOLVED:
        blocks.append(buttons(esc.id, _))
    elif took := time_to_resolve(esc, locale=locale):
        done = _("Resolved in {duration}").format(duration=took)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f":white_check_mark: {done}"}],
            }
        )
    return limits.message(mask(text), mask_deep(blocks))


def _subject(esc: Escalation, _: i18n.Gettext, ticket_url: str | None) -> str:
    """The subject as its section shows it: masked, escaped, and within Slack's limit."""
    more = limits.read_more(_, ticket_id=esc.ticket_id, url=ticket_url)
    return limits.fit(customer(esc.subject) or "-", limits.SECTION_TEXT, more=more)


def time_to_resolve(esc: Escalation, *, locale: str | None) -> str | None:
    """How long the customer waited, from the agent's escalation to its resolution ("3 hours")."""
    if esc.resolved_at is None or esc.received_at is None:
        return None
    start, end = esc.received_at, esc.resolved_at
    if (start.tzinfo is None) != (end.tzinfo is None):  # SQLite hands back naive UTC
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return str(
        format_timedelta(
            max(end - start, timedelta(0)),
            threshold=2,
            granularity="minute",
            locale=i18n.babel_locale(locale),
        )
    )


def _deadlines(
    esc: Escalation, _: i18n.Gettext, *, locale: str | None, tz: str
) -> list[tuple[str, str]]:
    """The deadlines still running: claim (while routed), first response, resolution."""
    out = []
    if esc.status == EscalationStatus.ROUTED and esc.claim_due_at is not None:
        out.append((_("Claim by"), i18n.format_datetime(esc.claim_due_at, locale=locale, tz=tz)))
    if esc.first_response_at is None and esc.first_response_due_at is not None:
        due = i18n.format_datetime(esc.first_response_due_at, locale=locale, tz=tz)
        out.append((_("First response due"), due))
    if esc.sla_due_at is not None:
        out.append((_("SLA due"), i18n.format_datetime(esc.sla_due_at, locale=locale, tz=tz)))
    return out
