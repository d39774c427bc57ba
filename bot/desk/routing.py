"""Who gets an escalation, and why: a pure function of the ticket, the roster and the load."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType

from bot.desk.permissions import may_hold
from bot.desk.roster import OnShift, Roster, next_shift_start, on_shift
from bot.domain import (
    Analyst,
    Availability,
    Category,
    Load,
    Role,
    RoutingDecision,
    TicketFacts,
)

CONTINUITY_WINDOW = timedelta(days=7)

_NO_LOADS: Mapping[str, Load] = MappingProxyType({})
_NO_RECENT: Mapping[int, tuple[str, datetime]] = MappingProxyType({})
_IDLE_FOREVER = float("-inf")


def route(
    *,
    facts: TicketFacts,
    roster: Roster,
    now: datetime,
    availability: Sequence[Availability] = (),
    loads: Mapping[str, Load] = _NO_LOADS,
    recent: Mapping[int, tuple[str, datetime]] = _NO_RECENT,
    exclude: Collection[str] = (),
) -> RoutingDecision:
    """Choose the analyst for an escalation and record the reasons.

    Only people with the ``analyst`` role are routed to. In order (SPEC §5):

    1. candidates are the analysts on shift now; nobody → no analyst, with the next shift start;
       an AML or fraud case goes to those with the compliance role when one is on shift
       (``may_hold``), and the rules below choose among them;
    2. continuity: the analyst who handled this requester (``recent``: requester id →
       (analyst key, when)) in the last 7 days, if on shift *and* speaking the ticket language —
       we never break the language guarantee for continuity; the handover buffer does not apply,
       as the customer already knows them;
    3. language: keep only speakers of the ticket language if any is on shift, otherwise keep
       everyone and set ``language_needed`` so the alert flags it;
    4. drop those whose shift ends within the roster's handover buffer, unless that drops all;
    5. least weighted open load (``Load.weighted``: a VIP ticket counts double);
    6. longest since last assignment (never assigned counts as longest);
    7. analyst key, so the same inputs always give the same answer.

    ``exclude`` names analysts not to choose (the owner a re-route moves it from); if they
    are the only ones on shift, there is no analyst and the reason says so. An excluded
    compliance analyst still counts as on shift: their case does not leave compliance.
    """
    tz = roster.timezone
    team = [o for o in on_shift(roster, now, availability) if o.analyst.has_role(Role.ANALYST)]
    compliance = _compliance_in(team)
    if exclude and team:
        others = [o for o in team if o.analyst.key not in exclude]
        if not others:
            return RoutingDecision(None, ("nobody else on shift",))
        team = others
    candidates = tuple(o.analyst.key for o in team)
    lang = facts.language

    if not team:
        upcoming = next_shift_start(roster, now, availability, role=Role.ANALYST)
        if upcoming is None:
            return RoutingDecision(None, ("nobody on shift", "no analyst has a shift in the rota"))
        at, starters = upcoming
        names = ", ".join(a.name for a in starters)
        when = at.astimezone(tz)
        return RoutingDecision(
            None,
            ("nobody on shift", f"next shift starts {when:%a %Y-%m-%d %H:%M} ({names})"),
            next_shift_at=at,
        )

    reasons: list[str] = []
    on_duty = {o.analyst.key for o in team}
    if facts.category.is_compliance:
        if compliance:
            team = [
                o
                for o in team
                if may_hold(o.analyst, category=facts.category, compliance_on_shift=True)
            ]
            if not team:
                return RoutingDecision(
                    None, ("nobody else with the compliance role on shift",), candidates=candidates
                )
            reasons.append("compliance role")
        else:
            reasons.append("no compliance analyst on shift")
    previous = recent.get(facts.requester_id) if facts.requester_id is not None else None
    if previous is not None:
        key, handled_at = previous
        if timedelta(0) <= now - handled_at <= CONTINUITY_WINDOW:
            handled = f"{handled_at.astimezone(tz):%Y-%m-%d}"
            match = next((o for o in team if o.analyst.key == key), None)
            if match is not None and match.analyst.speaks(lang):
                return RoutingDecision(
                    match.analyst,
                    (*reasons, f"continuity: handled this customer on {handled}"),
                    candidates=candidates,
                )
            who = roster.by_key(key)
            name = who.name if who is not None else key
            if match is None and key in on_duty:
                reasons.append(f"continuity skipped: {name} does not have the compliance role")
            elif match is None:
                reasons.append(f"continuity skipped: {name} is not on shift")
            else:
                reasons.append(f"continuity skipped: {name} does not speak {lang}")

    pool = list(team)
    language_needed: str | None = None
    if lang is not None:
        speakers = [o for o in pool if o.analyst.speaks(lang)]
        if speakers:
            pool = speakers
            reasons.append(f"speaks {lang}")
        else:
            language_needed = lang
            reasons.append(f"no {lang} speaker on shift — language flagged")

    pool = _outside_buffer(pool, roster, now, reasons)
    chosen = _least_loaded(pool, loads, reasons)
    return RoutingDecision(
        chosen.analyst, tuple(reasons), language_needed=language_needed, candidates=candidates
    )


def compliance_on_shift(
    roster: Roster, now: datetime, availability: Sequence[Availability] = ()
) -> bool:
    """Whether an analyst with the compliance role is on shift, so compliance cases go to them."""
    team = [o for o in on_shift(roster, now, availability) if o.analyst.has_role(Role.ANALYST)]
    return _compliance_in(team)


def may_be_given(
    analyst: Analyst,
    *,
    category: Category | str | None,
    roster: Roster,
    now: datetime,
    availability: Sequence[Availability] = (),
) -> bool:
    """Whether a person may make the analyst the owner (assign, claim, Take): routing's rule.

    The same ``may_hold`` routing filters by, with the same "compliance on shift", so
    whoever routing picks is accepted and whoever this refuses routing never picks.
    """
    on = compliance_on_shift(roster, now, availability)
    return may_hold(analyst, category=category, compliance_on_shift=on)


def _compliance_in(team: Sequence[OnShift]) -> bool:
    return any(o.analyst.has_role(Role.COMPLIANCE) for o in team)


def _outside_buffer(
    pool: list[OnShift], roster: Roster, now: datetime, reasons: list[str]
) -> list[OnShift]:
    """Drop those about to hand over, unless that would leave nobody."""
    buffer = roster.handover_buffer
    minutes = int(buffer.total_seconds() // 60)
    leaving = [o for o in pool if o.ends_at - now <= buffer]
    staying = [o for o in pool if o.ends_at - now > buffer]
    if not leaving:
        return pool
    if not staying:
        reasons.append(f"everyone eligible ends shift within {minutes} min; buffer not applied")
        return pool
    for o in leaving:
        ends = o.ends_at.astimezone(roster.timezone)
        reasons.append(
            f"{o.analyst.name} ends shift at {ends:%H:%M}, within {minutes} min handover buffer"
        )
    return staying


def _least_loaded(pool: list[OnShift], loads: Mapping[str, Load], reasons: list[str]) -> OnShift:
    """Pick by weighted load, then longest idle, then key, saying which rule decided."""
    if len(pool) == 1:
        reasons.append("only eligible analyst on shift")
        return pool[0]

    def load(o: OnShift) -> Load:
        return loads.get(o.analyst.key, Load())

    def idle(o: OnShift) -> float:
        last = load(o).last_assigned_at
        return _IDLE_FOREVER if last is None else last.timestamp()

    lowest = min(load(o).weighted for o in pool)
    least = [o for o in pool if load(o).weighted == lowest]
    best = min(least, key=lambda o: (idle(o), o.analyst.key))
    if len(least) < len(pool):
        ld = load(best)
        reasons.append(f"lowest open load ({ld.open_count}, {ld.open_vip} VIP)")
    if len(least) > 1:
        earliest = idle(best)
        if sum(1 for o in least if idle(o) == earliest) > 1:
            reasons.append("tie broken by analyst key")
        else:
            reasons.append("longest since last assignment")
    return best
