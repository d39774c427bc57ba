"""The database: async engine, sessions, SQLite tuning and alembic migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot import resources
from bot.config.database import async_url, sync_url

T = TypeVar("T")
MIGRATIONS = resources.migrations_dir()
SQLITE_BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_SECONDS = 10


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another backend, in memory, or a URI filename."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or is_in_memory(url) or u.query.get("uri"):
        return None
    return Path(u.database or "")


def is_in_memory(url: str) -> bool:
    """Whether the URL is an in-memory SQLite database, which lives and dies with one process."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return False
    name = u.database or ""
    return (
        name in ("", ":memory:")
        or name.startswith("file::memory:")
        or (u.query.get("mode") == "memory")
    )


# Execution option saying how a SQLite transaction begins: WRITE or READ, else a plain BEGIN.
SQLITE_BEGIN = "baton_sqlite_begin"
WRITE, READ = "write", "read"


def _tune_sqlite(dbapi_conn: Any, _record: Any) -> None:
    # Baton emits BEGIN itself (_begin_sqlite, SQLAlchemy's documented recipe): the driver's own
    # BEGIN comes only before the first INSERT/UPDATE, so a transaction's reads ran outside it.
    dbapi_conn.isolation_level = None
    # WAL lets the web process read while the worker writes; the busy timeout makes writers
    # queue instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _tune(engine: Engine) -> None:
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)


def _begin_sqlite(conn: Connection) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN)
    # A transaction that reads and then writes takes the write lock before its first read, so
    # a process that read a row cannot lose the race to upgrade to a writer (SQLITE_BUSY) or
    # write over a decision the other process made meanwhile; waiting for it uses busy_timeout.
    # Read sessions begin deferred and refuse writes, which would bring that race back.
    read_only = mode == READ
    state = conn.connection.info
    if state.get("query_only", False) != read_only:
        conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
        state["query_only"] = read_only
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == WRITE else "BEGIN")


class Database:
    """One engine and session factory, built once by the app factory and passed down."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        aurl = async_url(url)
        self.is_sqlite = aurl.get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(aurl, **self._engine_options(aurl, echo))
        if self.is_sqlite:
            _tune(self.engine.sync_engine)
            writer = self.engine.execution_options(**{SQLITE_BEGIN: WRITE})
            reader = self.engine.execution_options(**{SQLITE_BEGIN: READ})
        else:
            # PostgreSQL: read-write sessions are as before (row locks, FOR UPDATE SKIP LOCKED).
            writer = self.engine
            reader = self.engine.execution_options(postgresql_readonly=True)
        self.sessions = async_sessionmaker(writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(reader, expire_on_commit=False)
        # SQLite has one writer at a time; queueing our own transactions here is far cheaper
        # than letting them collide and back off inside SQLite's busy handler.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writer: asyncio.Task[object] | None = None
        self._echo = echo
        # run_write's plain engine and its one thread, made on first use.
        self._plain: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None

    def _engine_options(self, url: Any, echo: bool) -> dict[str, Any]:
        # Parameters are customer data (subjects, e-mails): never in an exception or a log.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            # Each aiosqlite connection is a thread: reuse a few rather than open one per session.
            kwargs.update(pool_size=4, max_overflow=4)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
            if "connect_timeout" not in url.query:
                # A host that drops packets would otherwise hold a command for the OS's TCP
                # timeout (minutes) before it can say the database cannot be reached.
                kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        return kwargs

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Open a session in a transaction: committed on success, rolled back on error.

        On SQLite the transaction holds the database's write lock from its start (BEGIN
        IMMEDIATE), so what it reads stays true until it commits, even across processes.
        """
        if self._write_lock is None:
            async with self.sessions() as s, s.begin():
                yield s
            return
        me = asyncio.current_task()
        if me is not None and self._writer is me:
            # Waiting for our own lock would hang the task for ever; say so instead.
            raise RuntimeError("a write session opened inside another one (SQLite has one writer)")
        async with self._write_lock, self.sessions() as s, s.begin():
            self._writer = me
            try:
                await s.connection()  # BEGIN IMMEDIATE now: wait for the lock here, not mid-way
                yield s
            finally:
                self._writer = None

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """Run work(connection) in one committed transaction, on a plain connection in a thread.

        For a hot path of a few statements (the webhooks' group commit): the transaction costs
        one hand-off to the database thread instead of one per statement and cursor, and its
        speed does not depend on how busy the event loop is. On SQLite it holds the same write
        lock as session() and begins IMMEDIATE, like every write session.
        """
        if self._plain is None or self._thread is None:
            url = sync_url(self.url)
            options = self._engine_options(url, self._echo)
            # One thread uses it: one connection, kept.
            options.update(pool_size=1, max_overflow=0)
            self._plain = create_engine(url, **options)
            if self.is_sqlite:
                _tune(self._plain)
                self._plain = self._plain.execution_options(**{SQLITE_BEGIN: WRITE})
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="baton-db-write")
        plain, loop = self._plain, asyncio.get_running_loop()

        def transaction() -> T:
            with plain.begin() as conn:
                return work(conn)

        if self._write_lock is None:
            return await loop.run_in_executor(self._thread, transaction)
        async with self._write_lock:
            return await loop.run_in_executor(self._thread, transaction)

    def writing(self) -> bool:
        """Whether the current task holds SQLite's one write session (it must not wait on
        another task that needs it)."""
        return self._writer is not None and self._writer is asyncio.current_task()

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """Open a read-only session: one consistent snapshot that never waits for a writer.

        For pure reads (reports, the Home tab): on SQLite it takes no write lock, so it neither
        waits for the worker nor holds it up. Writing in it fails, on every backend.
        """
        async with self._read_sessions() as s, s.begin():
            yield s

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        plain, thread = self._plain, self._thread
        self._plain = self._thread = None
        if plain is not None and thread is not None:
            # Closed by the thread that opened its connection.
            await asyncio.get_running_loop().run_in_executor(thread, plain.dispose)
            thread.shutdown(wait=True)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    async def upgrade(self) -> None:
        await asyncio.to_thread(upgrade, self.url)


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # alembic's ini interpolation treats % specially.
    cfg.set_main_option(
        "sqlalchemy.url", sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to revision (blocking; run it in a thread from async code)."""
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def _current_revision(sync_conn: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(sync_conn).get_current_revision()


async def locked_row(
    session: AsyncSession, model: Any, key: str, value: str, **defaults: Any
) -> Any:
    """The model's row whose primary key column ``key`` is ``value``, locked for this
    transaction (FOR UPDATE; SQLite's session holds the one writer), inserted with defaults
    first if it is not there yet (a second process inserting at the same moment is a no-op)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = pg_insert(model) if dialect == "postgresql" else sqlite_insert(model)
    await session.execute(ins.values({key: value, **defaults}).on_conflict_do_nothing())
    row = await session.scalar(
        select(model)
        .where(getattr(model, key) == value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted just above
    return row
