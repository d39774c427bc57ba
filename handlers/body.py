"""Reading and parsing a request body: bounded in size, in time, and in JSON nesting.

Every endpoint that reads a body goes through here: the webhooks (Zendesk, Jira) and Slack.
A client that sends its headers and then dribbles the body is cut off after the app's body
timeout (408, the connection closed) instead of holding a connection open; JSON nested deeper
than any vendor sends is refused (400) before recursion can turn it into a 500.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

# Seconds a client has to send its whole body; create_app(body_timeout=...) sets it.
BODY_TIMEOUT: web.AppKey[float] = web.AppKey("body_timeout", float)
DEFAULT_BODY_TIMEOUT = 10.0
# Zendesk, Jira and Slack payloads nest a dozen levels or so (ADF, Block Kit views included).
MAX_DEPTH = 64
TOO_DEEP = "JSON nested too deeply"
TOO_SLOW = "request body not received in time"
CLOSE_GRACE = 1.0  # seconds between answering a slow client and dropping its connection


class BodyTooLarge(Exception):
    """The body passed the endpoint's limit."""


class BodyTooSlow(Exception):
    """The body did not arrive within the app's body timeout."""


class BadJSON(ValueError):
    """Not JSON Baton will read; the message is the reason."""


async def read_body(request: web.Request, *, limit: int | None = None) -> bytes:
    """The whole body, within limit bytes and the app's body timeout, or raise.

    Without a limit, the app's client_max_size holds and the body stays readable by
    request.read() (bolt reads it again).
    """
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    if limit is not None and request.content.is_eof():
        # The whole body came with the headers (a webhook's usually does): nothing to wait for,
        # so no timer to arm and cancel.
        body = request.content.read_nowait()
        if len(body) > limit:
            raise BodyTooLarge
        return body
    timeout = request.config_dict.get(BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT)
    try:
        async with asyncio.timeout(timeout):
            if limit is None:
                return await request.read()
            return await _read_limited(request, limit)
    except TimeoutError as err:
        raise BodyTooSlow from err
    except web.HTTPRequestEntityTooLarge as err:
        raise BodyTooLarge from err


async def _read_limited(request: web.Request, limit: int) -> bytes:
    # Chunked bodies carry no length up front: the limit holds while reading too.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def too_slow(request: web.Request, response: web.Response) -> web.Response:
    """Send response (the 408), end our side of the connection and drop it soon after.

    aiohttp would otherwise keep reading the unread body for its lingering time (10 s). A
    close with the client's bytes unread resets the connection, which can destroy the answer
    before it is read: so the answer and our end of the stream go first, the close a moment
    later.
    """
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    transport = request.transport
    if transport is not None:
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(CLOSE_GRACE, transport.close)
    return response


def _depth_within(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def loads(body: bytes | str, *, what: str = "body") -> Any:
    """Parse JSON from a request; raise BadJSON with the reason (invalid, too deeply nested)."""
    try:
        data = json.loads(body)
    except RecursionError as err:
        raise BadJSON(TOO_DEEP) from err
    except (ValueError, UnicodeDecodeError) as err:
        raise BadJSON(f"{what} is not valid JSON") from err
    if not _depth_within(data, MAX_DEPTH):
        raise BadJSON(TOO_DEEP)
    return data
