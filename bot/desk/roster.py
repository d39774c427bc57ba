"""The roster: who works which shift on which days, and who is on shift at a given instant.

Shifts are local wall-clock times in the roster's zone. Every instant this module returns is an
aware datetime in UTC: two datetimes sharing a ``ZoneInfo`` compare and subtract by wall clock,
which is wrong across a DST change, so nothing here does arithmetic in local time except building
the local start and end of a shift. Convert with ``.astimezone(roster.timezone)`` to display.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import LANGUAGES, Analyst, Availability, Role, Shift
from bot.errors import ConfigError

DEFAULT_TIMEZONE = "America/Sao_Paulo"
DEFAULT_HANDOVER_BUFFER = timedelta(minutes=30)
DEFAULT_ROTA_START = date(2026, 1, 5)  # a Monday
# How far ahead next_shift_start looks before giving up.
SEARCH_HORIZON = timedelta(days=14)

WEEKDAYS: dict[str, int] = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
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

    def by_zendesk_id(self, zendesk_id: int) -> Analyst | None:
        return next((a for a in self.analysts if a.zendesk_id == zendesk_id), None)

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
    return _Parser(source).roster(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {where}: {message}")

    def roster(self, data: dict[str, Any]) -> Roster:
        zone_name = data.get("timezone", DEFAULT_TIMEZONE)
        try:
            tz = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise self.fail("timezone", f"unknown time zone {zone_name!r}") from err
        buffer = data.get("handover_buffer_minutes", 30)
        if not isinstance(buffer, int) or isinstance(buffer, bool) or buffer < 0:
            raise self.fail("handover_buffer_minutes", f"expected minutes >= 0, got {buffer!r}")
        rota_start = data.get("rota_start", DEFAULT_ROTA_START)
        if not isinstance(rota_start, date) or isinstance(rota_start, datetime):
            raise self.fail("rota_start", f"expected a date like 2026-01-05, got {rota_start!r}")
        if rota_start.weekday() != 0:
            raise self.fail("rota_start", f"{rota_start} is a {rota_start:%A}, not a Monday")

        shifts = self.shifts(data.get("shifts", {}))
        raw_analysts = data.get("analysts", [])
        if not isinstance(raw_analysts, list) or not raw_analysts:
            raise self.fail("analysts", "no [[analysts]] entries")
        analysts = tuple(self.analyst(i, raw, shifts) for i, raw in enumerate(raw_analysts))
        for attr in ("key", "slack_id", "email"):
            seen: set[object] = set()
            for a in analysts:
                value = getattr(a, attr)
                if value in seen:
                    raise self.fail(f"analyst {a.key!r}", f"duplicate {attr} {value!r}")
                seen.add(value)
        zendesk_ids = [a.zendesk_id for a in analysts if a.zendesk_id is not None]
        if len(zendesk_ids) != len(set(zendesk_ids)):
            dup = next(z for z in zendesk_ids if zendesk_ids.count(z) > 1)
            raise self.fail("analysts", f"duplicate zendesk_id {dup}")
        return Roster(tz, analysts, timedelta(minutes=buffer), rota_start)

    def shifts(self, raw: object) -> dict[str, Shift]:
        if not isinstance(raw, dict) or not raw:
            raise self.fail("shifts", "no [shifts.<name>] tables")
        out: dict[str, Shift] = {}
        for name, spec in raw.items():
            where = f"shift {name!r}"
            if not isinstance(spec, dict):
                raise self.fail(where, 'expected a table with start = "HH:MM" and end = "HH:MM"')
            out[name] = Shift(name, self.time(where, spec, "start"), self.time(where, spec, "end"))
        return out

    def time(self, where: str, spec: dict[str, Any], name: str) -> time:
        value = spec.get(name)
        if isinstance(value, time):  # TOML local time literal: start = 06:00:00
            return value
        match = _TIME_RE.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(where, f'{name} = {value!r} is not a time "HH:MM" (00:00-23:59)')
        return time(int(match[1]), int(match[2]))

    def analyst(self, index: int, raw: object, shifts: Mapping[str, Shift]) -> Analyst:
        if not isinstance(raw, dict):
            raise self.fail(f"analysts[{index}]", "expected a table")
        key = raw.get("key")
        if not isinstance(key, str) or not key:
            raise self.fail(f"analysts[{index}]", "missing key")
        where = f"analyst {key!r}"

        def text(name: str, default: str | None = None) -> str:
            value = raw.get(name, default)
            if not isinstance(value, str) or not value:
                raise self.fail(where, f"missing or empty {name}")
            return value

        shift_name = text("shift")
        if shift_name not in shifts:
            known = ", ".join(sorted(shifts))
            raise self.fail(where, f"unknown shift {shift_name!r} (known: {known})")
        languages = self.str_list(where, raw, "languages")
        for lang in languages:
            if lang not in LANGUAGES:
                allowed = ", ".join(LANGUAGES)
                raise self.fail(where, f"unknown language {lang!r} (allowed: {allowed})")
        roles: set[Role] = set()
        for role in self.str_list(where, raw, "roles", default=["analyst"]):
            try:
                roles.add(Role(role))
            except ValueError as err:
                allowed = ", ".join(r.value for r in Role)
                raise self.fail(where, f"unknown role {role!r} (allowed: {allowed})") from err
        zendesk_id = raw.get("zendesk_id")
        if zendesk_id is not None and (not isinstance(zendesk_id, int) or zendesk_id <= 0):
            raise self.fail(where, f"zendesk_id must be a positive integer, got {zendesk_id!r}")
        jira = raw.get("jira_account_id")
        if jira is not None and not isinstance(jira, str):
            raise self.fail(where, f"jira_account_id must be a string, got {jira!r}")
        return Analyst(
            key=key,
            name=text("name"),
            slack_id=text("slack_id"),
            email=text("email"),
            shift=shifts[shift_name],
            languages=tuple(languages),
            days_off=self.days_off(where, raw.get("days_off", [["sat", "sun"]])),
            roles=frozenset(roles),
            zendesk_id=zendesk_id,
            jira_account_id=jira,
            locale=text("locale", "en"),
        )

    def str_list(
        self, where: str, raw: dict[str, Any], name: str, default: list[str] | None = None
    ) -> list[str]:
        value = raw.get(name, default)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"{name} must be a non-empty list of strings, got {value!r}")
        return value

    def days_off(self, where: str, value: object) -> tuple[frozenset[int], ...]:
        if not isinstance(value, list):
            raise self.fail(where, f"days_off must be a list, got {value!r}")
        if not value:
            return ()
        # A flat list ["sat", "sun"] is the same pattern every week.
        weeks = [value] if all(isinstance(v, str) for v in value) else value
        out: list[frozenset[int]] = []
        for week in weeks:
            if not isinstance(week, list) or not all(isinstance(d, str) for d in week):
                raise self.fail(where, f"days_off week {week!r} must be a list of weekday names")
            for day in week:
                if day.lower() not in WEEKDAYS:
                    raise self.fail(
                        where, f"unknown weekday {day!r} in days_off (use mon, tue, … sun)"
                    )
            out.append(frozenset(WEEKDAYS[d.lower()] for d in week))
        return tuple(out)
