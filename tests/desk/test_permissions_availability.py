"""Role rules and availability parsing: the pure parts of /baton's gatekeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.desk.availability import parse_duration, parse_until, shift_end
from bot.desk.permissions import (
    Action,
    actor_for,
    allowed,
    can_assign,
    can_cover,
    can_see,
    require,
    require_assign,
)
from bot.desk.roster import load_roster
from bot.errors import UserFacingError
from tests.conftest import ROOT

ROSTER = load_roster(ROOT / "examples" / "roster.toml")
NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)  # Tue 14:30 São Paulo


def test_outsiders_get_help_and_who_only() -> None:
    outsider = actor_for(ROSTER, "U0BPO00042")
    assert {a for a in Action if allowed(outsider, a)} == {Action.HELP, Action.WHO}


def test_analyst_and_lead_rules() -> None:
    carla, ana = actor_for(ROSTER, "U05CAR0003"), actor_for(ROSTER, "U05ANA0001")
    assert allowed(carla, Action.CLAIM) and not allowed(carla, Action.REPORT)
    assert can_assign(carla, current_analyst_key="carla")
    assert not can_assign(carla, current_analyst_key="diego")
    assert can_assign(ana, current_analyst_key="diego")
    assert can_cover(carla, coverer_key="carla") and not can_cover(carla, coverer_key="diego")
    assert can_cover(ana, coverer_key="diego")


def test_a_button_the_actor_may_not_press_is_refused() -> None:
    outsider, carla = actor_for(ROSTER, "U0BPO00042"), actor_for(ROSTER, "U05CAR0003")
    require(carla, Action.CLAIM)
    with pytest.raises(UserFacingError) as refused:
        require(outsider, Action.CLAIM)
    assert refused.value.msgid == "Sorry, only analysts on the roster can do that."
    require_assign(carla, current_analyst_key="carla")
    with pytest.raises(UserFacingError) as held:
        require_assign(carla, current_analyst_key="diego")
    assert "lead or the analyst holding it" in str(held.value)


def test_compliance_cases_visibility() -> None:
    carla, eduarda = actor_for(ROSTER, "U05CAR0003"), actor_for(ROSTER, "U05EDU0005")
    assert not can_see(carla, category="aml", analyst_key="eduarda")
    assert can_see(carla, category="aml", analyst_key="carla")
    assert can_see(eduarda, category="fraud", analyst_key=None)
    assert can_see(carla, category="withdrawal", analyst_key=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("45min", timedelta(minutes=45)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "forever", "0m", "40d", "2x", "-1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UserFacingError):
        parse_duration(text)


def test_until_local_time_and_duration() -> None:
    assert parse_until("18:00", now=NOW, roster=ROSTER) == datetime(2026, 1, 6, 21, tzinfo=UTC)
    # A time already past today means tomorrow.
    assert parse_until("09:00", now=NOW, roster=ROSTER) == datetime(2026, 1, 7, 12, tzinfo=UTC)
    assert parse_until("4h", now=NOW, roster=ROSTER) == NOW + timedelta(hours=4)


def test_default_away_ends_with_the_shift() -> None:
    carla = ROSTER.by_key("carla")
    assert carla is not None
    assert shift_end(carla, ROSTER, NOW) == datetime(2026, 1, 7, 2, tzinfo=UTC)  # 23:00 local
