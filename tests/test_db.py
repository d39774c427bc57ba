"""The schema: migrations apply, SQLite is tuned, one open escalation per ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import Database, head_revision
from bot.models import Escalation


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
