"""Which stretch of time a report covers: ``week``, ``month`` or ``YYYY-MM-DD..YYYY-MM-DD``.

``week`` and ``month`` are the last 7 and 30 days ending now, so a lead asking on Monday morning
sees the week just gone, whatever the weekday. A date range is whole local days in the roster's
time zone, both ends included. Every period has the previous period of the same length, for trends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import N_, UserFacingError

LENGTHS = {"week": timedelta(days=7), "month": timedelta(days=30)}
MAX_DAYS = 400


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [starts_at, ends_at) and the zone its days and hours are read in."""

    starts_at: datetime
    ends_at: datetime
    tz: ZoneInfo
    label: str

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.starts_at - self.length, self.starts_at, self.tz, f"before {self.label}")

    def local_days(self) -> list[date]:
        """Every local date the period touches, in order."""
        first = self.starts_at.astimezone(self.tz).date()
        last = (self.ends_at - timedelta(microseconds=1)).astimezone(self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def parse_period(spec: str, *, now: datetime, tz: ZoneInfo) -> Period:
    """Read ``week``, ``month`` or ``YYYY-MM-DD..YYYY-MM-DD`` (local days, inclusive)."""
    word = spec.strip().lower()
    if word in LENGTHS:
        end = now.astimezone(UTC)
        return Period(end - LENGTHS[word], end, tz, word)
    first, sep, last = word.partition("..")
    if not sep:
        raise _bad_period("not week, month or a date range")
    start_day, end_day = _day(first), _day(last)
    if end_day < start_day:
        raise _bad_period(f"it ends ({last}) before it starts ({first})")
    if (end_day - start_day).days >= MAX_DAYS:
        raise _bad_period(f"longer than {MAX_DAYS} days")
    starts = datetime.combine(start_day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    after = end_day + timedelta(days=1)
    ends = datetime.combine(after, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    return Period(starts, ends, tz, f"{start_day.isoformat()}..{end_day.isoformat()}")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise _bad_period(f"{text or 'nothing'} is not a date (YYYY-MM-DD)") from err


def _bad_period(reason: str) -> UserFacingError:
    # One message for every answer (translated for Slack); ``reason`` is the English detail the
    # terminal adds after echoing what was given.
    return UserFacingError(N_("A period is week, month or YYYY-MM-DD..YYYY-MM-DD."), reason=reason)
