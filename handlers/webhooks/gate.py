"""What every signed webhook endpoint shares: the door's checks (a secret configured, JSON, a
bounded body), refusals counted and logged, the app's inbox committer (events stored together,
bot/store/committer.py), and the answer once the event is stored or not."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

import handlers.body as body
from bot.services import Services
from bot.store.committer import InboxCommitter

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
# The web app's one committer, shared by the webhook endpoints (handlers/routes.py builds it).
INBOX: web.AppKey[InboxCommitter] = web.AppKey("inbox_committer", InboxCommitter)


def reject(services: Services, source: str, status: int, reason: str, event: str) -> web.Response:
    """Refuse a delivery with a reason: counted by source and reason, logged, answered as JSON."""
    services.metrics.inc(
        "baton_webhooks_rejected_total",
        {"source": source, "reason": reason},
        help="Webhook deliveries rejected",
    )
    log.warning(event, extra={"source": source, "reason": reason, "status": status})
    return web.json_response({"error": reason}, status=status)


async def read(request: web.Request, services: Services, source: str) -> bytes | web.Response:
    """The body within MAX_BODY and the body timeout, or the refusal to answer (413, 408)."""
    try:
        return await body.read_body(request, limit=MAX_BODY)
    except body.BodyTooLarge:
        return reject(services, source, 413, "body too large", f"{source}_webhook.rejected")
    except body.BodyTooSlow:
        refusal = reject(services, source, 408, body.TOO_SLOW, f"{source}_webhook.too_slow")
        return await body.too_slow(request, refusal)


async def admitted(
    request: web.Request, services: Services, source: str, *, secret: str | None
) -> bytes | web.Response:
    """The body of a delivery the endpoint may verify, or the refusal (503, 415, 413, 408)."""
    if not secret:
        # Unsigned, anyone could write notes on tickets and reach analysts' DMs.
        return reject(
            services, source, 503, "webhook secret not configured", f"{source}_webhook.unconfigured"
        )
    if request.content_type != "application/json":
        return reject(
            services,
            source,
            415,
            "content type must be application/json",
            f"{source}_webhook.rejected",
        )
    return await read(request, services, source)


def storage_unavailable(source: str, err: SQLAlchemyError) -> web.Response:
    """Not stored, so not acknowledged: a 503 makes the sender deliver it again later."""
    log.error(f"{source}_webhook.store_failed", extra={"error": type(err).__name__})
    return web.json_response({"error": "storage unavailable, retry later"}, status=503)
