"""POST /webhooks/jira: verify X-Hub-Signature, parse the event, store it once, answer 200.

Jira retries a delivery for up to about 30 minutes and may deliver twice; the same delivery
carries the same X-Atlassian-Webhook-Identifier, which is the inbox's dedupe key. The work
(notes, alert updates, pings) happens in the worker (bot/jira/events.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import SignatureError
from bot.services import Services
from bot.store import inbox
from bot.store.models import JiraLink
from handlers import body as request_body
from handlers.signing import verify_hub_signature
from handlers.webhooks.gate import read, reject

log = logging.getLogger(__name__)

PATH = "/webhooks/jira"
SIGNATURE = "X-Hub-Signature"
IDENTIFIER = "X-Atlassian-Webhook-Identifier"
# Events that can change what Baton shows; others (created, deleted, worklogs) are acknowledged.
STORED = frozenset({"jira:issue_updated", "comment_created"})
MAX_ID = 200  # inbox_events.dedupe_key column size


class BadJiraEvent(ValueError):
    """A body that is not a Jira webhook event; the message is the reason."""


@dataclass(frozen=True)
class JiraEvent:
    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    issue_id: str | None = None

    @property
    def ignored(self) -> bool:
        return self.kind not in STORED


def parse_jira_event(body: bytes, headers: Mapping[str, str]) -> JiraEvent:
    """Parse a Jira webhook body; raise BadJiraEvent with a reason."""
    try:
        data = request_body.loads(body)
    except request_body.BadJSON as err:
        raise BadJiraEvent(str(err)) from err
    if not isinstance(data, dict):
        raise BadJiraEvent("body must be a JSON object")
    kind = data.get("webhookEvent")
    if not isinstance(kind, str) or not kind:
        raise BadJiraEvent("no webhookEvent")
    issue = data.get("issue")
    issue_id = None
    if kind in STORED:
        if not isinstance(issue, dict) or not isinstance(issue.get("key"), str):
            raise BadJiraEvent("issue event without issue.id and issue.key")
        raw_id = issue.get("id")
        if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or not str(raw_id):
            raise BadJiraEvent("issue event without issue.id and issue.key")
        issue_id = str(raw_id)
        for name, kind_of in (("changelog", dict), ("comment", dict)):
            if name in data and not isinstance(data[name], kind_of):
                raise BadJiraEvent(f"{name} must be an object")
    wanted = IDENTIFIER.lower()
    identifier = next((v.strip() for k, v in headers.items() if k.lower() == wanted), "")
    own = f"jira:delivery:{identifier}" if identifier else ""
    if not own or len(own) > MAX_ID:
        own = "jira:sha256:" + hashlib.sha256(identifier.encode() or body).hexdigest()
    return JiraEvent(kind=kind[:100], dedupe_key=own, payload=data, issue_id=issue_id)


def make_handler(services: Services) -> Any:
    """Build the endpoint bound to services."""

    async def jira_webhook(request: web.Request) -> web.Response:
        secret = services.settings.jira_webhook_secret
        if not secret:
            # Unsigned, anyone could write notes on tickets and reach analysts' DMs.
            return reject(
                services, "jira", 503, "webhook secret not configured", "jira_webhook.unconfigured"
            )
        if request.content_type != "application/json":
            return reject(
                services,
                "jira",
                415,
                "content type must be application/json",
                "jira_webhook.rejected",
            )
        body = await read(request, services, "jira")
        if isinstance(body, web.Response):
            return body
        try:
            verify_hub_signature(secret, body, request.headers.get(SIGNATURE))
        except SignatureError as err:
            return reject(services, "jira", 401, str(err), "jira_webhook.bad_signature")
        try:
            event = parse_jira_event(body, request.headers)
        except BadJiraEvent as err:
            return reject(services, "jira", 400, str(err), "jira_webhook.malformed")
        services.metrics.inc(
            "baton_webhooks_received_total", {"source": "jira"}, help="Webhook deliveries"
        )
        if event.ignored:
            log.info("jira_webhook.ignored", extra={"kind": event.kind})
            return web.json_response({"status": "ignored"})
        try:
            async with services.db.session() as session:
                # The ticket id orders the event with the ticket's other work; an issue not
                # (yet) linked is stored anyway: its create's answer may still be on its way.
                ticket_id = await session.scalar(
                    select(JiraLink.ticket_id).where(JiraLink.issue_id == event.issue_id)
                )
                stored = await inbox.store_event(
                    session,
                    source="jira",
                    dedupe_key=event.dedupe_key,
                    kind=event.kind,
                    ticket_id=ticket_id,
                    payload=event.payload,
                    now=services.clock(),
                )
        except SQLAlchemyError as err:
            log.error("jira_webhook.store_failed", extra={"error": type(err).__name__})
            return web.json_response({"error": "storage unavailable, retry later"}, status=503)
        status = "stored" if stored else "duplicate"
        log.info("jira_webhook.received", extra={"kind": event.kind, "status": status})
        return web.json_response({"status": status})

    return jira_webhook


def register(app: web.Application, services: Services) -> None:
    """Add POST /webhooks/jira."""
    app.router.add_post(PATH, make_handler(services))
