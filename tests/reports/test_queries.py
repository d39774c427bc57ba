"""The report's numbers on a hand-made week, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.desk.roster import load_roster
from bot.reports.queries import build_report
from bot.reports.views import Count, Report
from bot.store.db import Database
from bot.store.models import Escalation
from tests.reports.seed import MIN, NOW, local, seed, week

ROOT = Path(__file__).resolve().parents[2]


async def report_for(db: Database) -> Report:
    await seed(db)
    roster = load_roster(ROOT / "examples" / "roster.toml")
    async with db.read_session() as s:
        return await build_report(s, period=week(), roster=roster, now=NOW)


async def test_headline_and_breakdowns(db: Database) -> None:
    report = await report_for(db)
    h = report.headline
    assert (h.escalations, h.vip, h.resolved) == (5, 2, 4)
    assert (h.with_root_cause, h.needs_root_cause, h.avoidable) == (3, 1, 2)
    assert h.avoidable_rate == pytest.approx(2 / 3)
    assert (h.sla_due, h.sla_met, h.sla_attainment) == (4, 2, 0.5)
    assert report.previous.escalations == 1 and report.previous.needs_root_cause == 1
    assert report.by_category == (
        Count("withdrawal", 2, 1),
        Count("deposit", 2, 0),
        Count("kyc", 1, 0),
    )
    assert report.by_root_cause == (
        Count("provider_delay", 2, 0),
        Count("needs_root_cause", 1, 1),
        Count("kyc_incomplete", 1, 0),
    )
    assert report.by_vip == (Count("standard", 3, 1), Count("vip", 2, 0))
    assert report.by_language == (Count("pt", 3, 1), Count("en", 1, 0), Count("es", 1, 0))


async def test_agents_and_what_they_lacked(db: Database) -> None:
    report = await report_for(db)
    rows = {a.agent_id: a for a in report.by_agent}
    assert set(rows) == {501, 502, None}
    assert (rows[501].escalations, rows[501].with_root_cause, rows[501].avoidable) == (2, 2, 1)
    assert rows[501].avoidable_rate == 0.5
    assert rows[501].lacked == (("access", 1), ("knowledge", 1))
    assert (rows[502].escalations, rows[502].with_root_cause, rows[502].avoidable) == (2, 1, 1)
    assert rows[502].avoidable_rate == 1.0 and rows[502].lacked == (("access", 1),)
    assert rows[None].avoidable_rate is None
    assert report.lacked == (("access", 2), ("knowledge", 1))


async def test_timings_are_median_and_p90_per_category(db: Database) -> None:
    report = await report_for(db)
    t = {x.category: x for x in report.timings}
    minutes = 60.0
    w = t["withdrawal"]
    assert w.first_action_median == pytest.approx(15 * minutes, abs=0.5)
    assert w.first_action_p90 == pytest.approx(19 * minutes, abs=0.5)
    assert w.resolve_median == pytest.approx(120 * minutes, abs=0.5)
    assert w.resolve_p90 == pytest.approx(168 * minutes, abs=0.5)
    d = t["deposit"]
    assert d.first_action_median == pytest.approx(17.5 * minutes, abs=0.5)
    assert d.first_action_p90 == pytest.approx(27.5 * minutes, abs=0.5)
    assert d.resolve_median == pytest.approx(70 * minutes, abs=0.5)  # desk's clock
    assert d.customer_resolve_median == pytest.approx(85 * minutes, abs=0.5)  # customer's clock
    assert t["kyc"].escalations == 1 and t["kyc"].resolve_median is None


async def test_hours_and_days_in_the_roster_zone(db: Database) -> None:
    report = await report_for(db)
    received = {h.hour: h.received for h in report.hours if h.received}
    assert received == {9: 1, 10: 2, 14: 1, 20: 1}
    assert len(report.hours) == 24
    # The example roster has someone on shift mid-afternoon on weekdays.
    assert report.hours[14].on_shift > 0
    # Juliana, the team lead (role lead only, office hours 09-18), takes no escalations: at
    # 07:00 and 10:00 only the two morning analysts count, on the weekdays they work.
    assert report.hours[10].on_shift == report.hours[7].on_shift
    per_day = {(d.day, d.category): d.count for d in report.per_day}
    assert per_day == {
        (date(2026, 1, 5), "withdrawal"): 2,
        (date(2026, 1, 6), "deposit"): 1,
        (date(2026, 1, 7), "deposit"): 1,
        (date(2026, 1, 8), "kyc"): 1,
    }


async def test_the_first_action_is_the_earliest_one_a_reply_before_the_claim(db: Database) -> None:
    # A reply sent at 5 minutes, the claim at 20: the first action came at 5 minutes.
    start = local(9, 10)
    async with db.session() as s:
        s.add(
            Escalation(
                ticket_id=48100,
                status="claimed",
                category="account",
                vip=False,
                language="pt",
                received_at=start,
                desk_started_at=start,
                first_response_at=start + 5 * MIN,
                claimed_at=start + 20 * MIN,
            )
        )
    roster = load_roster(ROOT / "examples" / "roster.toml")
    async with db.read_session() as s:
        report = await build_report(s, period=week(), roster=roster, now=NOW)
    (account,) = [t for t in report.timings if t.category == "account"]
    assert account.first_action_median == pytest.approx(5 * 60, abs=0.5)
