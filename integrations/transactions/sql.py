"""The SQL adapter: a back office's own table, read-only, over any SQLAlchemy URL.

The table and its columns are named in [transactions] (bot/config/transactions.py). Columns are
read untyped (as the driver returns them) and converted in mapping.py, so a back office that
stores times as text or amounts as integer cents reads the same as one with proper types.
Paging is keyset on (created_at, id), newest first; the cursor is the last row's pair.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config.database import async_url
from bot.config.transactions import REQUIRED_FIELDS, TX_FIELDS, TransactionsConfig
from bot.domain import LookupBy, ProviderHealth, TransactionPage, TxStatus
from bot.errors import IntegrationError
from integrations.transactions.mapping import MappingError, RowMapper

log = logging.getLogger(__name__)

SERVICE = "transactions"
MAX_LIMIT = 100


def read_only_url(url: str) -> URL:
    """The async URL for url, opened read-only where the URL itself can say so (SQLite)."""
    u = async_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        path = u.database.removeprefix("file:")
        return u.set(database=f"file:{path}", query={**u.query, "mode": "ro", "uri": "true"})
    return u


class SqlTransactions:
    """TransactionsPort over a SQL table; only SELECTs, on read-only connections."""

    def __init__(self, url: str, config: TransactionsConfig) -> None:
        self.config = config
        self.mapper = RowMapper(config, minor_units=config.sql.amount_minor_units)
        self._url = read_only_url(url)
        self._engine: AsyncEngine | None = None
        self._checked = False
        schema, name = config.sql.schema_and_name
        self._columns = {f: config.column(f) for f in TX_FIELDS}
        self.table = sa.table(name, *(sa.column(c) for c in self._columns.values()), schema=schema)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = _engine(self._url, self.config.timeout_seconds)
        return self._engine

    async def check(self) -> None:
        """Verify the table and every mapped required column exist; raise naming what is not."""
        missing: list[str] = []
        try:
            async with asyncio.timeout(self.config.timeout_seconds * 5):
                async with self.engine.connect() as conn:
                    found = await conn.run_sync(_column_names, self.table.schema, self.table.name)
        except NoSuchTableError:
            raise IntegrationError(
                SERVICE,
                f"table {self.config.sql.table!r} not found "
                "(check [transactions.sql] table in BATON_CONFIG and TRANSACTIONS_DATABASE_URL)",
            ) from None
        except (TimeoutError, SQLAlchemyError, OSError) as err:
            raise _error(err) from err
        for baton_field, column in self._columns.items():
            if column not in found and (
                baton_field in REQUIRED_FIELDS or baton_field in self._config_named()
            ):
                missing.append(f"{baton_field} ({column!r})")
        if missing:
            raise IntegrationError(
                SERVICE,
                f"table {self.config.sql.table!r} has no column for "
                f"{', '.join(missing)}: set [transactions.fields] in BATON_CONFIG",
            )
        # An optional field the back office does not have is read as empty.
        absent = {c for c in self._columns.values() if c not in found}
        if absent:
            kept = [c for c in self._columns.values() if c not in absent]
            self.table = sa.table(
                self.table.name, *(sa.column(c) for c in kept), schema=self.table.schema
            )
        self._checked = True

    def _config_named(self) -> set[str]:
        """Baton fields whose column the configuration names explicitly."""
        return {f for f, c in self._columns.items() if c != f}

    async def find(
        self, by: LookupBy, value: str, *, limit: int = 10, cursor: str | None = None
    ) -> TransactionPage:
        """Transactions whose `by` column equals value, newest first, a page at a time."""
        limit = max(1, min(limit, MAX_LIMIT))
        after = _decode_cursor(cursor) if cursor else None
        if not self._checked:
            await self.check()
        t = self.table
        if self._columns[by.value] not in t.c:
            raise IntegrationError(
                SERVICE, f"table {self.config.sql.table!r} has no column for {by.value}"
            )
        created, ident = t.c[self._columns["created_at"]], t.c[self._columns["id"]]
        query = sa.select(t).where(t.c[self._columns[by.value]] == value)
        if after is not None:
            at, last_id = after
            # A row-value comparison, so the (key, created_at, id) index seeks to the page.
            query = query.where(
                sa.tuple_(created, ident) < sa.tuple_(sa.literal(at), sa.literal(last_id))
            )
        query = query.order_by(created.desc(), ident.desc()).limit(limit + 1)
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                async with self.engine.connect() as conn:
                    rows = (await conn.execute(query)).mappings().all()
        except (TimeoutError, SQLAlchemyError, OSError) as err:
            raise _error(err) from err
        try:
            found = tuple(self.mapper.to_transaction(r) for r in rows[:limit])
        except MappingError as err:
            raise IntegrationError(SERVICE, f"unreadable row in {t.name!r}: {err}") from None
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        next_cursor = (
            _encode_cursor(last[self._columns["created_at"]], last[self._columns["id"]])
            if last is not None
            else None
        )
        return TransactionPage(transactions=found, next_cursor=next_cursor)

    async def provider_health(self, *, since: datetime) -> list[ProviderHealth] | None:
        """Each provider's transactions since a time and how many failed: one GROUP BY."""
        if not self._checked:
            await self.check()
        t = self.table
        provider_col = self._columns["provider"]
        if provider_col not in t.c:
            return None  # a back office without providers has no health to read
        provider, status = t.c[provider_col], t.c[self._columns["status"]]
        created = t.c[self._columns["created_at"]]
        words = [k for k, v in self.config.status_values.items() if v is TxStatus.FAILED]
        failed_words = words or [TxStatus.FAILED.value]
        sqlite = self.engine.dialect.name == "sqlite"
        # SQLite keeps DateTime as naive UTC text: compare in that form.
        bound = since.astimezone(UTC).replace(tzinfo=None) if sqlite else since
        query = (
            sa.select(
                provider,
                sa.func.count(),
                sa.func.sum(sa.case((status.in_(failed_words), 1), else_=0)),
            )
            .where(created >= sa.bindparam("since", bound, type_=sa.DateTime(timezone=not sqlite)))
            .where(provider.is_not(None))
            .group_by(provider)
        )
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                async with self.engine.connect() as conn:
                    rows = (await conn.execute(query)).all()
        except (TimeoutError, SQLAlchemyError, OSError) as err:
            raise _error(err) from err
        return [
            ProviderHealth(provider=str(p), total=int(n or 0), failed=int(f or 0))
            for p, n, f in rows
        ]

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _engine(url: URL, timeout_seconds: float) -> AsyncEngine:
    if url.get_backend_name() == "postgresql":
        statement_ms = max(1, int(timeout_seconds * 1000))
        return create_async_engine(
            url,
            pool_pre_ping=True,
            # One SELECT needs no transaction around it: no BEGIN and ROLLBACK round trips.
            # Read-only still holds: every implicit transaction defaults to read-only.
            isolation_level="AUTOCOMMIT",
            connect_args={
                "connect_timeout": max(1, int(timeout_seconds * 2)),
                # Every transaction on these connections is read-only, whatever is sent.
                "options": (
                    f"-c default_transaction_read_only=on -c statement_timeout={statement_ms}"
                ),
            },
        )
    # SQLite: the file is opened with mode=ro (read_only_url); query_only refuses writes even
    # where the URI is not honoured.
    engine = create_async_engine(url, connect_args={"timeout": timeout_seconds})

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _query_only(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=1")
        cur.close()

    return engine


def _column_names(conn: sa.Connection, schema: str | None, name: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(name, schema=schema)}


def _error(err: BaseException) -> IntegrationError:
    if isinstance(err, TimeoutError):
        return IntegrationError(
            SERVICE, "the transactions database did not answer in time", retryable=True
        )
    orig = getattr(err, "orig", None)
    kind = type(orig).__name__ if orig is not None else type(err).__name__
    # Connection trouble, timeouts, a restarting server: worth retrying. A query the database
    # refuses (a missing column, a permission) stays refused until someone changes something.
    retryable = isinstance(err, OSError) or (
        isinstance(err, DBAPIError)
        and (
            err.connection_invalidated
            or isinstance(err, sa.exc.OperationalError | sa.exc.InterfaceError)
        )
    )
    log.warning("transactions.sql_failed", extra={"error": kind, "retryable": retryable})
    return IntegrationError(SERVICE, f"database error ({kind})", retryable=retryable)


def _encode_cursor(created: Any, ident: Any) -> str:
    """The last row's (created_at, id) as the driver returned them, typed, base64url."""
    payload = [_tagged(created), _tagged(ident)]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ident = json.loads(raw)
        return _untagged(created), _untagged(ident)
    except (binascii.Error, ValueError, TypeError, KeyError) as err:
        raise IntegrationError(SERVICE, "not a cursor this source gave out") from err


def _tagged(value: Any) -> list[Any]:
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"cannot page on a {type(value).__name__}")
    return ["v", value]


def _untagged(item: Any) -> Any:
    tag, value = item
    if tag == "t":
        return datetime.fromisoformat(value)
    if tag == "d":
        return Decimal(value)
    if tag == "v" and isinstance(value, int | float | str):
        return value
    raise ValueError("unknown cursor item")
