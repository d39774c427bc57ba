"""The roster TOML's model: every key, its type and range, checked before anyone is routed.

`read` checks the parsed file against `RosterFile` (pydantic), then what one entry cannot say by
itself (a shift name that exists, unique keys, Slack ids, e-mails and Zendesk ids), and returns
the pieces bot/desk/roster.py builds a `Roster` from. A problem is one `ConfigError` line naming
the file, the TOML line, the analyst or shift, the key and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from bot.domain import LANGUAGES, Analyst, Role, Shift
from bot.schema import FileModel, Loc, Refusal, Text, checking, nearest

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
# Syntax only: one @, something before it, a dotted domain after it, no spaces. Baton never
# mails anyone, so deliverability is not its question (and needs no extra library).
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _hint(value: str, known: list[str]) -> str:
    close = nearest(value, known)
    return f", did you mean {close}?" if close else ""


def _clock(value: Any) -> Any:
    if isinstance(value, time):  # a TOML local time: start = 06:00:00
        return value
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError('expected a time "HH:MM" (00:00-23:59)')
    return time(int(match[1]), int(match[2]))


def _email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise ValueError("expected an e-mail address like ana.souza@example.com")
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        allowed = ", ".join(LANGUAGES)
        hint = _hint(value, list(LANGUAGES))
        raise ValueError(f"unknown language {value!r}{hint} (allowed: {allowed})")
    return value


def _role(value: Any) -> Any:
    known = [r.value for r in Role]
    if isinstance(value, str) and value not in known:
        raise ValueError(f"unknown role {value!r}{_hint(value, known)} (known: {', '.join(known)})")
    return Role(value) if isinstance(value, str) else value


def _weekday(value: str) -> str:
    if value.lower() not in WEEKDAYS:
        hint = _hint(value.lower(), list(WEEKDAYS))
        raise ValueError(f"unknown weekday {value!r}{hint} (use mon, tue, … sun)")
    return value.lower()


def _weeks(value: Any) -> Any:
    # A flat list ["sat", "sun"] is the same pattern every week.
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [value]
    return value


@cache
def _zones() -> list[str]:
    return sorted(available_timezones())


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone{_hint(name, _zones())}") from err
    return name


def _monday(day: date) -> date:
    if day.weekday() != 0:
        raise ValueError(f"a {day:%A}, not a Monday")
    return day


Clock = Annotated[time, BeforeValidator(_clock)]
Weekday = Annotated[str, AfterValidator(_weekday)]
Language = Annotated[str, AfterValidator(_language)]
RoleName = Annotated[Role, BeforeValidator(_role)]


class ShiftFile(FileModel):
    """[shifts.<name>]: local wall-clock times; end <= start crosses midnight."""

    start: Clock
    end: Clock


class AnalystFile(FileModel):
    """One [[analysts]] entry; defaults come from bot.domain.Analyst."""

    key: Text
    name: Text
    slack_id: Text
    email: Annotated[str, AfterValidator(_email)]
    zendesk_id: Annotated[int, Field(gt=0)] | None = None
    jira_account_id: Text | None = None
    languages: Annotated[list[Language], Field(min_length=1)]
    shift: Text
    days_off: Annotated[list[list[Weekday]], BeforeValidator(_weeks)] | None = None
    roles: Annotated[list[RoleName], Field(min_length=1)] | None = None
    locale: Text | None = None


class RosterFile(FileModel):
    """The whole roster file."""

    timezone: Annotated[str, AfterValidator(_zone)] | None = None
    handover_buffer_minutes: Annotated[int, Field(ge=0)] | None = None
    rota_start: Annotated[date, AfterValidator(_monday)] | None = None
    shifts: dict[Text, ShiftFile] = Field(default_factory=dict)
    analysts: list[AnalystFile] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone_works(self) -> RosterFile:
        if not self.shifts:
            raise ValueError("no [shifts.<name>] tables")
        if not self.analysts:
            raise ValueError("no [[analysts]] entries")
        return self


@dataclass(frozen=True)
class RosterParts:
    """What a checked roster file says; None where it leaves Roster's default."""

    timezone: ZoneInfo | None
    analysts: tuple[Analyst, ...]
    handover_buffer: timedelta | None
    rota_start: date | None


def read(data: dict[str, Any], *, source: str, text: str | None = None) -> RosterParts:
    """Check a parsed roster against the model and across entries; ConfigError otherwise."""
    with checking(source, model=RosterFile, data=data, naming=_naming, text=text, show=_show):
        model = RosterFile.model_validate(data)
        shifts = {name: Shift(name, s.start, s.end) for name, s in model.shifts.items()}
        analysts = tuple(_analyst(i, a, shifts) for i, a in enumerate(model.analysts))
        _unique(analysts)
    buffer = model.handover_buffer_minutes
    return RosterParts(
        timezone=ZoneInfo(model.timezone) if model.timezone else None,
        analysts=analysts,
        handover_buffer=None if buffer is None else timedelta(minutes=buffer),
        rota_start=model.rota_start,
    )


def _analyst(index: int, entry: AnalystFile, shifts: dict[str, Shift]) -> Analyst:
    if entry.shift not in shifts:
        known = sorted(shifts)
        raise Refusal(
            ("analysts", index, "shift"),
            f"unknown shift{_hint(entry.shift, known)} (known: {', '.join(known)})",
        )
    given = entry.model_dump(exclude_unset=True)
    given["shift"] = shifts[entry.shift]
    given["languages"] = tuple(entry.languages)
    if entry.days_off is not None:
        given["days_off"] = tuple(frozenset(WEEKDAYS[d] for d in week) for week in entry.days_off)
    if entry.roles is not None:
        given["roles"] = frozenset(entry.roles)
    return Analyst(**given)


def _unique(analysts: tuple[Analyst, ...]) -> None:
    for attr in ("key", "slack_id", "email", "zendesk_id"):
        seen: dict[object, Analyst] = {}
        for index, analyst in enumerate(analysts):
            value = getattr(analyst, attr)
            if value is None:
                continue
            same = value.lower() if attr == "email" else value
            if (first := seen.get(same)) is not None:
                who = "another analyst" if attr == "key" else f"analyst {first.key!r}"
                raise Refusal(("analysts", index, attr), f"already used by {who}")
            seen[same] = analyst


def _naming(loc: Loc, data: Any) -> tuple[str, str]:
    """("analyst 'ana': ", "shift") for an analyst's key; ("shift 'night': ", "end") for a shift."""
    if not loc:
        return "", ""
    if loc[0] == "analysts" and len(loc) > 1 and isinstance(loc[1], int):
        entry = data.get("analysts", [])[loc[1]] if isinstance(data, dict) else None
        key = entry.get("key") if isinstance(entry, dict) else None
        who = f"analyst {key!r}" if isinstance(key, str) and key else f"analysts[{loc[1]}]"
        names = [p for p in loc[2:] if isinstance(p, str)]
        return (f"{who}: ", names[0]) if names else ("", "analysts")
    if loc[0] == "shifts" and len(loc) > 2:
        return f"shift {loc[1]!r}: ", str(loc[2])
    return "", ".".join(str(p) for p in loc if isinstance(p, str))


def _show(key: str, value: Any) -> str:
    if isinstance(value, date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else str(value)
    return repr(value)
