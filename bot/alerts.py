"""Slack alerts for escalations: what to post (as outbox items) and how to deliver them.

An escalation's alerts are posted once (the outbox key is derived from the escalation id and
the kind of alert, so a retried routing enqueues nothing new) and then edited in place with
``chat.update`` as the escalation moves. Every text and block is masked before it leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import select

from bot import i18n
from bot.domain import Analyst, Category, EscalationStatus, RoutingDecision
from bot.errors import IntegrationError, NotConfigured
from bot.masking import mask, mask_deep
from bot.models import AlertMessage, Escalation, OutboxMessage
from bot.outbox import OutboxItem
from bot.ports import SlackPort, SlackPost
from bot.services import Services
from bot.slack_messages.text import customer

log = logging.getLogger(__name__)

SERVICE = "slack"
POST, UPDATE, POST_LEADS = "post", "update", "post_leads"


class AlertAction(StrEnum):
    """Button action ids on alert messages (handlers/slack_ids.py re-exports these)."""

    CLAIM = "esc_claim"
    REASSIGN = "esc_reassign"
    DRAFT = "esc_draft"
    TXN = "esc_txn"
    JIRA = "esc_jira"
    RESOLVE = "esc_resolve"


class Kind(StrEnum):
    """Where an alert lives; stored in AlertMessage.kind."""

    CHANNEL = "channel"
    DM = "dm"
    COMPLIANCE = "compliance"
    LEADS = "leads"


@runtime_checkable
class SlackHistory(Protocol):
    async def find_message(self, channel: str, key: str) -> str | None:
        """Return the ts of a recent message carrying key in its metadata, if any."""
        ...


# --- rendering -------------------------------------------------------------------------------


def _is_compliance(esc: Escalation) -> bool:
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
    kind: Kind,
    analyst: Analyst | None,
    locale: str | None = None,
    tz: str = "UTC",
) -> tuple[str, list[dict[str, Any]]]:
    """Render an alert as (fallback text, blocks), masked, for where it is posted."""
    _ = i18n.translator(locale)
    who = _mention(analyst, _)
    status = _status(esc, _)
    minimal = _is_compliance(esc) and kind in (Kind.CHANNEL, Kind.DM, Kind.LEADS)
    if minimal:
        # No customer data outside the compliance channel (no tipping-off, SPEC §5).
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
        if esc.sla_due_at is not None:
            due = i18n.format_datetime(esc.sla_due_at, locale=locale, tz=tz)
            pairs.append((_("SLA due"), due))
        fields = [f"*{label}:* {value}" for label, value in pairs]
        icon = ":rotating_light:" if esc.vip else ":bell:"
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{title}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": subject or "-"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        ]
        if analyst is not None and not analyst.speaks(esc.language):
            need = _("Language needed: {language}").format(language=esc.language)
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f":warning: {need}"}]}
            )
        if esc.vip and analyst is not None and kind is Kind.CHANNEL:
            text = f"{who} {text}"
    if esc.status != EscalationStatus.RESOLVED:
        blocks.append(buttons(esc.id, _))
    return mask(text), mask_deep(blocks)


# --- what to post ------------------------------------------------------------------------------


def _key(esc_id: int, *parts: object) -> str:
    return ":".join(["slack", "esc", str(esc_id), *(str(p) for p in parts)])


def _post_item(
    services: Services,
    esc: Escalation,
    *,
    kind: Kind,
    key: str,
    channel: str | None = None,
    user: str | None = None,
    analyst: Analyst | None,
    locale: str | None = None,
) -> OutboxItem:
    text, blocks = render(
        esc, kind=kind, analyst=analyst, locale=locale, tz=str(services.roster.timezone)
    )
    payload = {
        "kind": str(kind),
        "channel": channel,
        "user": user,
        "text": text,
        "blocks": blocks,
        "escalation_id": esc.id,
    }
    return OutboxItem(key=key, service=SERVICE, action=POST, payload=payload, escalation_id=esc.id)


def on_routed(services: Services, esc: Escalation, decision: RoutingDecision) -> list[OutboxItem]:
    """The Slack messages a routing (or an unassigned escalation) sends."""
    s = services.settings
    analyst = decision.analyst
    items: list[OutboxItem] = []
    if analyst is not None:
        channel = (s.slack_vip_channel if esc.vip else None) or s.slack_routing_channel
        items.append(
            _post_item(
                services,
                esc,
                kind=Kind.CHANNEL,
                key=_key(esc.id, Kind.CHANNEL),
                channel=channel,
                analyst=analyst,
            )
        )
        items.append(
            _post_item(
                services,
                esc,
                kind=Kind.DM,
                key=_key(esc.id, Kind.DM, analyst.key),
                user=analyst.slack_id,
                analyst=analyst,
                locale=analyst.locale,
            )
        )
    else:
        items.append(
            _post_item(
                services,
                esc,
                kind=Kind.LEADS,
                key=_key(esc.id, Kind.LEADS),
                channel=s.slack_leads_channel,
                analyst=None,
            )
        )
    if _is_compliance(esc):
        items.append(
            _post_item(
                services,
                esc,
                kind=Kind.COMPLIANCE,
                key=_key(esc.id, Kind.COMPLIANCE),
                channel=s.slack_compliance_channel,
                analyst=analyst,
            )
        )
    return items


def changed(esc: Escalation, *, ref: str) -> OutboxItem:
    """An update of every alert of the escalation; ref makes the key unique per change."""
    return OutboxItem(
        key=_key(esc.id, UPDATE, ref),
        service=SERVICE,
        action=UPDATE,
        payload={"escalation_id": esc.id, "text": mask(f"ticket #{esc.ticket_id}: {ref}")},
        escalation_id=esc.id,
    )


def dm_item(services: Services, esc: Escalation, *, analyst: Analyst, ref: str) -> OutboxItem:
    """A DM handing an escalation to an analyst (on reassignment)."""
    return _post_item(
        services,
        esc,
        kind=Kind.DM,
        key=_key(esc.id, Kind.DM, analyst.key, ref),
        user=analyst.slack_id,
        analyst=analyst,
        locale=analyst.locale,
    )


def leads_alert(services: Services, *, key: str, text: str) -> OutboxItem:
    """A plain alert to the leads channel (dead letters, unassigned work)."""
    return OutboxItem(
        key=key,
        service=SERVICE,
        action=POST_LEADS,
        payload={"text": mask(text), "channel": services.settings.slack_leads_channel},
    )


# --- delivery ----------------------------------------------------------------------------------


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one Slack outbox row; raises IntegrationError (retryable or not)."""
    if not services.settings.slack_bot_token:
        raise NotConfigured(SERVICE)  # recorded as not sent, even when there is nothing to edit
    if row.action in (POST, POST_LEADS):
        return await _deliver_post(services, row)
    if row.action == UPDATE:
        return await _deliver_update(services, row)
    raise IntegrationError(SERVICE, f"unknown action {row.action}")


