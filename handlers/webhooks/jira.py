"""POST /webhooks/jira: verify X-Hub-Signature, parse the event, store it once, answer 200.

Jira retries a delivery and may deliver twice: the dedupe key (bot/events/jira.py) stores it
once. The work (notes, alert updates, pings) happens in the worker (bot/jira/events.py).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

import handlers.body as request_body
from bot.errors import SignatureError
from bot.events import jira as jira_events
from bot.events.jira import BadJiraEvent
from bot.jira import events as jira_work
from bot.services import Services
from bot.store.committer import InboxCommitter
from handlers.signing import verify_hub_signature
from handlers.webhooks.gate import admitted, reject, storage_unavailable

log = logging.getLogger(__name__)

PATH = "/webhooks/jira"
SIGNATURE = "X-Hub-Signature"


def make_handler(services: Services, inbox: InboxCommitter) -> Any:
    """Build the endpoint bound to services, storing through the app's inbox committer."""

    async def jira_webhook(request: web.Request) -> web.Response:
        secret = services.settings.jira_webhook_secret
        body = await admitted(request, services, "jira", secret=secret)
        if isinstance(body, web.Response):
            return body
        assert secret is not None  # admitted refuses a delivery without one
        try:
            verify_hub_signature(secret, body, request.headers.get(SIGNATURE))
        except SignatureError as err:
            return reject(services, "jira", 401, str(err), "jira_webhook.bad_signature")
        try:
            key, event = jira_events.parse(body, request_body.loads(body), request.headers)
        except (request_body.BadJSON, BadJiraEvent) as err:
            return reject(services, "jira", 400, str(err), "jira_webhook.malformed")
        services.metrics.inc(
            "baton_webhooks_received_total", {"source": "jira"}, help="Webhook deliveries"
        )
        if event.ignored:
            log.info("jira_webhook.ignored", extra={"kind": event.kind})
            return web.json_response({"status": "ignored"})
        try:
            async with services.db.read_session() as session:
                event = await jira_work.linked(session, event)
            stored = await inbox.store(event, dedupe_key=key, now=services.clock())
        except SQLAlchemyError as err:
            return storage_unavailable("jira", err)
        status = "stored" if stored else "duplicate"
        log.info("jira_webhook.received", extra={"kind": event.kind, "status": status})
        return web.json_response({"status": status})

    return jira_webhook


def register(app: web.Application, services: Services, inbox: InboxCommitter) -> None:
    """Add POST /webhooks/jira."""
    app.router.add_post(PATH, make_handler(services, inbox))
