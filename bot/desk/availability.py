"""Away marks and cover overrides: parsing, storing, ending, and listing them for routing."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor, can_cover
from bot.desk.roster import Roster, shift_instance
from bot.domain import Analyst, Availability
from bot.errors import N_, UserFacingError
from bot.store.models import AuditEntry, AvailabilityRow

AWAY, COVER = "away", "cover"
MAX_DURATION = timedelta(days=30)
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


def parse_duration(text: str) -> timedelta:
    """Parse "30m", "2h", "1d", "1h30m"; raise UserFacingError otherwise."""
    m = _DURATION_RE.match(text.strip().lower())
    if not text.strip() or m is None or not any(m.groups()):
        raise UserFacingError(
            N_("`{text}` is not a duration (use e.g. 30m, 2h, 1d)."), text=text.strip()[:40]
        )
    days, hours, minutes = (int(g or 0) for g in m.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(0) < value <= MAX_DURATION:
        raise UserFacingError(
            N_("The duration `{text}` must be between 1m and 30d."), text=text.strip()[:40]
        )
    return value


def parse_until(text: str, *, now: datetime, roster: Roster) -> datetime:
    """Parse an end: a duration ("4h") or a local time of day ("18:00", next occurrence)."""
    m = _TIME_RE.match(text.strip().lower())
    if m is None:
        return now + parse_duration(text)
    local = now.astimezone(roster.timezone)
    end = datetime.combine(local.date(), time(int(m.group(1)), int(m.group(2))), roster.timezone)
    if end <= local:
        end = datetime.combine(end.date() + timedelta(days=1), end.timetz())
    return end.astimezone(now.tzinfo)


def shift_end(analyst: Analyst, roster: Roster, at: datetime) -> datetime:
    """The end of the analyst's shift running at ``at``, else of their next one (48 h ahead)."""
    for hours in range(49):
        found = shift_instance(analyst, roster, at + timedelta(hours=hours))
        if found is not None:
            return found[1]
    return at + timedelta(hours=12)


async def mark_away(
    session: AsyncSession,
    *,
    roster: Roster,
    analyst: Analyst,
    now: datetime,
    actor: str,
    duration: timedelta | None = None,
) -> datetime:
    """Mark an analyst away for a duration (default: until their shift ends); return the end."""
    ends_at = now + duration if duration else shift_end(analyst, roster, now)
    session.add(
        AvailabilityRow(
            analyst_key=analyst.key, kind=AWAY, starts_at=now, ends_at=ends_at, created_by=actor
        )
    )
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="availability.away",
            detail={"analyst": analyst.key, "until": ends_at.isoformat()},
        )
    )
    return ends_at


async def mark_back(session: AsyncSession, *, analyst: Analyst, now: datetime, actor: str) -> int:
    """End the analyst's away marks and anyone's cover for them; return how many ended."""
    rows = await session.scalars(
        select(AvailabilityRow).where(
            or_(
                (AvailabilityRow.kind == AWAY) & (AvailabilityRow.analyst_key == analyst.key),
                (AvailabilityRow.kind == COVER) & (AvailabilityRow.covering_for == analyst.key),
            ),
            or_(AvailabilityRow.ends_at.is_(None), AvailabilityRow.ends_at > now),
        )
    )
    ended = 0
    for row in rows:
        # A mark not started yet is cancelled outright; one running ends now.
        row.ends_at = now if row.starts_at <= now else row.starts_at
        ended += 1
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="availability.back",
            detail={"analyst": analyst.key, "ended": ended},
        )
    )
    return ended


async def add_cover(
    session: AsyncSession,
    *,
    roster: Roster,
    coverer: Analyst,
    covered: Analyst,
    now: datetime,
    actor: Actor,
    until: datetime | None = None,
) -> datetime:
    """Have ``coverer`` take ``covered``'s shift until ``until`` (default: that shift's end)."""
    if not can_cover(actor, coverer_key=coverer.key):
        raise UserFacingError(N_("Only leads can set cover for someone else."))
    if coverer.key == covered.key:
        raise UserFacingError(N_("Nobody can cover for themselves."))
    ends_at = until or shift_end(covered, roster, now)
    session.add(
        AvailabilityRow(
            analyst_key=coverer.key,
            kind=COVER,
            covering_for=covered.key,
            starts_at=now,
            ends_at=ends_at,
            created_by=actor.key,
        )
    )
    session.add(
        AuditEntry(
            at=now,
            actor=actor.key,
            action="availability.cover",
            detail={"coverer": coverer.key, "covered": covered.key, "until": ends_at.isoformat()},
        )
    )
    return ends_at


async def current(session: AsyncSession, *, now: datetime) -> list[Availability]:
    """List the marks that are running or still to come, for routing and who-is-on-shift."""
    rows = await session.scalars(
        select(AvailabilityRow)
        .where(or_(AvailabilityRow.ends_at.is_(None), AvailabilityRow.ends_at > now))
        .order_by(AvailabilityRow.id)
    )
    return [
        Availability(
            analyst_key=r.analyst_key,
            kind=r.kind,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            covering_for=r.covering_for,
        )
        for r in rows
    ]
