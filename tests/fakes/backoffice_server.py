"""A fake back-office payments API on a local port, in the back office's own words.

It answers `GET /transactions?<one key>=…&limit=N[&cursor=…]` (SPEC §8) with rows named and
worded as a real back office might (`txn_ref`, `psp_ref`, `amount_cents`, `ccy`, `state: PAID`…),
newest first, a page at a time with an opaque `next_cursor`. It refuses what such an API refuses:
no or a wrong bearer token is a 401, no key or two keys a 400, a customer it has never seen a 404
with a JSON body, any other path an HTML 404. Inject failures with `fail`, `hang`, `malformed`.

It also moves money (SPEC §14): `POST /adjustments` with an `Idempotency-Key` header applies one
adjustment and answers `201 {"id", "status", "message"?}`; the same key again answers the first
answer without applying anything (a different body under a used key is a 422, as Stripe does);
no key, a bad amount or type is a 400. `applied` lists what it really applied, once each;
`refuse_customer` makes it answer `rejected` with its own message.

Usage (the `fake_backoffice` fixture, registered in tests/conftest.py):

    fake_backoffice.add(Transaction(...), ...)          # or .add_row({...}) in its own words
    source = fake_backoffice.adapter()                  # an HttpTransactions pointed at it
    settings = Settings(transactions_url=fake_backoffice.url,
                        transactions_api_token=fake_backoffice.token,
                        config=BatonConfig(transactions=BACKOFFICE_CONFIG))
    fake_backoffice.fail(500) / .fail(429, retry_after=3) / .hang() / .malformed(b"<html>")

BACKOFFICE_CONFIG is the [transactions] section describing these names and words;
`to_row(tx)` writes a Transaction the way this back office stores it (tests/integrations/
transactions/backoffice_sql.py uses it for the SQL table).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import get_currency_precision

from bot.config.transactions import HttpSource, SqlSource, TransactionsConfig
from bot.domain import Transaction, TxStatus, TxType
from tests.fakes.base import Answer, Failure, FakeServer, Request

TOKEN = "bo-test-token-7f3a"

# Baton field -> this back office's name (SPEC §8's example).
FIELDS: dict[str, str] = {
    "id": "txn_ref",
    "provider_reference": "psp_ref",
    "customer_id": "client_id",
    "email": "client_email",
    "type": "kind",
    "amount": "amount_cents",
    "currency": "ccy",
    "status": "state",
    "provider": "psp",
    "method": "method",
    "failure_code": "error_code",
    "created_at": "created",
    "updated_at": "updated",
}
STATUS_WORDS: dict[str, TxStatus] = {
    "PAID": TxStatus.COMPLETED,
    "PEND": TxStatus.PENDING,
    "PROC": TxStatus.PROCESSING,
    "FAIL": TxStatus.FAILED,
    "REVD": TxStatus.REVERSED,
    "CANC": TxStatus.CANCELLED,
}
TYPE_WORDS: dict[str, TxType] = {
    "DEP": TxType.DEPOSIT,
    "WDR": TxType.WITHDRAWAL,
    "CRD": TxType.CREDIT,
    "DBT": TxType.DEBIT,
    "RFD": TxType.REFUND,
    "CHB": TxType.CHARGEBACK,
}
_STATUS_WORD = {v: k for k, v in STATUS_WORDS.items()}
_TYPE_WORD = {v: k for k, v in TYPE_WORDS.items()}
# The API's query keys are Baton's (SPEC §8); the rows are the back office's.
KEYS = ("id", "provider_reference", "customer_id", "email")

BACKOFFICE_CONFIG = TransactionsConfig(
    timeout_seconds=2.0,
    fields=dict(FIELDS),
    sql=SqlSource(table="payments", amount_minor_units=True),
    http=HttpSource(amount_minor_units=True),
    status_values=dict(STATUS_WORDS),
    type_values=dict(TYPE_WORDS),
)


def backoffice_config(
    *, timeout_seconds: float = 2.0, table: str = "payments", minor_units: bool = True
) -> TransactionsConfig:
    """BACKOFFICE_CONFIG with another timeout, table or amount storage."""
    return replace(
        BACKOFFICE_CONFIG,
        timeout_seconds=timeout_seconds,
        sql=SqlSource(table=table, amount_minor_units=minor_units),
        http=HttpSource(amount_minor_units=minor_units),
    )


def to_row(tx: Transaction, *, minor_units: bool = True) -> dict[str, Any]:
    """tx as this back office stores it: its names, its words, cents, ISO times in UTC."""
    amount: Any = tx.amount
    if minor_units:
        amount = int(tx.amount.scaleb(get_currency_precision(tx.currency)))
    values = {
        "id": tx.id,
        "provider_reference": tx.provider_reference,
        "customer_id": tx.customer_id,
        "email": tx.email,
        "type": _TYPE_WORD[tx.type],
        "amount": amount,
        "currency": tx.currency,
        "status": _STATUS_WORD[tx.status],
        "provider": tx.provider,
        "method": tx.method,
        "failure_code": tx.failure_code,
        "created_at": tx.created_at,
        "updated_at": tx.updated_at,
    }
    return {FIELDS[k]: v for k, v in values.items()}


def _json_value(value: Any) -> Any:
    if hasattr(value, "astimezone"):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return str(value)
    return value


class FakeBackoffice(FakeServer):
    """State and controls; the HTTP server runs in a daemon thread."""

    json_type = "application/json"

    def __init__(self, *, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.rows: list[dict[str, Any]] = []
        self.applied: list[dict[str, Any]] = []  # adjustments applied, in order, once each
        self._answers: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # key: body, answer
        self._refused: dict[str, str] = {}  # customer id: the back office's message
        # An older back office has no /providers/health: it answers 404 until this is set.
        self.serves_health = False

    def start(self) -> FakeBackoffice:
        super().start()
        return self

    # --- data ---------------------------------------------------------------------------

    def add(self, *transactions: Transaction) -> None:
        """Store transactions as this back office would (names, words, cents)."""
        for tx in transactions:
            self.add_row({k: _json_value(v) for k, v in to_row(tx).items()})

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Store one row exactly as given (its own names and words), for odd or broken rows."""
        with self._lock:
            self.rows.append(dict(row))

    def refuse_customer(self, customer_id: str, message: str) -> None:
        """Answer `rejected` with message to adjustments for this customer."""
        with self._lock:
            self._refused[customer_id] = message

    # --- failure injection --------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int | None = 1,
        body: bytes | str | None = None,
        retry_after: float | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Answer status to the next `times` requests (None: until reset)."""
        if body is None:
            body = json.dumps({"error": "internal_error" if status >= 500 else "error"})
        headers = {"Content-Type": content_type}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        answer = (status, headers, body.encode() if isinstance(body, str) else body)
        self.inject(Failure(answer, sticky=times is None), times or 1)

    def malformed(self, body: bytes | str, *, content_type: str = "application/json") -> None:
        """Answer the next request 200 with body as it is (not JSON, wrong shape, bad rows)."""
        self.fail(200, body=body, content_type=content_type)

    def hang(self, seconds: float = 30.0) -> None:
        """Hold every answer this long (released when the fake stops or `reset`)."""
        self.hold_answers(seconds=seconds)

    def reset(self) -> None:
        """Serve normally again."""
        self.clear_failures()
        self.release()

    # --- clients ------------------------------------------------------------------------

    @property
    def config(self) -> TransactionsConfig:
        return BACKOFFICE_CONFIG

    def adapter(self, *, timeout_seconds: float = 2.0, token: str | None = None) -> Any:
        """An HttpTransactions pointed at this fake (with its token unless one is given)."""
        from integrations.transactions import HttpTransactions

        config = backoffice_config(timeout_seconds=timeout_seconds)
        return HttpTransactions(self.url, config, token=token if token is not None else self.token)

    # --- behaviour ----------------------------------------------------------------------

    def route(self, request: Request) -> Answer:
        path, query = request.path, request.args
        if path.rstrip("/") == "/adjustments":
            return self._adjustment(request)
        if path.rstrip("/") == "/providers/health" and self.serves_health:
            return self._health(request)
        if path.rstrip("/") != "/transactions":
            html = b"<html><body><h1>404 Not Found</h1></body></html>"
            return 404, {"Content-Type": "text/html"}, html
        if request.method != "GET":
            return _json(405, {"error": "method_not_allowed", "message": "read-only: GET"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "unauthorized", "message": "invalid or missing token"})
        keys = [k for k in KEYS if k in query]
        if len(keys) != 1:
            return _json(400, {"error": "bad_request", "message": "give exactly one key"})
        key = keys[0]
        try:
            limit = int(query.get("limit", "20"))
            offset = _offset(query.get("cursor"))
        except ValueError:
            return _json(400, {"error": "bad_request", "message": "bad limit or cursor"})
        if not 1 <= limit <= 100:
            return _json(400, {"error": "bad_request", "message": "limit is 1-100"})
        with self._lock:
            matches = [r for r in self.rows if str(r.get(FIELDS[key])) == query[key]]
        if not matches and key in ("customer_id", "email"):
            return _json(404, {"error": "not_found", "message": "unknown customer"})
        matches.sort(key=lambda r: (str(r[FIELDS["created_at"]]), str(r[FIELDS["id"]])))
        matches.reverse()
        page = matches[offset : offset + limit]
        more = offset + limit < len(matches)
        next_cursor = base64.urlsafe_b64encode(f"o:{offset + limit}".encode()).decode()
        return _json(200, {"transactions": page, "next_cursor": next_cursor if more else None})

    def _adjustment(self, request: Request) -> Answer:
        if request.method != "POST":
            return _json(405, {"error": "method_not_allowed", "message": "POST only"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "unauthorized", "message": "invalid or missing token"})
        key = request.headers.get("idempotency-key")
        if not key:
            return _json(400, {"error": "bad_request", "message": "Idempotency-Key is required"})
        body = request.json
        problem = _adjustment_problem(body)
        if problem:
            return _json(400, {"error": "bad_request", "message": problem})
        with self._lock:
            if key in self._answers:
                first_body, answer = self._answers[key]
                if first_body != body:
                    message = "Idempotency-Key reused with another body"
                    return _json(422, {"error": "idempotency_conflict", "message": message})
                return _json(201, answer)
            n = len(self._answers) + 1
            refused = self._refused.get(body["customer_id"])
            if refused is not None:
                answer = {"id": f"ADJ-{n:05d}", "status": "rejected", "message": refused}
            else:
                answer = {"id": f"ADJ-{n:05d}", "status": "completed"}
                self.applied.append({"key": key, **body})
            self._answers[key] = (body, answer)
        return _json(201, answer)

    def _health(self, request: Request) -> Answer:
        """Per provider, the transactions created since `since` and how many failed (SPEC §13)."""
        if request.method != "GET":
            return _json(405, {"error": "method_not_allowed", "message": "read-only: GET"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "unauthorized", "message": "invalid or missing token"})
        try:
            since = datetime.fromisoformat(request.args["since"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return _json(400, {"error": "bad_request", "message": "since: an ISO 8601 time"})
        if since.tzinfo is None:
            return _json(400, {"error": "bad_request", "message": "since needs a time zone"})
        counts: dict[str, list[int]] = {}
        with self._lock:
            for r in self.rows:
                created = datetime.fromisoformat(
                    str(r[FIELDS["created_at"]]).replace("Z", "+00:00")
                )
                if created < since or not r.get(FIELDS["provider"]):
                    continue
                c = counts.setdefault(str(r[FIELDS["provider"]]), [0, 0])
                c[0] += 1
                c[1] += STATUS_WORDS.get(str(r[FIELDS["status"]])) is TxStatus.FAILED
        rows = [{"provider": p, "total": t, "failed": f} for p, (t, f) in sorted(counts.items())]
        return _json(200, {"providers": rows})


ADJUSTMENT_TYPES = ("credit", "debit", "refund", "release")
_REQUIRED = ("type", "customer_id", "amount", "currency", "reason", "ticket_id", "requested_by")


def _adjustment_problem(body: Any) -> str | None:
    """What a real back office would refuse in an adjustment body (None: nothing)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    missing = [k for k in (*_REQUIRED, "approved_by", "transaction_id", "note") if k not in body]
    if missing:
        return f"missing: {', '.join(missing)}"
    if body["type"] not in ADJUSTMENT_TYPES:
        return "unknown type"
    if not isinstance(body["amount"], str):
        return "amount must be a decimal string"
    try:
        amount = Decimal(body["amount"])
        exponent = get_currency_precision(str(body["currency"]))
    except (ArithmeticError, ValueError):
        return "bad amount or currency"
    if not amount.is_finite() or amount <= 0 or -amount.as_tuple().exponent > exponent:  # type: ignore[operator]
        return "amount must be positive, in the currency's minor units"
    if body["type"] in ("refund", "release") and not body["transaction_id"]:
        return "a refund or release names its transaction"
    if not isinstance(body["approved_by"], list) or not body["approved_by"]:
        return "approved_by lists who approved"
    if body["requested_by"] in body["approved_by"]:
        return "four eyes: the requester cannot approve"
    return None


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    text = base64.urlsafe_b64decode(cursor.encode()).decode()
    if not text.startswith("o:"):
        raise ValueError(cursor)
    return int(text[2:])


def _json(status: int, body: Any) -> Answer:
    return status, {}, body


@pytest.fixture
def fake_backoffice() -> Iterator[FakeBackoffice]:
    """A running fake back office, empty, fresh per test."""
    fake = FakeBackoffice().start()
    yield fake
    fake.stop()
