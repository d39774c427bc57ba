"""The Slack alerts an escalation sends, as outbox items: posted once, then edited in place.

An escalation's alerts are posted once (the outbox key is derived from the escalation id and
the kind of alert, so a retried routing enqueues nothing new) and then edited in place with
``chat.update`` as the escalation moves. bot/delivery/slack.py sends them.
"""

from __future__ import annotations

from bot.config import Settings
from bot.domain import Analyst, RoutingDecision
from bot.escalations import deadlines
from bot.masking import mask
from bot.services import Services
from bot.slack_messages.alerts import AlertKind, is_compliance, render
from bot.store.models import Escalation
from bot.store.outbox import OutboxItem

SERVICE = "slack"
POST, UPDATE, POST_LEADS = "post", "update", "post_leads"


def ticket_url(settings: Settings, ticket_id: int) -> str | None:
    """The agent's view of the ticket, when ZENDESK_URL is set."""
    return f"{settings.zendesk_url}/agent/tickets/{ticket_id}" if settings.zendesk_url else None


def _key(esc_id: int, *parts: object) -> str:
    return ":".join(["slack", "esc", str(esc_id), *(str(p) for p in parts)])


def _post_item(
    services: Services,
    esc: Escalation,
    *,
    kind: AlertKind,
    key: str,
    channel: str | None = None,
    user: str | None = None,
    analyst: Analyst | None,
    locale: str | None = None,
) -> OutboxItem:
    text, blocks = render(
        esc,
        kind=kind,
        analyst=analyst,
        locale=locale,
        tz=str(services.roster.timezone),
        overdue=deadlines.overdue(
            esc, now=services.clock(), paused=deadlines.sla_paused(services.settings.config, esc)
        ),
        ticket_url=ticket_url(services.settings, esc.ticket_id),
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
                kind=AlertKind.CHANNEL,
                key=_key(esc.id, AlertKind.CHANNEL),
                channel=channel,
                analyst=analyst,
            )
        )
        items.append(
            _post_item(
                services,
                esc,
                kind=AlertKind.DM,
                key=_key(esc.id, AlertKind.DM, analyst.key),
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
                kind=AlertKind.LEADS,
                key=_key(esc.id, AlertKind.LEADS),
                channel=s.slack_leads_channel,
                analyst=None,
            )
        )
    if is_compliance(esc):
        items.append(
            _post_item(
                services,
                esc,
                kind=AlertKind.COMPLIANCE,
                key=_key(esc.id, AlertKind.COMPLIANCE),
                channel=s.slack_compliance_channel,
                analyst=analyst,
            )
        )
    return items


def on_reclassified(services: Services, esc: Escalation) -> list[OutboxItem]:
    """A case that became AML or fraud: the compliance channel gets it, every alert is edited.

    The compliance alert is the one a case routed as compliance posts (same key, so it is
    posted once); the edit reduces the routing channel's alert to the compliance notice and
    gives the owner's DM the details.
    """
    owner = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
    post = _post_item(
        services,
        esc,
        kind=AlertKind.COMPLIANCE,
        key=_key(esc.id, AlertKind.COMPLIANCE),
        channel=services.settings.slack_compliance_channel,
        analyst=owner,
    )
    return [post, changed(esc, ref=f"reclassified:{esc.category}")]


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
        kind=AlertKind.DM,
        key=_key(esc.id, AlertKind.DM, analyst.key, ref),
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
