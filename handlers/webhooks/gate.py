"""What every signed webhook endpoint shares: a bounded body, and refusals counted and logged."""

from __future__ import annotations

import logging

from aiohttp import web

import handlers.body as body
from bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


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
