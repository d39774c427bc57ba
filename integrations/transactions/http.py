"""The HTTP adapter: a back office's payments API on aiohttp (SPEC §8).

`GET {TRANSACTIONS_URL}/transactions?<key>=<value>&limit=N[&cursor=…]` with a bearer token,
answering `{"transactions": [...], "next_cursor": "…" | null}` in the back office's own names,
read through the same maps as the SQL adapter. One session, created on the running loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.config.transactions import TransactionsConfig
from bot.domain import LookupBy, ProviderHealth, TransactionPage
from bot.errors import IntegrationError
from bot.ports import Adjustment, AdjustmentResult
from integrations import _http
from integrations.transactions.mapping import MappingError, RowMapper

log = logging.getLogger(__name__)

SERVICE = "transactions"
MAX_LIMIT = 100


class HttpTransactions:
    """TransactionsPort over the back office's HTTP API."""

    def __init__(self, base_url: str, config: TransactionsConfig, *, token: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.mapper = RowMapper(config, minor_units=config.http.amount_minor_units)
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Accept": "application/json", "User-Agent": "Baton"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            self._session = aiohttp.ClientSession(
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds),
            )
        return self._session

    async def find(
        self, by: LookupBy, value: str, *, limit: int = 10, cursor: str | None = None
    ) -> TransactionPage:
        """Transactions whose `by` field equals value, newest first, a page at a time."""
        params = {by.value: value, "limit": str(max(1, min(limit, MAX_LIMIT)))}
        if cursor:
            params["cursor"] = cursor
        url = f"{self.base_url}/transactions"
        try:
            async with self._client().get(url, params=params, allow_redirects=False) as resp:
                status = resp.status
                body = await resp.read()
                retry_after = _http.retry_after(resp.headers)
        except TimeoutError as err:
            log.warning("transactions.http_failed", extra={"error": "timeout"})
            raise IntegrationError(
                SERVICE,
                f"the back office did not answer within {self.config.timeout_seconds:g} s",
                retryable=True,
            ) from err
        except aiohttp.ClientError as err:
            log.warning("transactions.http_failed", extra={"error": type(err).__name__})
            raise IntegrationError(
                SERVICE, f"cannot reach the back office ({type(err).__name__})", retryable=True
            ) from err
        if status != 200:
            return _refused(status, body, retry_after)
        return self._page(_json(body, status))

    async def provider_health(self, *, since: datetime) -> list[ProviderHealth] | None:
        """`GET /providers/health?since=<ISO time>`; None when the back office has none (404)."""
        url = f"{self.base_url}/providers/health"
        params = {"since": since.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        try:
            async with self._client().get(url, params=params, allow_redirects=False) as resp:
                status, body = resp.status, await resp.read()
                retry_after = _http.retry_after(resp.headers)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise IntegrationError(
                SERVICE, f"provider health: no answer ({type(err).__name__})", retryable=True
            ) from err
        if status == 404:
            return None
        if status != 200:
            raise IntegrationError(
                SERVICE,
                f"provider health: the back office answered {status}",
                retryable=_http.should_retry(status),
                retry_after=retry_after,
                status=status,
            )
        data = _json(body, status)
        rows = data.get("providers") if isinstance(data, Mapping) else None
        if not isinstance(rows, list):
            raise _malformed('provider health: no "providers" list')
        out: list[ProviderHealth] = []
        for r in rows:
            try:
                out.append(
                    ProviderHealth(
                        provider=str(r["provider"]), total=int(r["total"]), failed=int(r["failed"])
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise _malformed(
                    "provider health: an entry lacks provider, total or failed"
                ) from None
        return out

    def _page(self, data: Any) -> TransactionPage:
        if not isinstance(data, Mapping) or not isinstance(data.get("transactions"), list):
            raise _malformed('no "transactions" list')
        next_cursor = data.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise _malformed('"next_cursor" is not a string or null')
        rows = data["transactions"]
        if not all(isinstance(r, Mapping) for r in rows):
            raise _malformed("a transaction is not an object")
        try:
            found = tuple(self.mapper.to_transaction(r) for r in rows)
        except MappingError as err:
            raise _malformed(str(err)) from None
        return TransactionPage(transactions=found, next_cursor=next_cursor or None)

    async def adjust(self, adjustment: Adjustment) -> AdjustmentResult:
        """`POST /adjustments` with its Idempotency-Key; a lost answer is retried by the caller
        with the same key, and the back office answers the first result again (SPEC §14)."""
        body = {
            "type": adjustment.type,
            "customer_id": adjustment.customer_id,
            "amount": adjustment.amount,
            "currency": adjustment.currency,
            "transaction_id": adjustment.transaction_id,
            "reason": adjustment.reason,
            "note": adjustment.note,
            "ticket_id": adjustment.ticket_id,
            "requested_by": adjustment.requested_by,
            "approved_by": list(adjustment.approved_by),
        }
        headers = {"Idempotency-Key": adjustment.idempotency_key}
        url = f"{self.base_url}/adjustments"
        try:
            async with self._client().post(
                url, json=body, headers=headers, allow_redirects=False
            ) as resp:
                status = resp.status
                raw = await resp.read()
                retry_after = _http.retry_after(resp.headers)
        except TimeoutError as err:
            # The back office may have applied it: only a retry with the same key may follow.
            log.warning("transactions.adjust_failed", extra={"error": "timeout"})
            raise IntegrationError(
                SERVICE, "the back office did not answer the adjustment", retryable=True
            ) from err
        except aiohttp.ClientError as err:
            log.warning("transactions.adjust_failed", extra={"error": type(err).__name__})
            raise IntegrationError(
                SERVICE, f"cannot reach the back office ({type(err).__name__})", retryable=True
            ) from err
        if status not in (200, 201):
            _refused(status, raw, retry_after)
            raise IntegrationError(SERVICE, f"the back office answered {status}", status=status)
        return _adjustment_result(_json(raw, status))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _refused(status: int, body: bytes, retry_after: float | None) -> TransactionPage:
    """What a non-200 answer means: an empty page (404 from the API) or an IntegrationError."""
    if status == 404:
        # Many back offices answer 404 for a customer they do not know; that is "none found".
        # A 404 that is not the API's JSON is a wrong base URL, and no retry will fix it.
        data = _try_json(body)
        if isinstance(data, Mapping):
            return TransactionPage(transactions=())
        raise IntegrationError(
            SERVICE,
            "404 without a JSON body: is TRANSACTIONS_URL the API's base URL?",
            status=404,
        )
    log.warning("transactions.http_refused", extra={"status": status})
    if status in (401, 403):
        raise IntegrationError(
            SERVICE,
            f"{status}: the back office refused the token (check TRANSACTIONS_API_TOKEN)",
            status=status,
        )
    if status == 429:
        raise IntegrationError(
            SERVICE, "429: rate limited", retryable=True, retry_after=retry_after, status=429
        )
    raise IntegrationError(
        SERVICE,
        f"the back office answered {status}",
        retryable=_http.should_retry(status),
        retry_after=retry_after,
        status=status,
    )


def _adjustment_result(data: Any) -> AdjustmentResult:
    if not isinstance(data, Mapping):
        raise _malformed("the adjustment answer is not an object")
    status, ref, message = data.get("status"), data.get("id"), data.get("message")
    if status not in ("completed", "pending", "rejected"):
        raise _malformed('"status" is not completed, pending or rejected')
    if not isinstance(ref, str | int) or isinstance(ref, bool) or not str(ref):
        raise _malformed('no adjustment "id"')
    if message is not None and not isinstance(message, str):
        raise _malformed('"message" is not a string')
    return AdjustmentResult(id=str(ref), status=status, message=message)


def _try_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _json(body: bytes, status: int) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise _malformed(f"the {status} answer is not JSON") from None


def _malformed(what: str) -> IntegrationError:
    log.warning("transactions.http_malformed", extra={"problem": what})
    return IntegrationError(SERVICE, f"malformed answer from the back office: {what}")
