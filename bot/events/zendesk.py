"""A Zendesk webhook body (our triggers' or an event subscription's), read into a ZendeskEvent.

The body is a hint, the API is the truth: the worker reads the ticket again before acting. What
the event keeps is what decides, without a call, whether the ticket needs one: its tags, its new
status, who escalated it and whether it has attachments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from bot.events import MAX_KEY, MAX_KIND
from bot.ports import TICKET_SOLVED_EVENT

SOURCE = "zendesk"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
EVENT_PREFIX = "zen:event-type:"
TICKET_EVENT_PREFIX = EVENT_PREFIX + "ticket."
TRIGGER = "trigger"  # the kind of our escalation trigger's body
# Our triggers' bodies: Zendesk already checked their conditions, so each one is kept.
TRIGGER_KINDS = frozenset({TRIGGER, TICKET_SOLVED_EVENT})
# Our trigger sends "ticket_id"; "ticketID" is what hand-written trigger templates often use.
TICKET_ID_KEYS = ("ticket_id", "ticketID")

MAX_ID = 2**63 - 1  # inbox_events.ticket_id is a BIGINT


class BadZendeskEvent(ValueError):
    """A body that is not a Zendesk event we understand; the message is the reason."""


@dataclass(frozen=True)
class ZendeskEvent:
    """One delivery's event: a ticket event (or another event type, which is not stored)."""

    kind: str  # trigger | ticket_solved | an event type without its prefix (ticket.created)
    ticket_id: int | None = None  # None: not about a ticket
    tags: frozenset[str] | None = None  # the ticket's tags, when the body carries them
    new_status: str | None = None  # a status change's new status, as the body says it
    agent_id: int | None = None  # who escalated: our trigger's agent_id or an event's actor_id
    attachments: bool = False  # our trigger saw attachments (reading comments costs a call)

    def __post_init__(self) -> None:
        # Kinds come from the sender: keep them within the inbox's column.
        object.__setattr__(self, "kind", self.kind[:MAX_KIND])

    def to_json(self) -> dict[str, Any]:
        """The fields as the inbox stores them."""
        # Field by field, not asdict(): every field is a scalar, and asdict deep-copies each
        # one (a tenth of the webhook's cost of storing an event).
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tags"] = sorted(self.tags) if self.tags is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ZendeskEvent:
        """The event the inbox stored (to_json's answer)."""
        tags = data.get("tags")
        return cls(**{**data, "tags": frozenset(tags) if tags is not None else None})


def _ticket_id(value: Any, field: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    raise BadZendeskEvent(f"{field} must be a positive integer in digits")


def _tags(data: Mapping[str, Any]) -> frozenset[str] | None:
    """An event subscription's ``detail.tags`` list, or our triggers' ``tags``
    (``{{ticket.tags}}``, space-separated); None when the body has none."""
    detail = data.get("detail")
    current = detail.get("tags") if isinstance(detail, dict) else data.get("tags")
    if isinstance(current, str):
        return frozenset(current.split())
    if not isinstance(current, list):
        return None
    return frozenset(t for t in current if isinstance(t, str))


def _new_status(data: Mapping[str, Any]) -> str | None:
    """A status change's new status: ``event.current``, else ``detail.status``."""
    event, detail = data.get("event"), data.get("detail")
    to = event.get("current") if isinstance(event, dict) else None
    to = to if isinstance(to, str) else (detail.get("status") if isinstance(detail, dict) else None)
    return to if isinstance(to, str) else None


def _agent(data: Mapping[str, Any]) -> int | None:
    detail = data.get("detail")
    candidates = (
        data.get("agent_id"),
        detail.get("actor_id") if isinstance(detail, dict) else None,
    )
    for value in candidates:
        text = str(value or "")
        if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
            return int(text)
    return None


def _attachments(data: Mapping[str, Any]) -> bool:
    names = data.get("attachments")
    return isinstance(names, str) and bool(names.strip(" ;"))


def read_event(data: Any) -> ZendeskEvent:
    """Read a decoded trigger or event-subscription body; raise BadZendeskEvent with a reason."""
    if not isinstance(data, dict):
        raise BadZendeskEvent("body must be a JSON object")
    event_type = data.get("type")
    if isinstance(event_type, str) and event_type.startswith(EVENT_PREFIX):
        kind = event_type.removeprefix(EVENT_PREFIX)
        if not event_type.startswith(TICKET_EVENT_PREFIX):
            return ZendeskEvent(kind=kind)
        detail = data.get("detail")
        if not isinstance(detail, dict) or "id" not in detail:
            raise BadZendeskEvent("ticket event has no detail.id")
        ticket_id = _ticket_id(detail["id"], "detail.id")
    else:
        field = next((k for k in TICKET_ID_KEYS if k in data), None)
        if field is None:
            raise BadZendeskEvent("no ticket id (expected ticket_id, or an event with detail.id)")
        ticket_id = _ticket_id(data[field], field)
        solved = data.get("event") == TICKET_SOLVED_EVENT  # the second trigger's body
        kind = TICKET_SOLVED_EVENT if solved else TRIGGER
    return ZendeskEvent(
        kind=kind,
        ticket_id=ticket_id,
        tags=_tags(data),
        new_status=_new_status(data),
        agent_id=_agent(data),
        attachments=_attachments(data),
    )


def _signed_key(body: bytes, data: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """A dedupe key from what the signature covers, never from an unsigned header.

    A replay under a new X-Zendesk-Webhook-Invocation-Id is still a duplicate, and a forged
    one cannot claim the key of an event still to come. Our triggers send the ticket's
    updated_at, so the body alone names one update and a retry re-signed later is a duplicate
    too; a body without it is keyed with its signature timestamp, so the same body sent for a
    later update is not taken for the earlier one.
    """
    material = body
    if not (isinstance(data.get("updated_at"), str) and data["updated_at"].strip()):
        wanted = TIMESTAMP.lower()
        stamp = next((v.strip() for k, v in headers.items() if k.lower() == wanted), "")
        material = stamp.encode() + b"\n" + body
    return "sha256:" + hashlib.sha256(material).hexdigest()


def parse(body: bytes, data: Any, headers: Mapping[str, str]) -> tuple[str, ZendeskEvent]:
    """The dedupe key and the event of a delivery (data is body, decoded); raise BadZendeskEvent.

    The dedupe key is the event's id, else a hash of the signed body (see _signed_key).
    """
    event = read_event(data)
    signed = _signed_key(body, data, headers)
    event_id = data.get("id")
    subscribed = isinstance(data.get("type"), str) and data["type"].startswith(EVENT_PREFIX)
    own = f"event:{event_id}" if subscribed and isinstance(event_id, str) and event_id else signed
    key = f"{SOURCE}:{own}"
    if len(key) > MAX_KEY:
        # Keys come from the sender: keep them within the inbox's column.
        key = f"{SOURCE}:long:" + hashlib.sha256(key.encode()).hexdigest()
    return key, event