async def _already_posted(
    services: Services, row: OutboxMessage, kind: str, channel: str
) -> str | None:
    """After a failed attempt, find whether the message landed anyway (stored ts or history)."""
    if row.escalation_id is not None:
        async with services.db.session() as s:
            ts = await s.scalar(
                select(AlertMessage.ts).where(
                    AlertMessage.escalation_id == row.escalation_id,
                    AlertMessage.kind == kind,
                    AlertMessage.channel == channel,
                )
            )
        if ts:
            return ts
    slack = services.slack
    if isinstance(slack, SlackHistory):
        return await slack.find_message(channel, row.idempotency_key)
    return None


async def _deliver_post(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    p = row.payload
    kind = str(p.get("kind") or Kind.LEADS)
    slack: SlackPort = services.slack
    channel: str | None = p.get("channel")
    if p.get("user"):
        channel = await slack.open_dm(str(p["user"]))
    if not channel:
        # The channel id is unset: recorded, not sent, like an unconfigured service.
        raise NotConfigured(SERVICE)
    if row.attempts > 1:
        ts = await _already_posted(services, row, kind, channel)
        if ts:
            log.info("slack.alert.already_posted", extra={"row": row.id, "kind": kind})
            return {"channel": channel, "ts": ts, "deduplicated": True}
    message = SlackPost(
        channel=channel,
        text=mask(str(p.get("text", ""))),
        blocks=mask_deep(list(p.get("blocks") or [])),
        metadata_key=row.idempotency_key,
    )
    result = await slack.post(message)
    if row.escalation_id is not None:
        async with services.db.session() as s:
            s.add(
                AlertMessage(
                    escalation_id=row.escalation_id,
                    kind=kind,
                    channel=str(result["channel"]),
                    ts=str(result["ts"]),
                )
            )
    return {"channel": result["channel"], "ts": result["ts"]}


async def _deliver_update(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    esc_id = int(row.payload["escalation_id"])
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        # The outbox delivers an escalation's Slack rows in order: every post enqueued before
        # this update has landed (or was given up) by now.
        messages = list(
            await s.scalars(select(AlertMessage).where(AlertMessage.escalation_id == esc_id))
        )
    if esc is None:
        raise IntegrationError(SERVICE, f"escalation {esc_id} not found")
    analyst = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
    tz = str(services.roster.timezone)
    for m in messages:
        locale = analyst.locale if (analyst and m.kind == Kind.DM) else None
        text, blocks = render(esc, kind=Kind(m.kind), analyst=analyst, locale=locale, tz=tz)
        await services.slack.post(SlackPost(channel=m.channel, text=text, blocks=blocks, ts=m.ts))
    return {"updated": len(messages)}
