"""Roster loading and who is on shift when: São Paulo edges, rota weeks, overrides, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.desk.roster import (
    Roster,
    load_roster,
    next_shift_start,
    on_shift,
    parse_roster,
    shift_instance,
)
from bot.domain import Analyst, Availability, Role, Shift
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.toml"
SP = ZoneInfo("America/Sao_Paulo")
NY = ZoneInfo("America/New_York")

MORNING = Shift("morning", time(6), time(15))
AFTERNOON = Shift("afternoon", time(14), time(23))
NIGHT = Shift("night", time(22), time(6))

NO_DAYS_OFF: tuple[frozenset[int], ...] = ()


def person(
    key: str,
    shift: Shift,
    days_off: tuple[frozenset[int], ...] = NO_DAYS_OFF,
    languages: tuple[str, ...] = ("pt",),
) -> Analyst:
    return Analyst(
        key=key,
        name=key.title(),
        slack_id=f"U{key.upper()}",
        email=f"{key}@baton-demo.example",
        shift=shift,
        languages=languages,
        days_off=days_off,
    )


def team(*analysts: Analyst, tz: ZoneInfo = SP) -> Roster:
    return Roster(tz, analysts, rota_start=date(2026, 1, 5))


def sp(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SP)


def keys(roster: Roster, at: datetime, availability: tuple[Availability, ...] = ()) -> list[str]:
    return [o.analyst.key for o in on_shift(roster, at, availability)]


@pytest.fixture(scope="module")
def example() -> Roster:
    return load_roster(EXAMPLE)


# --- the example roster ---------------------------------------------------------------------


def test_example_roster_loads_the_team(example: Roster) -> None:
    assert example.timezone == SP
    assert example.handover_buffer == timedelta(minutes=30)
    analysts = [a for a in example.analysts if a.has_role(Role.ANALYST)]
    by_shift: dict[str, int] = {}
    for a in analysts:
        by_shift[a.shift.name] = by_shift.get(a.shift.name, 0) + 1
    assert by_shift == {"morning": 2, "afternoon": 2, "mid": 1, "night": 3}
    assert [a.key for a in example.analysts if not a.has_role(Role.ANALYST)] == ["juliana"]
    assert sum(a.has_role(Role.LEAD) for a in analysts) == 1
    assert sum(a.has_role(Role.COMPLIANCE) for a in analysts) == 1
    zh = [a for a in analysts if "zh" in a.languages]
    ru = [a for a in analysts if "ru" in a.languages]
    assert [a.shift.name for a in zh] == ["night"] and [a.shift.name for a in ru] == ["afternoon"]
    assert all("pt" in a.languages for a in analysts)


def test_example_lookups(example: Roster) -> None:
    ana = example.by_key("ana")
    assert ana is not None and ana.locale == "pt-BR"
    assert example.by_slack_id("U05BRU0002") == example.by_key("bruno")
    carla = example.by_key("carla")
    assert carla is not None and carla.zendesk_id == 900003  # whom her tickets are assigned to
    assert example.by_key("nobody") is None and example.by_slack_id("U0NOBODY01") is None


def test_example_each_shift_group_never_all_off_the_same_weekend(example: Roster) -> None:
    analysts = [a for a in example.analysts if a.has_role(Role.ANALYST)]
    for week in range(4):
        saturday = example.rota_start + timedelta(weeks=week, days=5)
        for group in {a.shift.name for a in analysts}:
            members = [a for a in analysts if a.shift.name == group]
            if len(members) < 2:
                continue
            full_weekend_off = [
                a
                for a in members
                if not example.works_on(a, saturday)
                and not example.works_on(a, saturday + timedelta(days=1))
            ]
            assert len(full_weekend_off) < len(members), (group, week)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Mon 5 Jan (week 0). Sunday night's shift belongs to week -1 (odd): all three off.
        (sp(2026, 1, 5, 5, 59), []),
        (sp(2026, 1, 5, 6, 0), ["ana", "bruno"]),
        (sp(2026, 1, 5, 14, 30), ["ana", "bruno", "carla", "diego", "juliana"]),
        (sp(2026, 1, 5, 21, 59), ["carla", "diego"]),
        (sp(2026, 1, 5, 22, 0), ["carla", "diego", "gabriela", "henrique"]),
        (sp(2026, 1, 5, 23, 0), ["gabriela", "henrique"]),
        (sp(2026, 1, 6, 0, 0), ["gabriela", "henrique"]),
        (sp(2026, 1, 6, 5, 59), ["gabriela", "henrique"]),
        # Tue 6 Jan: Bruno is off on Tuesdays in week 0; Eduarda (mid) is back.
        (sp(2026, 1, 6, 6, 0), ["ana"]),
        (sp(2026, 1, 6, 14, 30), ["ana", "carla", "diego", "eduarda", "juliana"]),
        (sp(2026, 1, 6, 22, 0), ["carla", "diego", "felipe", "gabriela", "henrique"]),
    ],
)
def test_example_on_shift_edges(example: Roster, at: datetime, expected: list[str]) -> None:
    assert keys(example, at) == expected


def test_example_alternating_weeks(example: Roster) -> None:
    # Ana: full weekend off in even weeks, Wednesday + Saturday in odd weeks.
    assert "ana" not in keys(example, sp(2026, 1, 10, 10))  # Sat, week 0
    assert "ana" in keys(example, sp(2026, 1, 7, 10))  # Wed, week 0
    assert "ana" not in keys(example, sp(2026, 1, 17, 10))  # Sat, week 1
    assert "ana" in keys(example, sp(2026, 1, 18, 10))  # Sun, week 1
    assert "ana" not in keys(example, sp(2026, 1, 14, 10))  # Wed, week 1
    assert "ana" not in keys(example, sp(2026, 1, 24, 10))  # Sat, week 2 = week 0 again


def test_rota_weeks_count_from_rota_start_not_iso_parity(example: Roster) -> None:
    # ISO week 53 of 2026 and week 1 of 2027 are both odd, but they are rota weeks 51 and 52.
    assert example.rota_week(date(2026, 12, 31)) == 51
    assert example.rota_week(date(2027, 1, 7)) == 52
    assert example.rota_week(date(2026, 1, 4)) == -1
    ana = example.by_key("ana")
    assert ana is not None
    assert not example.works_on(ana, date(2027, 1, 9))  # Sat of an even week: full weekend off
    assert example.works_on(ana, date(2027, 1, 3))  # Sun of week 51 (odd): only Wed + Sat off


# --- shifts across midnight and days off -------------------------------------------------------


def test_night_shift_belongs_to_the_day_it_starts() -> None:
    # Off on Sundays only.
    nina = person("nina", NIGHT, (frozenset({6}),))
    roster = team(nina)
    # Saturday night's shift continues past Sunday 00:00 and is worked.
    assert keys(roster, sp(2026, 1, 10, 23, 0)) == ["nina"]
    assert keys(roster, sp(2026, 1, 11, 0, 0)) == ["nina"]
    assert keys(roster, sp(2026, 1, 11, 5, 59)) == ["nina"]
    assert keys(roster, sp(2026, 1, 11, 6, 0)) == []
    # Sunday night's shift starts on a day off: not worked, even after Monday 00:00.
    assert keys(roster, sp(2026, 1, 11, 22, 0)) == []
    assert keys(roster, sp(2026, 1, 12, 3, 0)) == []
    assert keys(roster, sp(2026, 1, 12, 22, 0)) == ["nina"]


def test_shift_instance_is_in_utc_with_bounds() -> None:
    nina = person("nina", NIGHT)
    roster = team(nina)
    inst = shift_instance(nina, roster, sp(2026, 1, 13, 2, 0))
    assert inst == (
        datetime(2026, 1, 13, 1, 0, tzinfo=UTC),  # 22:00 -03:00 on the 12th
        datetime(2026, 1, 13, 9, 0, tzinfo=UTC),
    )
    assert shift_instance(nina, roster, sp(2026, 1, 13, 6, 0)) is None
    assert shift_instance(nina, roster, datetime(2026, 1, 13, 8, 59, tzinfo=UTC)) is not None


def test_same_instant_in_any_zone_gives_the_same_answer() -> None:
    roster = team(person("ana", MORNING))
    local = sp(2026, 1, 12, 5, 59)
    assert keys(roster, local) == keys(roster, local.astimezone(UTC)) == []
    assert keys(roster, local.astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=1)) == [
        "ana"
    ]


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        on_shift(team(person("ana", MORNING)), datetime(2026, 1, 12, 10))


def test_dst_spring_forward_night_is_seven_hours() -> None:
    nina = person("nina", NIGHT)
    roster = team(nina, tz=NY)
    # 2026-03-08 02:00 EST jumps to 03:00 EDT.
    inst = shift_instance(nina, roster, datetime(2026, 3, 8, 4, 0, tzinfo=NY))
    assert inst is not None
    assert inst[1] - inst[0] == timedelta(hours=7)
    assert inst[1] == datetime(2026, 3, 8, 6, 0, tzinfo=NY).astimezone(UTC)
    # The fall-back night (2026-11-01) lasts 9 hours.
    inst = shift_instance(nina, roster, datetime(2026, 11, 1, 5, 0, tzinfo=NY))
    assert inst is not None and inst[1] - inst[0] == timedelta(hours=9)
    assert keys(roster, datetime(2026, 3, 8, 5, 59, tzinfo=NY)) == ["nina"]
    assert keys(roster, datetime(2026, 3, 8, 6, 0, tzinfo=NY)) == []


# --- away and cover ------------------------------------------------------------------------------


def test_away_takes_analyst_off_for_the_period_only() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    away = (Availability("ana", "away", sp(2026, 1, 12, 9), sp(2026, 1, 12, 11)),)
    assert keys(roster, sp(2026, 1, 12, 8, 59), away) == ["ana", "bia"]
    assert keys(roster, sp(2026, 1, 12, 9), away) == ["bia"]
    assert keys(roster, sp(2026, 1, 12, 11), away) == ["ana", "bia"]
    open_ended = (Availability("ana", "away", sp(2026, 1, 12, 9)),)
    assert keys(roster, sp(2026, 1, 20, 10), open_ended) == ["bia"]


def test_cover_moves_the_covered_schedule_to_the_coverer() -> None:
    roster = team(person("ana", MORNING), person("nina", NIGHT))
    cover = (Availability("ana", "cover", sp(2026, 1, 12, 0), sp(2026, 1, 14, 0), "nina"),)
    # Monday 23:00: Nina's night shift, worked by Ana.
    found = on_shift(roster, sp(2026, 1, 12, 23), cover)
    assert [(o.analyst.key, o.covering_for) for o in found] == [("ana", "nina")]
    assert found[0].ends_at == sp(2026, 1, 13, 6).astimezone(UTC)
    # Outside Nina's hours the cover adds nothing; Ana's own shift still counts.
    assert keys(roster, sp(2026, 1, 12, 10), cover) == ["ana"]
    # After the override Nina is back.
    assert keys(roster, sp(2026, 1, 14, 23), cover) == ["nina"]


def test_cover_ends_with_the_override_when_that_is_earlier() -> None:
    roster = team(person("ana", MORNING), person("nina", NIGHT))
    cover = (Availability("ana", "cover", sp(2026, 1, 12, 0), sp(2026, 1, 13, 2), "nina"),)
    found = on_shift(roster, sp(2026, 1, 13, 1), cover)
    assert found[0].ends_at == sp(2026, 1, 13, 2).astimezone(UTC)
    assert keys(roster, sp(2026, 1, 13, 2), cover) == ["nina"]


def test_own_shift_and_cover_at_once_lists_the_analyst_once() -> None:
    roster = team(person("ana", MORNING), person("tom", AFTERNOON))
    cover = (Availability("ana", "cover", sp(2026, 1, 12, 0), None, "tom"),)
    found = on_shift(roster, sp(2026, 1, 12, 14, 30), cover)
    assert [o.analyst.key for o in found] == ["ana"]
    # One continuous stretch: her own start to the covered shift's end.
    assert found[0].starts_at == sp(2026, 1, 12, 6).astimezone(UTC)
    assert found[0].ends_at == sp(2026, 1, 12, 23).astimezone(UTC)
    assert found[0].covering_for == "tom"


def test_away_coverer_covers_nothing() -> None:
    roster = team(person("ana", MORNING), person("tom", AFTERNOON))
    marks = (
        Availability("ana", "cover", sp(2026, 1, 12, 0), None, "tom"),
        Availability("ana", "away", sp(2026, 1, 12, 0), None),
    )
    assert keys(roster, sp(2026, 1, 12, 16), marks) == []


# --- next shift start ------------------------------------------------------------------------


def test_next_shift_start_finds_the_next_start_and_who(example: Roster) -> None:
    found = next_shift_start(example, sp(2026, 1, 5, 3))
    assert found is not None
    at, who = found
    assert at == sp(2026, 1, 5, 6).astimezone(UTC)
    assert [a.key for a in who] == ["ana", "bruno"]
    # Strictly after: at 06:00 itself the next start is later.
    found = next_shift_start(example, sp(2026, 1, 5, 6))
    assert found is not None and found[0] == sp(2026, 1, 5, 9).astimezone(UTC)
    found = next_shift_start(example, sp(2026, 1, 5, 6), role=Role.ANALYST)
    assert found is not None and found[0] == sp(2026, 1, 5, 14).astimezone(UTC)


def test_next_shift_start_skips_days_off() -> None:
    roster = team(person("ana", MORNING, (frozenset({5, 6}),)))
    found = next_shift_start(roster, sp(2026, 1, 9, 16))  # Friday afternoon
    assert found is not None and found[0] == sp(2026, 1, 12, 6).astimezone(UTC)  # Monday


def test_next_shift_start_counts_the_end_of_an_away_mark() -> None:
    roster = team(person("ana", MORNING))
    away = (Availability("ana", "away", sp(2026, 1, 12, 0), sp(2026, 1, 12, 10)),)
    found = next_shift_start(roster, sp(2026, 1, 12, 7), away)
    assert found is not None and found[0] == sp(2026, 1, 12, 10).astimezone(UTC)


def test_next_shift_start_none_when_nobody_works() -> None:
    everyday = tuple(frozenset(range(7)) for _ in range(2))
    assert next_shift_start(team(person("ana", MORNING, everyday)), sp(2026, 1, 12, 7)) is None


# --- loading errors ------------------------------------------------------------------------------

GOOD = """
timezone = "America/Sao_Paulo"
rota_start = 2026-01-05
[shifts.morning]
start = "06:00"
end = "15:00"
[[analysts]]
key = "ana"
name = "Ana"
slack_id = "U1"
email = "ana@baton-demo.example"
zendesk_id = 1
languages = ["pt", "en"]
shift = "morning"
days_off = [["sat", "sun"], ["wed", "sun"]]
"""

SECOND = """
[[analysts]]
key = "bia"
name = "Bia"
slack_id = "U2"
email = "bia@baton-demo.example"
languages = ["pt"]
shift = "morning"
"""


def test_parse_defaults() -> None:
    roster = parse_roster(GOOD + SECOND)
    bia = roster.by_key("bia")
    assert bia is not None
    assert bia.roles == frozenset({Role.ANALYST}) and bia.locale == "en"
    assert bia.days_off == (frozenset({5, 6}),) and bia.zendesk_id is None
    assert roster.handover_buffer == timedelta(minutes=30)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"roster file .*nope\.toml not found"):
        load_roster(tmp_path / "nope.toml")


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roster.toml"
    path.write_text("timezone = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"roster\.toml: invalid TOML"):
        load_roster(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'shift = "morning"',
            'shift = "mornin"',
            r"line 14: analyst 'ana': shift = 'mornin': unknown shift, did you mean morning\? "
            r"\(known: morning\)$",
        ),
        (
            'start = "06:00"',
            'start = "25:00"',
            r"line 5: shift 'morning': start = '25:00': expected a time \"HH:MM\" \(00:00-23:59\)$",
        ),
        ('end = "15:00"', 'end = "3pm"', r"shift 'morning': end = '3pm': expected a time"),
        (
            '["wed", "sun"]',
            '["wen", "sun"]',
            r"analyst 'ana': days_off = .*: unknown weekday 'wen', did you mean wed\?",
        ),
        (
            'days_off = [["sat"',
            'roles = ["boss"]\ndays_off = [["sat"',
            r"analyst 'ana': roles = \['boss'\]: unknown role 'boss' \(known: analyst, lead, c",
        ),
        (
            '["pt", "en"]',
            '["pt", "fr"]',
            r"analyst 'ana': languages = \['pt', 'fr'\]: unknown language 'fr' \(allowed: en,",
        ),
        (
            '"America/Sao_Paulo"',
            '"America/Sao_Paolo"',
            r"line 2: timezone = 'America/Sao_Paolo': unknown time zone, did you mean "
            r"America/Sao_Paulo\?$",
        ),
        ("2026-01-05", "2026-01-06", r"line 3: rota_start = 2026-01-06: a Tuesday, not a Monday$"),
        (
            'slack_id = "U1"',
            'slack_id = "U2"',
            r"line 20: analyst 'bia': slack_id = 'U2': already used by analyst 'ana'$",
        ),
        ('key = "ana"', 'key = "bia"', r"analyst 'bia': key = 'bia': already used by another"),
        (
            "zendesk_id = 1",
            'zendesk_id = "1"',
            r"analyst 'ana': zendesk_id = '1': expected a whole number, without quotes$",
        ),
    ],
)
def test_bad_entries_are_named(old: str, new: str, message: str) -> None:
    text = (GOOD + SECOND).replace(old, new, 1)
    assert text != GOOD + SECOND
    with pytest.raises(ConfigError, match=rf"^my-roster\.toml: .*{message}"):
        parse_roster(text, source="my-roster.toml")


def test_missing_field_is_named() -> None:
    with pytest.raises(ConfigError, match=r"line 7: analyst 'ana': email: missing$"):
        parse_roster(GOOD.replace('email = "ana@baton-demo.example"', ""))
    with pytest.raises(ConfigError, match=r"no \[\[analysts\]\]"):
        parse_roster('[shifts.m]\nstart = "06:00"\nend = "07:00"\n')


def test_flat_days_off_repeats_every_week() -> None:
    roster = parse_roster(GOOD.replace('[["sat", "sun"], ["wed", "sun"]]', '["sat", "sun"]'))
    ana = roster.by_key("ana")
    assert ana is not None and ana.days_off == (frozenset({5, 6}),)


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse_roster(text, source="team.toml")
    message = str(err.value)
    assert "\n" not in message and message.startswith("team.toml: ")
    return message.removeprefix("team.toml: ")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # Unknown keys, with the nearest known one.
        ('timezone = "', 'timezon = "', "line 2: timezon: unknown key, did you mean timezone?"),
        (
            'languages = ["pt", "en"]',
            'languagse = ["pt", "en"]',
            "line 13: analyst 'ana': languagse: unknown key, did you mean languages?",
        ),
        (
            'start = "06:00"',
            'stat = "06:00"',
            "line 5: shift 'morning': stat: unknown key, did you",
        ),
        # A string where a list is meant is not a list of letters.
        (
            'languages = ["pt", "en"]',
            'languages = "pt"',
            "analyst 'ana': languages = 'pt': expected a list, e.g. [\"pt\"] (one string is not",
        ),
        (
            'days_off = [["sat"',
            'roles = "lead"\ndays_off = [["sat"',
            "line 15: analyst 'ana': roles = 'lead': expected a list, e.g. [\"lead\"]",
        ),
        ('[["sat", "sun"], ["wed", "sun"]]', '"sat"', "days_off = 'sat': expected a list"),
        # A shift given as a list.
        (
            'shift = "morning"',
            'shift = ["morning"]',
            "line 14: analyst 'ana': shift = ['morning']: expected one name, e.g. \"morning\", not "
            "a list",
        ),
        # Numbers as strings, bools as numbers, out of range.
        (
            "rota_start",
            'handover_buffer_minutes = "30"\nrota_start',
            "line 3: handover_buffer_minutes = '30': expected a whole number, without quotes",
        ),
        (
            "rota_start",
            "handover_buffer_minutes = -5\nrota_start",
            "handover_buffer_minutes = -5: expected a number at least 0",
        ),
        ("zendesk_id = 1", "zendesk_id = true", "zendesk_id = True: expected a whole number, not"),
        ("zendesk_id = 1", "zendesk_id = 0", "zendesk_id = 0: expected a number greater than 0"),
        (
            "2026-01-05",
            '"2026-01-05"',
            "rota_start = '2026-01-05': expected a date like 2026-01-05",
        ),
        # E-mails: the syntax, and unique whatever the case.
        (
            'email = "ana@baton-demo.example"',
            'email = "ana.baton-demo.example"',
            "line 11: analyst 'ana': email = 'ana.baton-demo.example': expected an e-mail address",
        ),
        ('"ana@baton-demo.example"', '"ana @baton-demo.example"', "expected an e-mail address"),
        (
            'email = "ana@baton-demo.example"',
            'email = "BIA@baton-demo.example"',
            "line 21: analyst 'bia': email = 'bia@baton-demo.example': already used by analyst "
            "'ana'",
        ),
        (
            "zendesk_id = 1",
            "zendesk_id = 2",
            "analyst 'bia': zendesk_id = 2: already used by analyst",
        ),
        ('name = "Ana"', 'name = ""', "analyst 'ana': name = '': expected text, not empty"),
    ],
)
def test_roster_refusals_name_the_line_entry_and_key(old: str, new: str, message: str) -> None:
    text = (GOOD + SECOND + ("zendesk_id = 2\n" if "zendesk_id = 2" in new else "")).replace(
        old, new, 1
    )
    got = refused(text)
    assert message in got, got


def test_entries_that_are_not_tables_are_named() -> None:
    shifts = '[shifts.m]\nstart = "06:00"\nend = "07:00"\n'
    assert refused('analysts = ["ana"]\n' + shifts) == (
        "line 1: analysts = ['ana']: expected a table"
    )
    assert refused("shifts = { m = 5 }\n") == "line 1: shifts.m = 5: expected a table"
    assert refused('[[analysts]]\nname = "A"\n' + shifts) == "line 1: analysts[0]: key: missing"
