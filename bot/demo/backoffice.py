"""The demo's back office: the sample transactions as a SQLite table, and the findings printed.

examples/backoffice/transactions.csv is a back office's export in its own words (see
examples/make_transactions.py); the demo loads it into a `payments` table of its own database,
then reads it through the SQL adapter and `[transactions]` in examples/config.toml, as a
deployment reads a real back office.
"""

from __future__ import annotations

import asyncio
import csv
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot import resources
from bot.config import Settings
from bot.config.transactions import TransactionsConfig
from bot.payments.findings import Findings
from bot.payments.notes import paragraph
from bot.ports import TransactionsPort

SAMPLE = resources.example("backoffice/transactions.csv")


def backoffice_url(database_url: str) -> str:
    """The back office's SQLite database, next to the demo's (baton-demo-backoffice.db)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database)
        return f"sqlite:///{db.with_name(db.stem + '-backoffice.db')}"
    return "sqlite:///baton-demo-backoffice.db"


def load_backoffice(url: str, config: TransactionsConfig, *, csv_path: Path = SAMPLE) -> int:
    """Recreate the back office's table at url from the CSV export; return the row count.

    Columns keep the export's names; the amount column holds integers and the two times are
    stored as UTC timestamps, as a back office's own schema would.
    """
    with csv_path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or ())
        rows = list(reader)
    amount = config.column("amount")
    times = {config.column("created_at"), config.column("updated_at")}
    keys = [config.column(k) for k in ("provider_reference", "customer_id", "email")]
    schema, name = config.sql.schema_and_name
    metadata = sa.MetaData()
    columns: list[sa.Column[Any]] = []
    for column in header:
        kind: Any = sa.String(200)
        if column == amount:
            kind = sa.BigInteger()
        elif column in times:
            kind = sa.DateTime()
        columns.append(sa.Column(column, kind, nullable=column != config.column("id")))
    table = sa.Table(name, metadata, *columns, schema=schema)
    # The indexes README "Connect the transactions source" asks of a production table.
    ident, created = table.c[config.column("id")], table.c[config.column("created_at")]
    sa.Index(f"ux_{name}_{ident.name}", ident, unique=True)
    sa.Index(f"ix_{name}_{keys[0]}", table.c[keys[0]])
    for key in keys[1:]:
        sa.Index(f"ix_{name}_{key}", table.c[key], created.desc(), ident.desc())
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).unlink(missing_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            if rows:
                conn.execute(table.insert(), [_typed(r, amount, times) for r in rows])
    finally:
        engine.dispose()
    return len(rows)


def _typed(row: dict[str, str], amount: str, times: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, text in row.items():
        value: Any = text or None  # an empty cell is NULL in the back office
        if value is not None and column == amount:
            value = int(text)
        elif value is not None and column in times:
            # Stored naive, in UTC: the SQL adapter reads naive times as UTC.
            value = datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)
        out[column] = value
    return out


async def open_backoffice(settings: Settings) -> tuple[Settings, TransactionsPort, int]:
    """Load the sample back office next to the demo's database and open the SQL adapter on it.

    Returns the settings with TRANSACTIONS_DATABASE_URL pointing at it, the adapter, and how
    many transactions were loaded.
    """
    from integrations.transactions import SqlTransactions

    url = backoffice_url(settings.database_url)
    config = settings.config.transactions
    count = await asyncio.to_thread(load_backoffice, url, config)
    source = SqlTransactions(url, config)
    await source.check()  # a wrong mapping stops the demo here, naming the key
    return replace(settings, transactions_database_url=url), source, count


def findings_lines(
    enrichment: Mapping[str, Any] | None, *, tz: ZoneInfo, indent: int = 0, width: int = 100
) -> list[str]:
    """What the routing's lookup found for an escalation (stored on it), as the note says it.

    Lines are wrapped to width, continuations hanging under their own text.
    """
    if not enrichment:
        return []
    out: list[str] = []
    for line in paragraph(Findings.from_json(enrichment), tz=tz):
        text = line.lstrip()
        lead = " " * (indent + len(line) - len(text))
        hang = lead + ("  " if text.startswith("•") else "")
        out.extend(
            textwrap.wrap(
                text,
                width=width,
                initial_indent=lead,
                subsequent_indent=hang,
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    return out
