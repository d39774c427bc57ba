"""Routing decisions: compliance, continuity, language, handover buffer, load, idle time, nobody
on shift."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.desk.permissions import may_hold
from bot.desk.roster import Roster, load_roster
from bot.desk.routing import compliance_on_shift, route
from bot.domain import Analyst, Availability, Category, Load, Role, Shift, TicketFacts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.toml"
SP = ZoneInfo("America/Sao_Paulo")
MORNING = Shift("morning", time(6), time(15))
AFTERNOON = Shift("afternoon", time(14), time(23))
NIGHT = Shift("night", time(22), time(6))


def person(
    key: str,
    shift: Shift,
    languages: tuple[str, ...] = ("pt", "en"),
    roles: frozenset[Role] = frozenset({Role.ANALYST}),
) -> Analyst:
    return Analyst(
        key=key,
        name=key.title(),
        slack_id=f"U{key.upper()}",
        email=f"{key}@baton-demo.example",
        shift=shift,
        languages=languages,
        days_off=(),
        roles=roles,
    )


COMPLIANCE = frozenset({Role.ANALYST, Role.COMPLIANCE})


def team(*analysts: Analyst) -> Roster:
    return Roster(SP, analysts, rota_start=date(2026, 1, 5))


def sp(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SP)


def facts(
    language: str | None = "pt",
    requester_id: int | None = 42,
    category: Category = Category.WITHDRAWAL,
) -> TicketFacts:
    return TicketFacts(
        ticket_id=1,
        category=category,
        vip=False,
        language=language,
        requester_id=requester_id,
        created_at=datetime(2026, 1, 12, 12, tzinfo=UTC),
    )


NOON = sp(2026, 1, 12, 12)  # a Monday: morning shift on, afternoon not yet


@pytest.fixture(scope="module")
def example() -> Roster:
    return load_roster(EXAMPLE)


# --- compliance -------------------------------------------------------------------------------


@pytest.mark.parametrize("category", [Category.AML, Category.FRAUD])
def test_a_compliance_case_goes_to_the_compliance_analyst_on_shift(category: Category) -> None:
    roster = team(
        person("ana", MORNING, ("pt",)),
        person("eva", MORNING, ("en",), roles=COMPLIANCE),
        person("tom", AFTERNOON, ("en",), roles=COMPLIANCE),
    )
    # Before language and load: Ana speaks pt and is idle, Eva is busy and does not.
    decision = route(
        facts=facts("pt", category=category),
        roster=roster,
        now=NOON,
        loads={"eva": Load(6, 3)},
    )
    assert decision.analyst is not None and decision.analyst.key == "eva"
    assert decision.reasons[0] == "compliance role"
    assert decision.language_needed == "pt"
    assert decision.candidates == ("ana", "eva")


def test_among_compliance_analysts_the_other_rules_still_choose() -> None:
    roster = team(
        person("ana", MORNING, ("pt",)),
        person("eva", MORNING, ("en",), roles=COMPLIANCE),
        person("rui", MORNING, ("pt", "en"), roles=COMPLIANCE),
        person("zoe", MORNING, ("pt", "en"), roles=COMPLIANCE),
    )
    aml = facts("pt", category=Category.AML)
    decision = route(facts=aml, roster=roster, now=NOON, loads={"rui": Load(2)})
    assert decision.analyst is not None and decision.analyst.key == "zoe"
    assert decision.reasons[:2] == ("compliance role", "speaks pt")
    # Continuity among them wins, and is skipped (with why) for someone without the role.
    decision = route(facts=aml, roster=roster, now=NOON, recent={42: ("rui", NOON)})
    assert decision.analyst is not None and decision.analyst.key == "rui"
    assert decision.reasons == (
        "compliance role",
        "continuity: handled this customer on 2026-01-12",
    )
    decision = route(facts=aml, roster=roster, now=NOON, recent={42: ("ana", NOON)})
    assert decision.analyst is not None and decision.analyst.key in ("rui", "zoe")
    assert "continuity skipped: Ana does not have the compliance role" in decision.reasons


def test_nobody_with_the_role_on_shift_routes_by_the_usual_rules() -> None:
    roster = team(
        person("ana", MORNING, ("pt",)),
        person("bia", MORNING, ("en",)),
        person("tom", AFTERNOON, ("pt",), roles=COMPLIANCE),
    )
    assert not compliance_on_shift(roster, NOON)
    decision = route(facts=facts("pt", category=Category.AML), roster=roster, now=NOON)
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert decision.reasons[:2] == ("no compliance analyst on shift", "speaks pt")
    # Away counts: with Tom on shift but away, the same.
    later = sp(2026, 1, 12, 14, 30)
    assert compliance_on_shift(roster, later)
    away = Availability("tom", "away", later - timedelta(hours=1), later + timedelta(hours=1))
    assert not compliance_on_shift(roster, later, (away,))


def test_other_categories_ignore_the_compliance_role() -> None:
    roster = team(person("ana", MORNING), person("eva", MORNING, roles=COMPLIANCE))
    decision = route(facts=facts(), roster=roster, now=NOON, loads={"eva": Load(1)})
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert not any("compliance" in r for r in decision.reasons)


def test_a_re_route_does_not_take_a_case_from_the_only_compliance_analyst() -> None:
    roster = team(person("ana", MORNING), person("eva", MORNING, roles=COMPLIANCE))
    aml = facts(category=Category.AML)
    decision = route(facts=aml, roster=roster, now=NOON, exclude={"eva"})
    assert decision.analyst is None
    assert decision.reasons == ("nobody else with the compliance role on shift",)
    # Once she is off shift, the case may go to anyone: routing and permission agree.
    roster = team(person("ana", MORNING), person("eva", AFTERNOON, roles=COMPLIANCE))
    decision = route(facts=aml, roster=roster, now=NOON, exclude={"bia"})
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert may_hold(decision.analyst, category=Category.AML, compliance_on_shift=False)
    assert not may_hold(decision.analyst, category=Category.AML, compliance_on_shift=True)
    assert may_hold(decision.analyst, category=Category.KYC, compliance_on_shift=True)


# --- continuity ------------------------------------------------------------------------------


def test_continuity_wins_over_load() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    decision = route(
        facts=facts(),
        roster=roster,
        now=NOON,
        loads={"bia": Load(open_count=5, open_vip=2)},
        recent={42: ("bia", sp(2026, 1, 9, 10))},
    )
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert decision.reasons == ("continuity: handled this customer on 2026-01-09",)
    assert decision.candidates == ("ana", "bia")


def test_continuity_expires_after_seven_days() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    decision = route(
        facts=facts(),
        roster=roster,
        now=NOON,
        loads={"bia": Load(open_count=1)},
        recent={42: ("bia", NOON - timedelta(days=7, minutes=1))},
    )
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert not any("continuity" in r for r in decision.reasons)


def test_continuity_never_breaks_the_language_guarantee() -> None:
    roster = team(person("ana", MORNING, ("pt", "es")), person("bia", MORNING, ("pt",)))
    decision = route(
        facts=facts("es"),
        roster=roster,
        now=NOON,
        loads={"ana": Load(open_count=3)},
        recent={42: ("bia", NOON - timedelta(days=1))},
    )
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert decision.reasons[0] == "continuity skipped: Bia does not speak es"
    assert decision.language_needed is None


def test_continuity_needs_the_analyst_on_shift() -> None:
    roster = team(person("ana", MORNING), person("tom", AFTERNOON))
    decision = route(facts=facts(), roster=roster, now=NOON, recent={42: ("tom", NOON)})
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert "continuity skipped: Tom is not on shift" in decision.reasons


# --- language ---------------------------------------------------------------------------------


def test_speaker_is_chosen_over_lower_load() -> None:
    roster = team(person("ana", MORNING), person("li", MORNING, ("pt", "zh")))
    decision = route(facts=facts("zh"), roster=roster, now=NOON, loads={"li": Load(4, 2)})
    assert decision.analyst is not None and decision.analyst.key == "li"
    assert decision.reasons[0] == "speaks zh"
    assert decision.language_needed is None


def test_no_speaker_routes_anyway_and_flags_the_language() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    decision = route(facts=facts("ru"), roster=roster, now=NOON, loads={"ana": Load(1)})
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert decision.language_needed == "ru"
    assert "no ru speaker on shift — language flagged" in decision.reasons


def test_unknown_language_does_not_filter() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING, ("zh",)))
    decision = route(facts=facts(None), roster=roster, now=NOON, loads={"ana": Load(1)})
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert decision.language_needed is None


def test_example_night_without_the_zh_speaker_flags_zh(example: Roster) -> None:
    # Monday night of week 0: Felipe (zh) is off; Gabriela and Henrique work.
    decision = route(facts=facts("zh"), roster=example, now=sp(2026, 1, 6, 3))
    assert decision.analyst is not None and decision.analyst.key in {"gabriela", "henrique"}
    assert decision.language_needed == "zh"
    # Tuesday night he works, and gets it.
    decision = route(facts=facts("zh"), roster=example, now=sp(2026, 1, 6, 23))
    assert decision.analyst is not None and decision.analyst.key == "felipe"
    assert decision.language_needed is None


def test_example_ru_goes_to_the_afternoon_speaker(example: Roster) -> None:
    decision = route(facts=facts("ru"), roster=example, now=sp(2026, 1, 7, 16))
    assert decision.analyst is not None and decision.analyst.key == "carla"


# --- handover buffer --------------------------------------------------------------------------


def test_analyst_ending_within_buffer_is_skipped() -> None:
    roster = team(person("bruno", MORNING), person("tom", AFTERNOON))
    decision = route(
        facts=facts(), roster=roster, now=sp(2026, 1, 12, 14, 40), loads={"tom": Load(6, 3)}
    )
    assert decision.analyst is not None and decision.analyst.key == "tom"
    assert "Bruno ends shift at 15:00, within 30 min handover buffer" in decision.reasons


def test_buffer_boundary_is_inclusive() -> None:
    roster = team(person("bruno", MORNING), person("tom", AFTERNOON))
    at_edge = route(
        facts=facts(), roster=roster, now=sp(2026, 1, 12, 14, 30), loads={"tom": Load(1)}
    )
    assert at_edge.analyst is not None and at_edge.analyst.key == "tom"
    before = route(
        facts=facts(), roster=roster, now=sp(2026, 1, 12, 14, 29), loads={"tom": Load(1)}
    )
    assert before.analyst is not None and before.analyst.key == "bruno"


def test_buffer_is_ignored_when_it_would_leave_nobody() -> None:
    roster = team(person("bruno", MORNING), person("ana", MORNING))
    decision = route(facts=facts(), roster=roster, now=sp(2026, 1, 12, 14, 50))
    assert decision.analyst is not None
    assert "everyone eligible ends shift within 30 min; buffer not applied" in decision.reasons


def test_buffer_does_not_override_language() -> None:
    roster = team(person("bruno", MORNING, ("pt", "es")), person("tom", AFTERNOON, ("pt",)))
    decision = route(facts=facts("es"), roster=roster, now=sp(2026, 1, 12, 14, 50))
    assert decision.analyst is not None and decision.analyst.key == "bruno"


# --- load, idle time, key ---------------------------------------------------------------------


def test_vip_counts_double() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    # Ana: 3 open, 2 VIP = 5; Bia: 4 open, none VIP = 4.
    loads = {"ana": Load(3, 2), "bia": Load(4, 0)}
    decision = route(facts=facts(), roster=roster, now=NOON, loads=loads)
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert "lowest open load (4, 0 VIP)" in decision.reasons


def test_longest_since_last_assignment_breaks_load_ties() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING), person("cris", MORNING))
    loads = {
        "ana": Load(1, 0, NOON - timedelta(minutes=5)),
        "bia": Load(1, 0, NOON - timedelta(hours=2)),
        "cris": Load(2, 0, None),
    }
    decision = route(facts=facts(), roster=roster, now=NOON, loads=loads)
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert decision.reasons[-1] == "longest since last assignment"


def test_never_assigned_counts_as_longest() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING))
    loads = {"ana": Load(0, 0, NOON - timedelta(days=30))}
    decision = route(facts=facts(), roster=roster, now=NOON, loads=loads)
    assert decision.analyst is not None and decision.analyst.key == "bia"


def test_full_tie_is_broken_by_key() -> None:
    roster = team(person("zoe", MORNING), person("ana", MORNING))
    decision = route(facts=facts(), roster=roster, now=NOON)
    assert decision.analyst is not None and decision.analyst.key == "ana"
    assert decision.reasons[-1] == "tie broken by analyst key"


# --- roles, overrides, nobody on shift -------------------------------------------------------


def test_lead_only_people_are_never_routed_to(example: Roster) -> None:
    now = sp(2026, 1, 5, 10)  # Ana, Bruno and Juliana (lead only) on shift
    busy = {"ana": Load(9, 9), "bruno": Load(9, 9)}
    decision = route(facts=facts(), roster=example, now=now, loads=busy)
    assert decision.candidates == ("ana", "bruno")
    assert decision.analyst is not None and decision.analyst.has_role(Role.ANALYST)


def test_away_and_cover_change_who_gets_it() -> None:
    roster = team(person("ana", MORNING), person("bia", MORNING), person("nina", NIGHT))
    away = Availability("ana", "away", NOON - timedelta(hours=1), NOON + timedelta(hours=1))
    decision = route(facts=facts(), roster=roster, now=NOON, availability=(away,))
    assert decision.analyst is not None and decision.analyst.key == "bia"
    cover = Availability("bia", "cover", NOON, None, covering_for="nina")
    decision = route(facts=facts(), roster=roster, now=sp(2026, 1, 12, 23), availability=(cover,))
    assert decision.analyst is not None and decision.analyst.key == "bia"
    assert decision.candidates == ("bia",)


def test_nobody_on_shift_gives_the_next_shift_start(example: Roster) -> None:
    # Sunday night of an odd week: the whole night team is off.
    decision = route(facts=facts("es"), roster=example, now=sp(2026, 1, 5, 3))
    assert decision.analyst is None and not decision.routed
    assert decision.reasons == (
        "nobody on shift",
        "next shift starts Mon 2026-01-05 06:00 (Ana Souza, Bruno Lima)",
    )
    assert decision.next_shift_at == sp(2026, 1, 5, 6).astimezone(UTC)
    assert decision.candidates == ()


def test_nobody_on_shift_skips_lead_only_starts() -> None:
    lead = Analyst(
        key="jul",
        name="Jul",
        slack_id="UJ",
        email="j@baton-demo.example",
        shift=Shift("office", time(9), time(18)),
        languages=("pt",),
        days_off=(),
        roles=frozenset({Role.LEAD}),
    )
    roster = team(lead, person("tom", AFTERNOON))
    decision = route(facts=facts(), roster=roster, now=sp(2026, 1, 12, 8))
    assert decision.analyst is None
    assert decision.next_shift_at == sp(2026, 1, 12, 14).astimezone(UTC)


def test_nobody_works_at_all() -> None:
    lazy = Analyst(
        key="z",
        name="Z",
        slack_id="UZ",
        email="z@baton-demo.example",
        shift=MORNING,
        languages=("pt",),
        days_off=(frozenset(range(7)),),
    )
    decision = route(facts=facts(), roster=team(lazy), now=NOON)
    assert decision.analyst is None and decision.next_shift_at is None
    assert decision.reasons[0] == "nobody on shift"
