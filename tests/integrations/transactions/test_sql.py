"""The SQL adapter over a back office's own table, on SQLite and (TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.config.database import sync_url
from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.errors import IntegrationError
from integrations.transactions import SqlTransactions
from tests.fakes.backoffice_server import FIELDS, backoffice_config
from tests.integrations.transactions.backoffice_sql import make_backoffice_table

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
T0 = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def backoffice_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database standing in for a back office (not Baton's own database)."""
    if request.param == "postgresql":
        assert PG_URL
        yield PG_URL
        engine = sa.create_engine(sync_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS payments"))
            conn.execute(sa.text("DROP SCHEMA IF EXISTS backoffice CASCADE"))
        engine.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'backoffice.db'}"


def tx(n: int, **kw: object) -> Transaction:
    base: dict[str, object] = {
        "id": f"TX-{n:06d}",
        "type": TxType.DEPOSIT,
        "amount": Decimal("150.00"),
        "currency": "BRL",
        "status": TxStatus.COMPLETED,
        "created_at": T0 + timedelta(minutes=n // 2),  # pairs share a time: paging breaks ties
        "provider_reference": f"E1234567820261120{n:06d}",
        "customer_id": "C-88213",
        "email": "ana.souza@example.com.br",
        "provider": "pagbank",
        "method": "pix",
    }
    base.update(kw)
    return Transaction(**base)  # type: ignore[arg-type]


async def _all(source: SqlTransactions, by: LookupBy, value: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page = await source.find(by, value, limit=limit, cursor=cursor)
        assert len(page.transactions) <= limit
        seen += [t.id for t in page.transactions]
        if (cursor := page.next_cursor) is None:
            return seen
    raise AssertionError("paging does not end")


async def test_reads_the_back_offices_names_words_and_cents(backoffice_url: str) -> None:
    failed = tx(
        3,
        type=TxType.WITHDRAWAL,
        amount=Decimal("1250.50"),
        status=TxStatus.FAILED,
        failure_code="name_mismatch",
        updated_at=T0 + timedelta(hours=2),
    )
    other = tx(9, customer_id="C-1", email="li.wei@example.cn", currency="CNY")
    config = make_backoffice_table(
        backoffice_url, [*(tx(n) for n in (0, 1, 2, 4, 5, 6)), failed, other]
    )
    source = SqlTransactions(backoffice_url, config)
    try:
        page = await source.find(LookupBy.ID, "TX-000003")
        by_ref = await source.find(LookupBy.PROVIDER_REFERENCE, "E1234567820261120000009")
        by_email = await _all(source, LookupBy.EMAIL, "ana.souza@example.com.br", limit=3)
        by_customer = await _all(source, LookupBy.CUSTOMER_ID, "C-88213", limit=2)
        nothing = await source.find(LookupBy.CUSTOMER_ID, "C-00000")
    finally:
        await source.close()
    assert page.transactions == (failed,) and page.next_cursor is None
    assert by_ref.transactions == (other,)
    newest_first = [
        "TX-000006",
        "TX-000005",
        "TX-000004",
        "TX-000003",
        "TX-000002",
        "TX-000001",
        "TX-000000",
    ]
    assert by_email == newest_first and by_customer == newest_first
    assert nothing.transactions == () and nothing.next_cursor is None


async def test_decimal_amounts_and_currency_exponents(backoffice_url: str) -> None:
    rows = [
        tx(1, amount=Decimal("99.90")),
        tx(2, amount=Decimal("5000"), currency="JPY"),
        tx(3, amount=Decimal("12.345678"), currency="USDT"),
    ]
    config = make_backoffice_table(backoffice_url, rows, minor_units=False)
    source = SqlTransactions(backoffice_url, config)
    try:
        amounts = {
            t.id: t.amount
            for t in (await source.find(LookupBy.CUSTOMER_ID, "C-88213")).transactions
        }
    finally:
        await source.close()
    assert amounts == {
        "TX-000001": Decimal("99.90"),
        "TX-000002": Decimal(5000),
        "TX-000003": Decimal("12.345678"),
    }


async def test_minor_units_follow_each_currency(backoffice_url: str) -> None:
    config = make_backoffice_table(
        backoffice_url, [tx(1, amount=Decimal("5000"), currency="JPY"), tx(2)]
    )
    engine = sa.create_engine(sync_url(backoffice_url))
    with engine.begin() as conn:  # a stablecoin stored in millionths, as some ledgers do
        conn.execute(
            sa.text(
                "INSERT INTO payments"
                " (txn_ref, kind, amount_cents, ccy, state, created, client_id)"
                " VALUES ('TX-USDT', 'DEP', 12345678, 'USDT', 'PAID', :at, 'C-88213')"
            ),
            {"at": T0.replace(tzinfo=None)},
        )
    engine.dispose()
    source = SqlTransactions(backoffice_url, replace(config, currency_exponents={"USDT": 6}))
    try:
        amounts = {
            t.id: t.amount
            for t in (await source.find(LookupBy.CUSTOMER_ID, "C-88213")).transactions
        }
    finally:
        await source.close()
    assert amounts == {
        "TX-000001": Decimal(5000),
        "TX-000002": Decimal("150.00"),
        "TX-USDT": Decimal("12.345678"),
    }


async def test_an_unmapped_word_still_shows_the_row(
    backoffice_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_backoffice_table(backoffice_url, [tx(1), tx(2)])
    engine = sa.create_engine(sync_url(backoffice_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE payments SET state = 'HOLD', kind = 'FEE'"))
    engine.dispose()
    source = SqlTransactions(backoffice_url, config)
    try:
        page = await source.find(LookupBy.CUSTOMER_ID, "C-88213")
        await source.find(LookupBy.CUSTOMER_ID, "C-88213")
    finally:
        await source.close()
    assert [(t.status, t.type) for t in page.transactions] == [
        (TxStatus.PROCESSING, TxType.DEPOSIT)
    ] * 2
    warned = [r for r in caplog.records if r.getMessage() == "transactions.unmapped_value"]
    assert sorted(r.__dict__["value"] for r in warned) == ["FEE", "HOLD"]  # once per word


async def test_the_adapter_cannot_write(backoffice_url: str) -> None:
    config = make_backoffice_table(backoffice_url, [tx(1)])
    source = SqlTransactions(backoffice_url, config)
    try:
        await source.find(LookupBy.ID, "TX-000001")
        async with source.engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError, match=r"read.?only"):
                await conn.execute(sa.text("UPDATE payments SET state = 'FAIL'"))
    finally:
        await source.close()
    engine = sa.create_engine(sync_url(backoffice_url))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT state FROM payments")).scalar_one() == "PAID"
    engine.dispose()


async def test_missing_table_or_column_is_named(backoffice_url: str) -> None:
    config = make_backoffice_table(backoffice_url, [tx(1)])
    missing_table = SqlTransactions(
        backoffice_url, replace(config, sql=replace(config.sql, table="payment"))
    )
    wrong_column = SqlTransactions(
        backoffice_url, replace(config, fields={**config.fields, "amount": "amount_minor"})
    )
    wrong_optional = SqlTransactions(
        backoffice_url, replace(config, fields={**config.fields, "method": "pay_method"})
    )
    try:
        with pytest.raises(IntegrationError, match="table 'payment' not found") as e1:
            await missing_table.find(LookupBy.ID, "TX-000001")
        with pytest.raises(IntegrationError, match=r"no column for amount \('amount_minor'\)"):
            await wrong_column.check()
        with pytest.raises(IntegrationError, match=r"method \('pay_method'\)"):
            await wrong_optional.find(LookupBy.ID, "TX-000001")
    finally:
        for s in (missing_table, wrong_column, wrong_optional):
            await s.close()
    assert not e1.value.retryable


async def test_an_optional_column_the_table_lacks_reads_as_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'small.db'}"
    config = make_backoffice_table(url, [tx(1, failure_code="x")])
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a back office with no failure codes nor update times at all
        conn.execute(sa.text("ALTER TABLE payments DROP COLUMN error_code"))
        conn.execute(sa.text("ALTER TABLE payments DROP COLUMN updated"))
    engine.dispose()
    plain = replace(
        config, fields={**config.fields, "failure_code": "failure_code", "updated_at": "updated_at"}
    )
    source = SqlTransactions(url, plain)
    try:
        (found,) = (await source.find(LookupBy.ID, "TX-000001")).transactions
    finally:
        await source.close()
    assert found.failure_code is None and found.amount == Decimal("150.00")


async def test_a_locked_or_slow_database_times_out_retryably(backoffice_url: str) -> None:
    config = make_backoffice_table(backoffice_url, [tx(1)], timeout_seconds=0.5)
    source = SqlTransactions(backoffice_url, config)
    await source.check()
    if backoffice_url.startswith("sqlite"):
        locker = sqlite3.connect(backoffice_url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
    else:
        engine = sa.create_engine(sync_url(backoffice_url))
        lock_conn = engine.connect()
        lock_conn.execute(sa.text("LOCK TABLE payments IN ACCESS EXCLUSIVE MODE"))
    started = time.monotonic()
    try:
        with pytest.raises(IntegrationError) as err:
            await source.find(LookupBy.ID, "TX-000001")
    finally:
        if backoffice_url.startswith("sqlite"):
            locker.rollback()
            locker.close()
        else:
            lock_conn.rollback()
            lock_conn.close()
            engine.dispose()
        await source.close()
    assert err.value.retryable
    assert time.monotonic() - started < 3


async def test_an_unreachable_database_is_retryable() -> None:
    config = backoffice_config(timeout_seconds=1)
    source = SqlTransactions("postgresql://postgres@127.0.0.1:1/none", config)
    try:
        with pytest.raises(IntegrationError) as err:
            await source.find(LookupBy.ID, "TX-1")
    finally:
        await source.close()
    assert err.value.retryable


async def test_a_cursor_from_elsewhere_is_refused(backoffice_url: str) -> None:
    config = make_backoffice_table(backoffice_url, [tx(1)])
    source = SqlTransactions(backoffice_url, config)
    try:
        with pytest.raises(IntegrationError, match="cursor") as err:
            await source.find(LookupBy.CUSTOMER_ID, "C-88213", cursor="bm90IGEgY3Vyc29y")
    finally:
        await source.close()
    assert not err.value.retryable


@pytest.mark.skipif(not PG_URL, reason="schemas are a PostgreSQL thing (TEST_DATABASE_URL)")
async def test_a_schema_qualified_table_on_postgresql(backoffice_url: str) -> None:
    if backoffice_url.startswith("sqlite"):
        pytest.skip("SQLite has no schemas")
    config = make_backoffice_table(backoffice_url, [tx(1), tx(2)], table="backoffice.payments")
    source = SqlTransactions(backoffice_url, config)
    try:
        page = await source.find(LookupBy.CUSTOMER_ID, "C-88213")
    finally:
        await source.close()
    assert [t.id for t in page.transactions] == ["TX-000002", "TX-000001"]
    assert FIELDS["id"] == "txn_ref"
