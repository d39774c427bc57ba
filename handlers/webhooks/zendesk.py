"""POST /webhooks/zendesk: verify the signature, parse the event, store it, answer 200."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

import handlers.body as request_body
from bot.errors import SignatureError
from bot.escalations.intake import event_matters, event_priority
from bot.events import zendesk as zendesk_events
from bot.events.zendesk import TIMESTAMP, BadZendeskEvent
from bot.services import Services
from bot.store.committer import InboxCommitter
from handlers.signing import verify_zendesk_signature
from handlers.webhooks.gate import admitted, reject, storage_unavailable

log = logging.getLogger(__name__)

PATH = "/webhooks/zendesk"
SIGNATURE = "X-Zendesk-Webhook-Signature"


def make_handler(services: Services, inbox: InboxCommitter) -> Any:
    """Build the endpoint bound to services, storing through the app's inbox committer."""

    async def zendesk_webhook(request: web.Request) -> web.Response:
        secret = services.settings.zendesk_webhook_secret
        body = await admitted(request, services, "zendesk", secret=secret)
        if isinstance(body, web.Response):
            return body
        assert secret is not None  # admitted refuses a delivery without one
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
            key, event = zendesk_events.parse(body, request_body.loads(body), request.headers)
        except (request_body.BadJSON, BadZendeskEvent) as err:
            return reject(services, "zendesk", 400, str(err), "zendesk_webhook.malformed")
        services.metrics.inc(
            "baton_webhooks_received_total", {"source": "zendesk"}, help="Webhook deliveries"
        )
        if not event_matters(event, tags=services.settings.config.tags):
            # Acknowledged, not stored: not about an escalation Baton can act on.
            log.info(
                "zendesk_webhook.ignored", extra={"kind": event.kind, "ticket_id": event.ticket_id}
            )
            return web.json_response({"status": "ignored"})
        try:
            stored = await inbox.store(
                event,
                dedupe_key=key,
                now=services.clock(),
                priority=event_priority(event, tags=services.settings.config.tags),
            )
        except SQLAlchemyError as err:
            return storage_unavailable("zendesk", err)
        # Its batch has committed here: only now is the event durable.
        status = "stored" if stored else "duplicate"
        log.info(
            "zendesk_webhook.received",
            extra={"kind": event.kind, "ticket_id": event.ticket_id, "status": status},
        )
        return web.json_response({"status": status})

    return zendesk_webhook


def register(app: web.Application, services: Services, inbox: InboxCommitter) -> None:
    """Add POST /webhooks/zendesk."""
    app.router.add_post(PATH, make_handler(services, inbox))
