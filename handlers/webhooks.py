"""What every signed webhook endpoint shares: a bounded body, and refusals counted and logged."""

from __future__ import annotations

import logging

from aiohttp import web

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


async def read_limited(request: web.Request) -> bytes | None:
    """The body, or None once it passes MAX_BODY (chunked bodies carry no length up front)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
