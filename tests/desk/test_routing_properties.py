"""Routing invariants over generated rosters, instants and loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.desk.permissions import may_hold
from bot.desk.roster import Roster, on_shift
from bot.desk.routing import compliance_on_shift, may_be_given, route
from bot.domain import LANGUAGES, Analyst, Availability, Category, Load, Role, Shift, TicketFacts

ZONES = [ZoneInfo("America/Sao_Paulo"), ZoneInfo("America/New_York"), ZoneInfo("Europe/Moscow")]


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(st.integers(0, 95)) * 15
    # Over an hour long, so a DST hour never swallows a whole shift; up to 24 h.
    length = draw(st.integers(5, 96)) * 15
    end = (start + length) % 1440
    return Shift("s", time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def analysts(draw: st.DrawFn, key: str) -> Analyst:
    week = st.frozensets(st.integers(0, 6), max_size=7)
    return Analyst(
        key=key,
        name=key.title(),
        slack_id=f"U{key.upper()}",
        email=f"{key}@baton-demo.example",
        shift=draw(shifts()),
        languages=tuple(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
        days_off=tuple(draw(st.lists(week, min_size=0, max_size=3))),
        roles=frozenset({Role.ANALYST, Role.COMPLIANCE} if draw(st.booleans()) else {Role.ANALYST}),
    )


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    count = draw(st.integers(1, 8))
    team = tuple(draw(analysts(f"a{i}")) for i in range(count))
    buffer = timedelta(minutes=draw(st.sampled_from([0, 15, 30, 60])))
    return Roster(draw(st.sampled_from(ZONES)), team, buffer, date(2026, 1, 5))


@dataclass(frozen=True)
class Case:
    roster: Roster
    now: datetime
    facts: TicketFacts
    loads: dict[str, Load]
    availability: tuple[Availability, ...]
    recent: dict[int, tuple[str, datetime]]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    roster = draw(rosters())
    now = draw(st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC)))
    key_list = [a.key for a in roster.analysts]
    keys = st.sampled_from(key_list)
    loads: dict[str, Load] = {}
    for key in key_list:
        count = draw(st.integers(0, 5))
        last = draw(st.none() | st.integers(1, 72 * 60).map(lambda m: now - timedelta(minutes=m)))
        loads[key] = Load(count, draw(st.integers(0, count)), last)
    away = draw(
        st.lists(
            st.builds(
                lambda k, before, after: Availability(
                    k, "away", now - timedelta(hours=before), now + timedelta(hours=after)
                ),
                keys,
                st.integers(-5, 5),
                st.integers(-5, 5),
            ),
            max_size=2,
        )
    )
    recent: dict[int, tuple[str, datetime]] = {}
    if draw(st.booleans()):
        recent[7] = (draw(keys), now - timedelta(hours=draw(st.integers(0, 240))))
    facts = TicketFacts(
        ticket_id=1,
        category=draw(st.sampled_from([Category.TX_FAILED, Category.AML, Category.FRAUD])),
        vip=draw(st.booleans()),
        language=draw(st.none() | st.sampled_from(LANGUAGES)),
        requester_id=7,
        created_at=now,
    )
    return Case(roster, now, facts, loads, tuple(away), recent)


def works_at_all(analyst: Analyst) -> bool:
    return not analyst.days_off or any(len(week) < 7 for week in analyst.days_off)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_routing_invariants(case: Case) -> None:
    decision = route(
        facts=case.facts,
        roster=case.roster,
        now=case.now,
        availability=case.availability,
        loads=case.loads,
        recent=case.recent,
    )
    team = on_shift(case.roster, case.now, case.availability)
    on_keys = [o.analyst.key for o in team]
    assert len(on_keys) == len(set(on_keys))
    assert decision.candidates == tuple(on_keys)
    assert decision.reasons

    if not team:
        assert decision.analyst is None
        assert decision.reasons[0] == "nobody on shift"
        if any(works_at_all(a) for a in case.roster.analysts):
            assert decision.next_shift_at is not None
        if decision.next_shift_at is not None:
            assert decision.next_shift_at > case.now
            assert on_shift(case.roster, decision.next_shift_at, case.availability)
        return

    # Never an off-shift analyst while someone is on shift.
    assert decision.analyst is not None and decision.analyst.key in on_keys
    # A compliance case: someone with the role whenever one is on shift, and never someone
    # the claim and assign checks would refuse.
    category = case.facts.category
    with_role = compliance_on_shift(case.roster, case.now, case.availability)
    assert may_hold(decision.analyst, category=category, compliance_on_shift=with_role)
    team = [
        o for o in team if may_hold(o.analyst, category=category, compliance_on_shift=with_role)
    ]
    lang = case.facts.language
    speakers = [o for o in team if o.analyst.speaks(lang)]
    if speakers:
        assert decision.analyst.speaks(lang)
        assert decision.language_needed is None
    else:
        assert decision.language_needed == lang

    if any(r.startswith("continuity:") for r in decision.reasons):
        key, handled_at = case.recent[7]
        assert decision.analyst.key == key
        assert case.now - handled_at <= timedelta(days=7)
        return

    eligible = speakers or team
    staying = [o for o in eligible if o.ends_at - case.now > case.roster.handover_buffer]
    eligible = staying or eligible
    chosen_load = case.loads[decision.analyst.key].weighted
    assert decision.analyst.key in {o.analyst.key for o in eligible}
    assert chosen_load == min(case.loads[o.analyst.key].weighted for o in eligible)


@settings(max_examples=200, deadline=None)
@given(
    rosters(), st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
)
def test_on_shift_instances_contain_the_instant(roster: Roster, now: datetime) -> None:
    for o in on_shift(roster, now):
        assert o.starts_at <= now < o.ends_at
        assert o.ends_at > o.starts_at
        assert o.ends_at - o.starts_at <= timedelta(hours=25)
        local_start = o.starts_at.astimezone(roster.timezone)
        assert roster.works_on(o.analyst, local_start.date())


@settings(max_examples=200, deadline=None)
@given(cases())
def test_routing_and_assign_agree(case: Case) -> None:
    """Whoever routing picks (a re-route too), assign and claim accept; whoever they refuse,
    routing never picks, whoever the re-route moves the case from."""

    def accepts(analyst: Analyst) -> bool:
        return may_be_given(
            analyst,
            category=case.facts.category,
            roster=case.roster,
            now=case.now,
            availability=case.availability,
        )

    refused = {a.key for a in case.roster.analysts if not accepts(a)}
    for exclude in [(), *((a.key,) for a in case.roster.analysts)]:
        picked = route(
            facts=case.facts,
            roster=case.roster,
            now=case.now,
            availability=case.availability,
            loads=case.loads,
            recent=case.recent,
            exclude=exclude,
        ).analyst
        if picked is not None:
            assert accepts(picked)
            assert picked.key not in refused
