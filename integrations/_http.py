"""What a failed HTTP call to any service means for Baton: retry it or not, and how soon.

One rule for every integration: no answer, a rate limit (429) and server trouble (5xx) may
succeed later; any other refusal (4xx) will not, unless a service names more (Zendesk's 409
conflict, a 408). ``Retry-After`` is read as delay seconds or an HTTP date. Every failure
becomes one ``IntegrationError`` shape: the service, what was asked, the status, retryable,
retry_after; a 404 from a service's own API is ``NotFound``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.errors import IntegrationError, NotFound
from bot.ports import RateSeen

DETAIL_CHARS = 200  # of an error body kept in the message (the row and the log, never Slack)


def _log(service: str) -> logging.Logger:
    # The service's own logger, as if its client had logged it.
    return logging.getLogger(f"integrations.{service}")


def should_retry(status: int | None, *, also: Collection[int] = ()) -> bool:
    """Whether a failed call may succeed later: no answer, 429, 5xx, or a status in also."""
    return status is None or status == 429 or status >= 500 or status in also


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read a Retry-After header: delay seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The Retry-After of an answer's headers (any case), in seconds."""
    if not headers:
        return None
    return retry_after_seconds(headers.get("Retry-After") or headers.get("retry-after"))


def _whole(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = headers.get(name) or headers.get(name.lower())
        if value is not None:
            try:
                return max(0, int(float(value)))
            except ValueError:
                continue
    return None


def rate_seen(
    headers: Mapping[str, str] | None, *, status: int, now: datetime | None = None
) -> RateSeen | None:
    """What an answer's rate-limit headers say (None: it says nothing): Zendesk's account-wide
    ``X-Rate-Limit`` / ``X-Rate-Limit-Remaining``, the ``ratelimit-limit`` / ``-remaining`` /
    ``-reset`` of its ticketing APIs, and a 429's ``Retry-After``."""
    if not headers:
        return None
    limit = _whole(headers, "X-Rate-Limit", "RateLimit-Limit")
    remaining = _whole(headers, "X-Rate-Limit-Remaining", "RateLimit-Remaining")
    reset: float | None = _whole(headers, "RateLimit-Reset")
    if status == 429:
        reset = retry_after(headers) if retry_after(headers) is not None else reset
    if limit is None and remaining is None and reset is None and status != 429:
        return None
    return RateSeen(
        at=now or datetime.now(UTC),
        limit=limit,
        remaining=0 if status == 429 else remaining,
        reset_seconds=reset,
        refused=status == 429,
    )


def refused(
    service: str,
    message: str,
    *,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    retryable: bool | None = None,
) -> IntegrationError:
    """The IntegrationError for an answer that is not a success (retryable by the rule above
    unless the caller knows better), with the Retry-After it asked for."""
    return IntegrationError(
        service,
        message,
        retryable=should_retry(status) if retryable is None else retryable,
        retry_after=retry_after(headers),
        status=status,
    )


def http_error(
    service: str,
    what: str,
    *,
    status: int | None,
    headers: Mapping[str, str] | None,
    body: str,
    also: Collection[int] = (),
) -> IntegrationError | NotFound:
    """A REST API's error answer to ``what``: NotFound for 404, else an IntegrationError
    naming the status and the start of the body."""
    if status == 404:
        _log(service).info(f"{service}.not_found", extra={"call": what})
        return NotFound(f"{service}: {what}: not found")
    err = refused(
        service,
        f"{what}: HTTP {status}: {' '.join(body.split())[:DETAIL_CHARS]}",
        status=status,
        headers=headers,
        retryable=should_retry(status, also=also),
    )
    _log(service).warning(
        f"{service}.http_error",
        extra={"call": what, "status": status, "retry_after": err.retry_after},
    )
    return err


def unreachable(service: str, what: str, err: BaseException) -> IntegrationError:
    """No answer at all (a timeout, a refused connection): retryable."""
    _log(service).warning(
        f"{service}.unreachable", extra={"call": what, "error": type(err).__name__}
    )
    return IntegrationError(service, f"{what}: {type(err).__name__}", retryable=True)
