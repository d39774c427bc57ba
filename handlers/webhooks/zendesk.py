"""POST /webhooks/zendesk: verify the signature, parse the event, store it, answer 200."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Tags
from bot.errors import SignatureError
from bot.escalations.intake import event_matters
from bot.escalations.reclassify import payload_tags
from bot.ports import TICKET_SOLVED_EVENT
from bot.services import Services
from bot.store import inbox
from handlers import body as request_body
from handlers.signing import verify_zendesk_signature
from handlers.webhooks.gate import read, reject

log = logging.getLogger(__name__)

PATH = "/webhooks/zendesk"
SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
EVENT_PREFIX = "zen:event-type:"
TICKET_EVENT_PREFIX = EVENT_PREFIX + "ticket."
# Our trigger sends "ticket_id"; "ticketID" is what hand-written trigger templates often use.
TICKET_ID_KEYS = ("ticket_id", "ticketID")


MAX_KEY = 200  # inbox_events.dedupe_key column size
MAX_KIND = 100  # inbox_events.kind column size
MAX_ID = 2**63 - 1  # inbox_events.ticket_id is a BIGINT


class BadZendeskEvent(ValueError):
    """A body that is not a Zendesk event we understand; the message is the reason."""


@dataclass(frozen=True)
class ZendeskEvent:
    """A parsed delivery: a ticket event to store, or another event type to ignore."""

    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    ticket_id: int | None = None
    ignored: bool = False

    def __post_init__(self) -> None:
        # Keys and kinds come from the sender: keep them within the inbox's columns.
        if len(self.dedupe_key) > MAX_KEY:
            digest = hashlib.sha256(self.dedupe_key.encode()).hexdigest()
            object.__setattr__(self, "dedupe_key", f"zendesk:long:{digest}")
        object.__setattr__(self, "kind", self.kind[:MAX_KIND])


def _ticket_id(value: Any, field: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    raise BadZendeskEvent(f"{field} must be a positive integer in digits")


def _wanted(kind: str, data: Mapping[str, Any], tags: Tags) -> bool:
    """Whether an event-subscription body can matter to Baton (read here, judged in bot/)."""
    detail = data.get("detail")
    event = data.get("event")
    ticket_tags = payload_tags(data)
    to = event.get("current") if isinstance(event, dict) else None
    to = to if isinstance(to, str) else (detail or {}).get("status")
    return event_matters(
        kind, ticket_tags=ticket_tags, new_status=to if isinstance(to, str) else None, tags=tags
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


def parse_zendesk_event(
    body: bytes, headers: Mapping[str, str], *, tags: Tags | None = None
) -> ZendeskEvent:
    """Parse a trigger or event-subscription body; raise BadZendeskEvent with a reason.

    The dedupe key is the event's id, else a hash of the signed body (see _signed_key).
    """
    tags = tags or Tags()
    try:
        data = request_body.loads(body)
    except request_body.BadJSON as err:
        raise BadZendeskEvent(str(err)) from err
    if not isinstance(data, dict):
        raise BadZendeskEvent("body must be a JSON object")
    signed = _signed_key(body, data, headers)
    event_type = data.get("type")
    if isinstance(event_type, str) and event_type.startswith(EVENT_PREFIX):
        event_id = data.get("id")
        own_key = f"event:{event_id}" if isinstance(event_id, str) and event_id else signed
        key = f"zendesk:{own_key}"
        kind = event_type.removeprefix(EVENT_PREFIX)
        if not event_type.startswith(TICKET_EVENT_PREFIX):
            return ZendeskEvent(kind=kind, dedupe_key=key, payload=data, ignored=True)
        detail = data.get("detail")
        if not isinstance(detail, dict) or "id" not in detail:
            raise BadZendeskEvent("ticket event has no detail.id")
        return ZendeskEvent(
            kind=kind,
            dedupe_key=key,
            payload=data,
            ticket_id=_ticket_id(detail["id"], "detail.id"),
            ignored=not _wanted(kind, data, tags),
        )
    field = next((k for k in TICKET_ID_KEYS if k in data), None)
    if field is None:
        raise BadZendeskEvent("no ticket id (expected ticket_id, or an event with detail.id)")
    solved = data.get("event") == TICKET_SOLVED_EVENT  # the second trigger's body
    return ZendeskEvent(
        kind=TICKET_SOLVED_EVENT if solved else "trigger",
        dedupe_key=f"zendesk:{signed}",
        payload=data,
        ticket_id=_ticket_id(data[field], field),
    )


def make_handler(services: Services) -> Any:
    """Build the endpoint bound to services."""

    async def zendesk_webhook(request: web.Request) -> web.Response:
        secret = services.settings.zendesk_webhook_secret
        if not secret:
            return reject(
                services,
                "zendesk",
                503,
                "webhook secret not configured",
                "zendesk_webhook.unconfigured",
            )
        if request.content_type != "application/json":
            return reject(
                services,
                "zendesk",
                415,
                "content type must be application/json",
                "zendesk_webhook.rejected",
            )
        body = await read(request, services, "zendesk")
        if isinstance(body, web.Response):
            return body
        try:
            verify_zendesk_signature(
                secret=secret,
                timestamp=request.headers.get(TIMESTAMP),
                body=body,
                signature=request.headers.get(SIGNATURE),
                now=services.clock(),
            )
        except SignatureError as err:
            return reject(services, "zendesk", 401, str(err), "zendesk_webhook.bad_signature")
        try:
            event = parse_zendesk_event(body, request.headers, tags=services.settings.config.tags)
        except BadZendeskEvent as err:
            return reject(services, "zendesk", 400, str(err), "zendesk_webhook.malformed")
        services.metrics.inc(
            "baton_webhooks_received_total", {"source": "zendesk"}, help="Webhook deliveries"
        )
        if event.ignored:
            # Acknowledged, not stored: not about an escalation Baton can act on.
            log.info(
                "zendesk_webhook.ignored", extra={"kind": event.kind, "ticket_id": event.ticket_id}
            )
            return web.json_response({"status": "ignored"})
        try:
            async with services.db.session() as session:
                stored = await inbox.store_event(
                    session,
                    source="zendesk",
                    dedupe_key=event.dedupe_key,
                    kind=event.kind,
                    ticket_id=event.ticket_id,
                    payload=event.payload,
                    now=services.clock(),
                )
        except SQLAlchemyError as err:
            # Not stored, so not acknowledged: a 503 makes Zendesk deliver it again later.
            log.error("zendesk_webhook.store_failed", extra={"error": type(err).__name__})
            return web.json_response({"error": "storage unavailable, retry later"}, status=503)
        # The session block has committed here: only now is the event durable.
        status = "stored" if stored else "duplicate"
        log.info(
            "zendesk_webhook.received",
            extra={"kind": event.kind, "ticket_id": event.ticket_id, "status": status},
        )
        return web.json_response({"status": status})

    return zendesk_webhook


def register(app: web.Application, services: Services) -> None:
    """Add POST /webhooks/zendesk."""
    app.router.add_post(PATH, make_handler(services))
