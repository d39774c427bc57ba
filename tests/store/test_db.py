"""The schema: migrations apply, SQLite is tuned and locks early, one open escalation per ticket."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store.db import Database, head_revision
from bot.store.models import Escalation


async def test_migrations_are_current(db: Database) -> None:
    assert await db.current_revision() == head_revision()


async def test_sqlite_uses_wal_and_busy_timeout(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 15000


async def test_one_open_escalation_per_ticket(db: Database) -> None:
    async with db.session() as s:
        s.add(Escalation(ticket_id=7, open_ticket_id=7, status="routed"))
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            s.add(Escalation(ticket_id=7, open_ticket_id=7, status="routed"))
    # Resolved escalations free the slot: the ticket can be escalated again later.
    async with db.session() as s:
        s.add(Escalation(ticket_id=7, open_ticket_id=None, status="resolved"))
        s.add(Escalation(ticket_id=7, open_ticket_id=None, status="resolved"))


@pytest.fixture
def other_process(db: Database) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the SQLite file, as another process has; it never waits."""
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    conn = sqlite3.connect(str(make_url(db.url).database), timeout=0, isolation_level=None)
    yield conn
    if conn.in_transaction:
        conn.rollback()
    conn.close()


def _can_write(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        assert "locked" in str(err)
        return False
    conn.rollback()
    return True


async def test_sqlite_session_holds_the_write_lock_from_its_start(
    db: Database, other_process: sqlite3.Connection
) -> None:
    async with db.session() as s:
        # Before it writes anything, no other process may write what it is about to read.
        assert not _can_write(other_process)
        await s.scalar(select(func.count()).select_from(Escalation))
        assert not _can_write(other_process)
    assert _can_write(other_process)


async def test_a_write_session_inside_another_fails_instead_of_hanging(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL has many writers: a nested session is a second connection")
    async with db.session():
        with pytest.raises(RuntimeError, match="inside another one"):
            async with db.session():
                pass
    async with db.session() as s:  # the lock is free again
        await s.scalar(select(func.count()).select_from(Escalation))


async def test_sqlite_read_session_neither_waits_for_nor_blocks_a_writer(
    db: Database, other_process: sqlite3.Connection
) -> None:
    async with db.session() as s:
        s.add(Escalation(ticket_id=1, open_ticket_id=1, status="routed"))
    other_process.execute("BEGIN IMMEDIATE")
    other_process.execute("UPDATE escalations SET status = 'claimed'")
    async with db.read_session() as s:
        # The writer has not committed: the read sees the last committed state, at once.
        assert await s.scalar(select(Escalation.status)) == "routed"
        other_process.commit()
        # One snapshot for the whole session: a report's figures add up.
        assert await s.scalar(select(Escalation.status)) == "routed"
        assert _can_write(other_process)
    async with db.read_session() as s:
        assert await s.scalar(select(Escalation.status)) == "claimed"


async def test_read_session_refuses_writes_and_leaves_sessions_writable(db: Database) -> None:
    with pytest.raises(DBAPIError):
        async with db.read_session() as s:
            s.add(Escalation(ticket_id=2, open_ticket_id=2, status="routed"))
    # The pooled connection the read session used is writable again for the next session.
    async with db.session() as s:
        s.add(Escalation(ticket_id=3, open_ticket_id=3, status="routed"))
    async with db.read_session() as s:
        assert list(await s.scalars(select(Escalation.ticket_id))) == [3]
    assert await db.current_revision() == head_revision()


async def test_sql_errors_never_carry_the_parameters(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from bot.store.models import Escalation, utcnow

    secret = "joao.pereira@gmail.com 4111 1111 1111 1111"
    with pytest.raises(IntegrityError) as info:
        async with db.session() as s:
            for _ in range(2):  # the same open ticket twice: a unique violation
                s.add(
                    Escalation(
                        ticket_id=1,
                        open_ticket_id=1,
                        status="received",
                        subject=secret,
                        received_at=utcnow(),
                    )
                )
                await s.flush()
    assert "joao" not in str(info.value) and "4111" not in str(info.value)
    assert "hidden due to hide_parameters" in str(info.value)
