"""The roster: who works which shift on which days, and who is on shift at a given instant.

Shifts are local wall-clock times in the roster's zone. Every instant this module returns is an
aware datetime in UTC: two datetimes sharing a ``ZoneInfo`` compare and subtract by wall clock,
which is wrong across a DST change, so nothing here does arithmetic in local time except building
the local start and end of a shift. Convert with ``.astimezone(roster.timezone)`` to display.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.desk import roster_file
from bot.domain import Analyst, Availability, Role, Shift
from bot.errors import ConfigError

DEFAULT_TIMEZONE = "America/Sao_Paulo"
DEFAULT_HANDOVER_BUFFER = timedelta(minutes=30)
DEFAULT_ROTA_START = date(2026, 1, 5)  # a Monday
# How far ahead next_shift_start looks before giving up.
SEARCH_HORIZON = timedelta(days=14)

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Roster:
    """The team: analysts, the zone their shifts are in, and the rota's week 0."""

    timezone: ZoneInfo
    analysts: tuple[Analyst, ...]
    handover_buffer: timedelta = DEFAULT_HANDOVER_BUFFER
    # Week 0 of every analyst's days-off cycle is the week (Mon–Sun) starting on this Monday.
    rota_start: date = DEFAULT_ROTA_START
    _by_key: Mapping[str, Analyst] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rota_start.weekday() != 0:
            raise ValueError(f"rota_start {self.rota_start} is not a Monday")
        object.__setattr__(self, "_by_key", {a.key: a for a in self.analysts})

    def by_key(self, key: str) -> Analyst | None:
        return self._by_key.get(key)

    def by_slack_id(self, slack_id: str) -> Analyst | None:
        return next((a for a in self.analysts if a.slack_id == slack_id), None)

    def rota_week(self, day: date) -> int:
        """Return the rota week number of a local date (negative before rota_start)."""
        monday = day - timedelta(days=day.weekday())
        return (monday - self.rota_start).days // 7

    def works_on(self, analyst: Analyst, day: date) -> bool:
        """Say whether the shift that starts on local date ``day`` is one the analyst works."""
        if not analyst.days_off:
            return True
        # Counting weeks from a fixed Monday, not ISO week parity: a 53-week ISO year would
        # put two "odd" weeks back to back and silently swap everyone's rota.
        pattern = analyst.days_off[self.rota_week(day) % len(analyst.days_off)]
        return day.weekday() not in pattern


@dataclass(frozen=True)
class OnShift:
    """An analyst on shift at some instant, with the shift instance they are working (UTC)."""

    analyst: Analyst
    starts_at: datetime
    ends_at: datetime
    covering_for: str | None = None


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: pass an aware datetime")


def _instance(shift: Shift, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC start and end of ``shift`` started on local date ``day``."""
    end_day = day + timedelta(days=1) if shift.crosses_midnight else day
    start = datetime.combine(day, shift.start, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(end_day, shift.end, tzinfo=tz).astimezone(UTC)
    return start, end


def shift_instance(
    analyst: Analyst, roster: Roster, at: datetime
) -> tuple[datetime, datetime] | None:
    """Return the UTC (start, end) of the analyst's own scheduled shift containing ``at``."""
    _require_aware(at)
    local_day = at.astimezone(roster.timezone).date()
    # A shift lasts at most 24 hours, so only today's and yesterday's instances can contain `at`.
    for day in (local_day, local_day - timedelta(days=1)):
        if not roster.works_on(analyst, day):
            continue
        start, end = _instance(analyst.shift, day, roster.timezone)
        if start <= at < end:
            return start, end
    return None


def on_shift(
    roster: Roster, at: datetime, availability: Iterable[Availability] = ()
) -> list[OnShift]:
    """List who is on shift at ``at``, applying away marks and cover overrides, in roster order."""
    _require_aware(at)
    active = [a for a in availability if a.active(at)]
    covers = [
        (a, a.covering_for)
        for a in active
        if a.kind == "cover" and a.covering_for is not None and a.covering_for != a.analyst_key
    ]
    away = {a.analyst_key for a in active if a.kind == "away"}
    # The covered analyst is off for the override; their schedule passes to whoever covers.
    away |= {covered_key for _, covered_key in covers}

    found: dict[str, OnShift] = {}
    for analyst in roster.analysts:
        if analyst.key in away:
            continue
        own = shift_instance(analyst, roster, at)
        if own is not None:
            found[analyst.key] = OnShift(analyst, own[0], own[1])
    for cover, covered_key in covers:
        coverer = roster.by_key(cover.analyst_key)
        covered = roster.by_key(covered_key)
        if coverer is None or covered is None or coverer.key in away:
            continue
        slot = shift_instance(covered, roster, at)
        if slot is None:
            continue
        ends_at = slot[1] if cover.ends_at is None else min(slot[1], cover.ends_at)
        mine = OnShift(coverer, max(slot[0], cover.starts_at), ends_at, covered.key)
        prior = found.get(coverer.key)
        if prior is not None:
            # Both intervals contain `at`, so their union is one continuous stretch of work.
            mine = OnShift(
                coverer,
                min(prior.starts_at, mine.starts_at),
                max(prior.ends_at, mine.ends_at),
                covered.key,
            )
        found[coverer.key] = mine
    order = {a.key: i for i, a in enumerate(roster.analysts)}
    return sorted(found.values(), key=lambda o: order[o.analyst.key])


def next_shift_start(
    roster: Roster,
    at: datetime,
    availability: Sequence[Availability] = (),
    *,
    role: Role | None = None,
) -> tuple[datetime, list[Analyst]] | None:
    """Return the next instant after ``at`` when someone comes on shift, and who.

    Coming on shift is a scheduled shift start, but also the end of an away mark or the start of
    a cover override in the middle of a shift. With ``role``, only analysts having it count.
    """
    _require_aware(at)
    # Look at least one whole days-off cycle ahead, so a long rota cannot hide the next shift.
    longest_cycle = max((len(a.days_off) for a in roster.analysts), default=1)
    search = max(SEARCH_HORIZON, timedelta(weeks=longest_cycle + 1))
    horizon = at + search
    local_day = at.astimezone(roster.timezone).date()
    moments: set[datetime] = set()
    for offset in range(-1, search.days + 2):
        day = local_day + timedelta(days=offset)
        moments.update(_instance(a.shift, day, roster.timezone)[0] for a in roster.analysts)
    for mark in availability:
        moments.add(mark.starts_at.astimezone(UTC))
        if mark.ends_at is not None:
            moments.add(mark.ends_at.astimezone(UTC))
    for moment in sorted(m for m in moments if at < m <= horizon):
        before = {o.analyst.key for o in on_shift(roster, moment - _TICK, availability)}
        starters = [
            o.analyst
            for o in on_shift(roster, moment, availability)
            if o.analyst.key not in before and (role is None or o.analyst.has_role(role))
        ]
        if starters:
            return moment, starters
    return None


# --- loading -------------------------------------------------------------------------------


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(f"roster file {path} not found") from err
    except OSError as err:
        raise ConfigError(f"roster file {path} cannot be read: {err}") from err
    return parse_roster(text, source=str(path))


def parse_roster(text: str, source: str = "<roster>") -> Roster:
    """Parse and validate roster TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: invalid TOML: {err}") from err
    parts = roster_file.read(data, source=source, text=text)
    return Roster(
        parts.timezone or ZoneInfo(DEFAULT_TIMEZONE),
        parts.analysts,
        parts.handover_buffer if parts.handover_buffer is not None else DEFAULT_HANDOVER_BUFFER,
        parts.rota_start or DEFAULT_ROTA_START,
    )
