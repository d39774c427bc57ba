"""Shared fixtures: a fresh migrated database per test, on SQLite and (if set) PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config.database import sync_url
from bot.store import db as dbmod
from bot.store.db import Database
from tests.fakes.backoffice_server import fake_backoffice  # noqa: F401 - shared
from tests.fakes.jira_server import fake_jira  # noqa: F401 - a shared fixture
from tests.fakes.slack_server import fake_slack, fake_slack_server  # noqa: F401 - shared
from tests.fakes.zendesk_server import fake_zendesk  # noqa: F401 - a shared fixture

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "baton.db"
    dbmod.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str | None:
    if not PG_URL:
        return None
    engine = create_engine(sync_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    dbmod.upgrade(PG_URL)
    return PG_URL


def _truncate_pg(url: str) -> None:
    from bot.store.models import Base

    engine = create_engine(sync_url(url))
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A URL to a fresh, migrated, empty database (parametrized over the backends)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_migrated")
        _truncate_pg(url)
        yield url
    else:
        path = tmp_path / "baton.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()
