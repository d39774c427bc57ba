"""What `baton zendesk setup` writes to Zendesk: the webhook, and the three triggers calling it."""

from __future__ import annotations

import json
from typing import Any

from bot.config import Tags
from bot.ports import TICKET_SOLVED_EVENT

WEBHOOK_NAME = "Baton escalations"

CLOSED_STATUSES = ("solved", "closed")
SOLVED_TRIGGER_TITLE = "Baton: escalated ticket solved or closed → notify webhook"
COMPLIANCE_TRIGGER_TITLE = "Baton: compliance tag on an escalated ticket → notify webhook"


def trigger_title(tag: str) -> str:
    return f"Baton: tag {tag} added → notify webhook"


def is_escalation_trigger(title: str) -> bool:
    # Any tag: after the escalation tag is renamed, a re-run updates the old trigger in place.
    return title.startswith("Baton: tag ") and title.endswith(" added → notify webhook")


def webhook_template(endpoint_url: str) -> dict[str, Any]:
    return {
        "name": WEBHOOK_NAME,
        "endpoint": endpoint_url,
        "http_method": "POST",
        "request_format": "json",
        "status": "active",
        "subscriptions": ["conditional_ticket_events"],
    }


def _escalation_payload(tags: Tags) -> dict[str, str]:
    """The body of the escalation triggers (Zendesk placeholders, filled in when it fires)."""
    return {
        "ticket_id": "{{ticket.id}}",
        "event": tags.escalate,
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        # The agent whose update fired the trigger: who escalated, for per-agent reports.
        "agent_id": "{{current_user.id}}",
        # File names attached anywhere on the ticket: a KYC document without a comments call.
        "attachments": (
            "{% for comment in ticket.comments %}{% for attachment in comment.attachments %}"
            "{{attachment.filename}};{% endfor %}{% endfor %}"
        ),
        "tags": "{{ticket.tags}}",
    }


def trigger_template(*, webhook_id: str, tags: Tags) -> dict[str, Any]:
    """The escalation trigger: the escalation tag is on a ticket Baton has not taken yet."""
    payload = _escalation_payload(tags)
    return {
        "title": trigger_title(tags.escalate),
        "active": True,
        "conditions": {
            "all": [
                {"field": "current_tags", "operator": "includes", "value": tags.escalate},
                # Baton's own update of a routed or waiting ticket must not call Baton again.
                *(
                    {"field": "current_tags", "operator": "not_includes", "value": skip}
                    for skip in (tags.routed, tags.unassigned)
                ),
            ],
            "any": [
                {"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "update_type", "operator": "is", "value": "Change"},
            ],
        },
        "actions": [{"field": "notification_webhook", "value": [webhook_id, json.dumps(payload)]}],
    }


def solved_trigger_template(*, webhook_id: str, tags: Tags) -> dict[str, Any]:
    """The second trigger: a ticket Baton routed (or holds) is solved or closed in Zendesk."""
    payload = {
        "ticket_id": "{{ticket.id}}",
        "event": TICKET_SOLVED_EVENT,
        "status": "{{ticket.status}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        "agent_id": "{{current_user.id}}",
    }
    return {
        "title": SOLVED_TRIGGER_TITLE,
        "active": True,
        "conditions": {
            "all": [
                # "includes" with several tags: the ticket carries at least one of them. Every
                # open escalation carries one (routed, waiting, or sent back as incomplete).
                {
                    "field": "current_tags",
                    "operator": "includes",
                    "value": " ".join((tags.routed, tags.unassigned, tags.incomplete)),
                },
            ],
            # "value" is Zendesk's "changed to".
            "any": [
                {"field": "status", "operator": "value", "value": status}
                for status in CLOSED_STATUSES
            ],
        },
        "actions": [{"field": "notification_webhook", "value": [webhook_id, json.dumps(payload)]}],
    }


def compliance_tags(tags: Tags) -> list[str]:
    """The category tags that make a case AML or fraud (the configured ones included)."""
    return sorted(tag for tag, category in tags.categories.items() if category.is_compliance)


def compliance_trigger_template(*, webhook_id: str, tags: Tags) -> dict[str, Any]:
    """The third trigger: a ticket Baton holds carries an AML or fraud tag, which may have been
    added after it was escalated; Baton re-classifies it (bot/escalations/reclassify). It also
    fires on other changes of a compliance case: Baton reads the body's tags and answers those
    without an API call."""
    return {
        "title": COMPLIANCE_TRIGGER_TITLE,
        "active": True,
        "conditions": {
            "all": [
                # "includes" with several tags: the ticket carries at least one of them.
                {
                    "field": "current_tags",
                    "operator": "includes",
                    "value": " ".join((tags.routed, tags.unassigned)),
                },
                {
                    "field": "current_tags",
                    "operator": "includes",
                    "value": " ".join(compliance_tags(tags)),
                },
                {"field": "update_type", "operator": "is", "value": "Change"},
            ],
        },
        "actions": [
            {
                "field": "notification_webhook",
                "value": [webhook_id, json.dumps(_escalation_payload(tags))],
            }
        ],
    }
