"""A back office's own `payments` table in any database, for SQL adapter tests (and B's, C's).

    config = make_backoffice_table(url, [Transaction(...), ...])
    source = SqlTransactions(url, config)

The table uses the fake back office's names and words (tests/fakes/backoffice_server.py:
`txn_ref`, `amount_cents`, `state = 'PAID'`…), amounts as integer cents unless
minor_units=False (then NUMERIC), times as `timestamptz` on PostgreSQL and naive UTC text on
SQLite (as SQLAlchemy's DateTime stores them there). It is created once per call (dropped first).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

import sqlalchemy as sa

from bot.config.database import sync_url
from bot.config.transactions import TransactionsConfig
from bot.domain import Transaction
from tests.fakes.backoffice_server import FIELDS, backoffice_config, to_row


def backoffice_table(
    metadata: sa.MetaData, *, name: str = "payments", schema: str | None = None, minor_units: bool
) -> sa.Table:
    """The back office's table definition, with the indexes a production table has."""
    amount: sa.types.TypeEngine[object] = (
        sa.BigInteger() if minor_units else sa.Numeric(20, 8)  # type: ignore[assignment]
    )
    c = FIELDS
    return sa.Table(
        name,
        metadata,
        sa.Column(c["id"], sa.String(40), primary_key=True),
        sa.Column(c["provider_reference"], sa.String(80), index=True),
        sa.Column(c["customer_id"], sa.String(40)),
        sa.Column(c["email"], sa.String(200)),
        sa.Column(c["type"], sa.String(8), nullable=False),
        sa.Column(c["amount"], amount, nullable=False),
        sa.Column(c["currency"], sa.String(5), nullable=False),
        sa.Column(c["status"], sa.String(8), nullable=False),
        sa.Column(c["provider"], sa.String(40)),
        sa.Column(c["method"], sa.String(20)),
        sa.Column(c["failure_code"], sa.String(40)),
        sa.Column(c["created_at"], sa.DateTime(timezone=True), nullable=False),
        sa.Column(c["updated_at"], sa.DateTime(timezone=True)),
        sa.Index(f"{name}_client_created", c["customer_id"], c["created_at"], c["id"]),
        sa.Index(f"{name}_email_created", c["email"], c["created_at"], c["id"]),
        schema=schema,
    )


def make_backoffice_table(
    url: str,
    transactions: Iterable[Transaction],
    *,
    minor_units: bool = True,
    table: str = "payments",
    timeout_seconds: float = 2.0,
) -> TransactionsConfig:
    """Create `table` (optionally "schema.table") in url's database holding transactions."""
    schema, _, name = table.rpartition(".")
    engine = sa.create_engine(sync_url(url))
    is_sqlite = engine.dialect.name == "sqlite"
    metadata = sa.MetaData()
    t = backoffice_table(metadata, name=name, schema=schema or None, minor_units=minor_units)
    rows = []
    for tx in transactions:
        row = to_row(tx, minor_units=minor_units)
        for key in (FIELDS["created_at"], FIELDS["updated_at"]):
            if row[key] is not None and is_sqlite:
                row[key] = row[key].astimezone(UTC).replace(tzinfo=None)
        rows.append(row)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        t.drop(conn, checkfirst=True)
        t.create(conn)
        if rows:
            conn.execute(t.insert(), rows)
    engine.dispose()
    return backoffice_config(table=table, minor_units=minor_units, timeout_seconds=timeout_seconds)
