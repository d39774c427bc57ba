"""Who is on shift now, who comes next, and when the next handover is (`/baton who`, App Home).

Pure: the roster, the availability marks in force and the time in; what the desk shows out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.desk.roster import OnShift, Roster, next_shift_start, on_shift
from bot.domain import Analyst, Availability

HANDOVER_HORIZON = timedelta(days=2)  # how far ahead the next handover is looked for


@dataclass(frozen=True)
class WhoIsOn:
    """The desk at one instant: who is on, who is next (and when), the next handover."""

    now_on: Sequence[OnShift]
    next_on: tuple[datetime, Sequence[Analyst]] | None
    next_handover: datetime | None


def shift_ends(roster: Roster, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end] at which someone's scheduled shift ends (UTC)."""
    tz = roster.timezone
    found: set[datetime] = set()
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date():
        for a in roster.analysts:
            if not roster.works_on(a, day):
                continue
            end_day = day + timedelta(days=1) if a.shift.crosses_midnight else day
            at = datetime.combine(end_day, a.shift.end, tzinfo=tz).astimezone(UTC)
            if start < at <= end:
                found.add(at)
        day += timedelta(days=1)
    return sorted(found)


def next_handover(roster: Roster, now: datetime) -> datetime | None:
    """The next shift end after now."""
    ends = shift_ends(roster, now, now + HANDOVER_HORIZON)
    return ends[0] if ends else None


def who_is_on(roster: Roster, *, now: datetime, marks: Sequence[Availability]) -> WhoIsOn:
    """Who is on shift now and next, given the availability marks in force."""
    return WhoIsOn(
        now_on=on_shift(roster, now, marks),
        next_on=next_shift_start(roster, now, marks),
        next_handover=next_handover(roster, now),
    )
