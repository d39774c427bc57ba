"""Dashboard sessions and sign-in failures, stored so every web process shares them.

The browser holds a random token in an HttpOnly, SameSite=Strict cookie; the database holds
only its SHA-256, so a copy of the table opens no session. Each session has its CSRF token,
which every form carries. Failed sign-ins are counted per client address: past the limit in
the window, sign-in is refused until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.viewer import WALLBOARD, Viewer
from bot.desk.roster import Roster
from bot.i18n import normalize
from bot.store.models import DashboardSession, SignInFailure

SESSION_TTL = timedelta(hours=12)
WALLBOARD_TTL = timedelta(days=30)  # a screen on the wall stays signed in
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # failed sign-ins per client address in the window


@dataclass(frozen=True)
class Started:
    token: str  # the cookie's value
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def start(
    session: AsyncSession,
    *,
    who: str,
    slack_id: str | None,
    locale: str | None,
    now: datetime,
) -> Started:
    """Open a session for a roster analyst (by key) or the wall-board; the cookie's token."""
    token = secrets.token_urlsafe(32)
    ttl = WALLBOARD_TTL if who == WALLBOARD else SESSION_TTL
    session.add(
        DashboardSession(
            token_hash=_hash(token),
            who=who,
            slack_id=slack_id,
            locale=normalize(locale),
            csrf=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    return Started(token=token, expires_at=now + ttl)


async def find(
    session: AsyncSession, *, token: str | None, roster: Roster, now: datetime
) -> Viewer | None:
    """The viewer a cookie's token names, while its session runs and they are on the roster."""
    if not token:
        return None
    row = await session.scalar(
        select(DashboardSession).where(DashboardSession.token_hash == _hash(token))
    )
    if row is None or _aware(row.expires_at) <= now:
        return None
    if row.who == WALLBOARD:
        return Viewer(who=WALLBOARD, name="", locale=row.locale, csrf=row.csrf)
    analyst = roster.by_key(row.who)
    if analyst is None:  # left the roster since: the session ends with it
        return None
    return Viewer(
        who=analyst.key, name=analyst.name, locale=row.locale, csrf=row.csrf, analyst=analyst
    )


async def end(session: AsyncSession, *, token: str | None) -> None:
    """Sign out: the session is gone for every web process."""
    if token:
        await session.execute(
            delete(DashboardSession).where(DashboardSession.token_hash == _hash(token))
        )


def same(given: str | None, expected: str | None) -> bool:
    """Compare two secrets in constant time; an empty one never matches."""
    return bool(given and expected) and hmac.compare_digest(
        str(given).encode(), str(expected).encode()
    )


async def refused(session: AsyncSession, *, client: str, now: datetime) -> bool:
    """Whether this client has failed too often lately to try again now."""
    count = await session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.client == client[:64], SignInFailure.at > now - FAILURE_WINDOW)
    )
    return int(count or 0) >= MAX_FAILURES


async def failed(session: AsyncSession, *, client: str, now: datetime) -> None:
    """Count one failed sign-in for this client (old ones are forgotten)."""
    session.add(SignInFailure(client=client[:64], at=now))
    await session.execute(delete(SignInFailure).where(SignInFailure.at < now - FAILURE_WINDOW))
