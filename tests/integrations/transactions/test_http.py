"""The HTTP adapter against the fake back office: its names and words, paging, and failures."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.errors import IntegrationError
from integrations.transactions import HttpTransactions
from tests.fakes.backoffice_server import BACKOFFICE_CONFIG, FakeBackoffice

T0 = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def tx(n: int, **kw: object) -> Transaction:
    base: dict[str, object] = {
        "id": f"TX-{n:06d}",
        "type": TxType.DEPOSIT,
        "amount": Decimal("150.00"),
        "currency": "BRL",
        "status": TxStatus.COMPLETED,
        "created_at": T0 + timedelta(minutes=n),
        "provider_reference": f"E1234567820261120{n:06d}",
        "customer_id": "C-88213",
        "email": "ana.souza@example.com.br",
        "provider": "pagbank",
        "method": "pix",
    }
    base.update(kw)
    return Transaction(**base)  # type: ignore[arg-type]


async def test_reads_foreign_names_words_and_cents(fake_backoffice: FakeBackoffice) -> None:
    failed = tx(
        2,
        type=TxType.WITHDRAWAL,
        amount=Decimal("1250.5"),
        status=TxStatus.FAILED,
        failure_code="name_mismatch",
        updated_at=T0 + timedelta(hours=1),
    )
    fake_backoffice.add(
        tx(1, amount=Decimal("99.90")), failed, tx(3, currency="JPY", amount=Decimal(5000))
    )
    source = fake_backoffice.adapter()
    try:
        page = await source.find(LookupBy.CUSTOMER_ID, "C-88213")
    finally:
        await source.close()
    assert [t.id for t in page.transactions] == ["TX-000003", "TX-000002", "TX-000001"]
    assert page.transactions[1] == failed  # every field back, through names, words and cents
    assert page.transactions[0].amount == Decimal(5000) and page.transactions[0].currency == "JPY"
    assert page.transactions[2].amount == Decimal("99.90")
    assert page.next_cursor is None
    req = fake_backoffice.requests[0]
    assert req.path == "/transactions"
    assert req.args == {"customer_id": "C-88213", "limit": "10"}
    assert req.headers["authorization"] == f"Bearer {fake_backoffice.token}"


async def test_pages_newest_first_with_the_servers_cursor(fake_backoffice: FakeBackoffice) -> None:
    fake_backoffice.add(*(tx(n) for n in range(7)))
    source = fake_backoffice.adapter()
    seen: list[str] = []
    cursor = None
    try:
        for _ in range(4):
            page = await source.find(
                LookupBy.EMAIL, "ana.souza@example.com.br", limit=3, cursor=cursor
            )
            seen += [t.id for t in page.transactions]
            cursor = page.next_cursor
            if cursor is None:
                break
    finally:
        await source.close()
    assert seen == [f"TX-{n:06d}" for n in range(6, -1, -1)]
    assert [r.args.get("cursor") is None for r in fake_backoffice.requests] == [True, False, False]


async def test_one_session_reused_and_closed(fake_backoffice: FakeBackoffice) -> None:
    fake_backoffice.add(tx(1))
    source = fake_backoffice.adapter()
    await source.find(LookupBy.ID, "TX-000001")
    session = source._session
    await source.find(LookupBy.PROVIDER_REFERENCE, "E1234567820261120000001")
    assert source._session is session and session is not None
    await source.close()
    assert session.closed


async def test_unknown_id_is_an_empty_page_and_unknown_customer_404_too(
    fake_backoffice: FakeBackoffice,
) -> None:
    fake_backoffice.add(tx(1))
    source = fake_backoffice.adapter()
    try:
        assert (await source.find(LookupBy.ID, "TX-999999")).transactions == ()
        assert (await source.find(LookupBy.CUSTOMER_ID, "C-00000")).transactions == ()
    finally:
        await source.close()
    assert fake_backoffice.requests[-1].args["customer_id"] == "C-00000"


async def test_a_404_that_is_not_the_api_names_the_base_url(
    fake_backoffice: FakeBackoffice,
) -> None:
    source = HttpTransactions(
        f"{fake_backoffice.url}/v2", BACKOFFICE_CONFIG, token=fake_backoffice.token
    )
    try:
        with pytest.raises(IntegrationError, match="TRANSACTIONS_URL") as err:
            await source.find(LookupBy.ID, "TX-000001")
    finally:
        await source.close()
    assert not err.value.retryable and err.value.status == 404


@pytest.mark.parametrize("token", ["wrong-token", ""])
async def test_a_refused_token_is_not_retried(fake_backoffice: FakeBackoffice, token: str) -> None:
    source = fake_backoffice.adapter(token=token)
    try:
        with pytest.raises(IntegrationError, match="TRANSACTIONS_API_TOKEN") as err:
            await source.find(LookupBy.ID, "TX-000001")
    finally:
        await source.close()
    assert err.value.status == 401 and not err.value.retryable
    sent = fake_backoffice.requests[0].headers.get("authorization")
    assert sent == (f"Bearer {token}" if token else None)


async def test_server_errors_and_rate_limits_are_retryable(fake_backoffice: FakeBackoffice) -> None:
    fake_backoffice.add(tx(1))
    fake_backoffice.fail(500)
    fake_backoffice.fail(429, retry_after=7)
    fake_backoffice.fail(400)
    source = fake_backoffice.adapter()
    try:
        with pytest.raises(IntegrationError) as e500:
            await source.find(LookupBy.ID, "TX-000001")
        with pytest.raises(IntegrationError) as e429:
            await source.find(LookupBy.ID, "TX-000001")
        with pytest.raises(IntegrationError) as e400:
            await source.find(LookupBy.ID, "TX-000001")
        assert len((await source.find(LookupBy.ID, "TX-000001")).transactions) == 1
    finally:
        await source.close()
    assert (e500.value.status, e500.value.retryable) == (500, True)
    assert (e429.value.status, e429.value.retryable, e429.value.retry_after) == (429, True, 7.0)
    assert (e400.value.status, e400.value.retryable) == (400, False)


async def test_a_hanging_back_office_times_out(fake_backoffice: FakeBackoffice) -> None:
    fake_backoffice.hang(10)
    source = fake_backoffice.adapter(timeout_seconds=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(IntegrationError, match="did not answer") as err:
            await source.find(LookupBy.ID, "TX-000001")
    finally:
        fake_backoffice.reset()
        await source.close()
    assert err.value.retryable
    assert time.monotonic() - started < 2


async def test_a_back_office_that_is_down_is_retryable(fake_backoffice: FakeBackoffice) -> None:
    url = fake_backoffice.url
    fake_backoffice.stop()
    source = HttpTransactions(url, BACKOFFICE_CONFIG, token="t")
    try:
        with pytest.raises(IntegrationError, match="cannot reach") as err:
            await source.find(LookupBy.ID, "TX-000001")
    finally:
        await source.close()
    assert err.value.retryable


def _row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "txn_ref": "TX-1",
        "kind": "DEP",
        "amount_cents": 15000,
        "ccy": "BRL",
        "state": "PAID",
        "created": "2026-11-20T14:30:00Z",
        "client_id": "C-1",
    }
    row.update(kw)
    return {k: v for k, v in row.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Gateway</html>", "not JSON"),
        (json.dumps({"data": []}), 'no "transactions" list'),
        (json.dumps({"transactions": ["TX-1"]}), "not an object"),
        (json.dumps({"transactions": [], "next_cursor": 5}), "next_cursor"),
        (json.dumps({"transactions": [_row(amount_cents=None)]}), "no amount ('amount_cents')"),
        (json.dumps({"transactions": [_row(amount_cents="12,50")]}), "amount ('amount_cents')"),
        (json.dumps({"transactions": [_row(amount_cents=12.5)]}), "whole number"),
        (json.dumps({"transactions": [_row(created="yesterday")]}), "created_at ('created')"),
        (json.dumps({"transactions": [_row(ccy="R$")]}), "currency ('ccy')"),
    ],
)
async def test_a_malformed_answer_names_what_is_wrong_not_the_data(
    fake_backoffice: FakeBackoffice, body: str | bytes, message: str
) -> None:
    fake_backoffice.malformed(body)
    source = fake_backoffice.adapter()
    try:
        with pytest.raises(IntegrationError) as err:
            await source.find(LookupBy.CUSTOMER_ID, "C-1")
    finally:
        await source.close()
    assert message in str(err.value) and not err.value.retryable
    assert "15000" not in str(err.value) and "C-1" not in str(err.value)


async def test_amounts_as_json_strings_and_unmapped_words(
    fake_backoffice: FakeBackoffice, caplog: pytest.LogCaptureFixture
) -> None:
    fake_backoffice.add_row(
        _row(amount_cents="15000", state="HOLD", created="2026-11-20T11:30:00-03:00")
    )
    fake_backoffice.add_row(_row(txn_ref="TX-2", state="completed", kind="refund"))
    source = fake_backoffice.adapter()
    try:
        page = await source.find(LookupBy.CUSTOMER_ID, "C-1")
        await source.find(LookupBy.CUSTOMER_ID, "C-1")
    finally:
        await source.close()
    held = next(t for t in page.transactions if t.id == "TX-1")
    assert held.amount == Decimal("150.00") and held.created_at == T0
    assert held.status is TxStatus.PROCESSING  # shown, not dropped: the analyst still sees it
    assert next(t for t in page.transactions if t.id == "TX-2").type is TxType.REFUND
    warned = [r for r in caplog.records if r.getMessage() == "transactions.unmapped_value"]
    assert len(warned) == 1  # once, not per lookup
