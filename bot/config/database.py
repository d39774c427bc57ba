"""Which SQLAlchemy driver Baton uses for a database URL (DATABASE_URL, a back office's).

Ground floor: the store opens Baton's own database with it, the SQL transactions adapter a back
office's, and alembic the sync twin.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url


def async_url(url: str) -> URL:
    """Map a plain DATABASE_URL to the async driver Baton uses for it."""
    u = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = u.get_backend_name()
    if backend == "sqlite":
        return u.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database backend {backend!r}")


def sync_url(url: str) -> URL:
    """Map a plain DATABASE_URL to the sync driver alembic uses."""
    u = make_url(url.replace("postgres://", "postgresql://", 1))
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite")
    return u.set(drivername="postgresql+psycopg")
