"""The terminal tables and the Excel workbook show the same numbers; the workbook is typed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from bot.reports import text
from bot.reports.views import AgentRow
from bot.reports.xlsx import DURATION, PERCENT, write_xlsx
from bot.store.db import Database
from tests.reports.test_queries import report_for


@pytest.fixture(params=["sqlite"])
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    import shutil

    path = tmp_path / "baton.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


async def test_terminal_and_excel_agree(db: Database, tmp_path: Path) -> None:
    report = await report_for(db)
    shown = text.render(report)
    assert "Baton report, 2026-01-05..2026-01-11" in shown
    lines = shown.splitlines()
    assert "Needs a root cause    1       1" in lines
    # Hours of the day name their zone, as the period's start and end do.
    assert "Busiest hours against shift coverage (hours of the day in America/Sao_Paulo)" in lines
    assert "withdrawal      2       1  +100%" in lines
    # The rate names what it is over: the agent's escalations with a root cause logged.
    assert "Outsourcing agents (avoidable: of their escalations with a root cause logged)" in lines
    assert "501              2                2   1 of 2 (50%)  access 1, knowledge 1" in lines
    assert "502              2                1  1 of 1 (100%)  access 1" in lines
    assert "withdrawal      2         15m  19m   2h 00m  2h 48m    2h 00m  2h 48m" in lines

    wb = openpyxl.load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))
    assert wb.sheetnames == [
        "Summary",
        "Category",
        "Root cause",
        "VIP",
        "Language",
        "Agents",
        "Lacked",
        "Timings",
        "Hours",
        "Per day",
    ]
    summary = {r[0]: r[1:] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Escalations"] == (5, 1)
    assert summary["Needs a root cause"] == (1, 1)
    assert summary["Avoidable rate"][0] == pytest.approx(2 / 3)
    assert summary["SLA attainment"] == (0.5, None)
    assert wb["Summary"]["B11"].number_format == PERCENT
    categories = [r for r in wb["Category"].iter_rows(min_row=2, values_only=True)]
    assert categories == [(c.key, c.count, c.previous) for c in report.by_category]
    agents = {r[0]: r for r in wb["Agents"].iter_rows(min_row=2, values_only=True)}
    assert agents[501][1:5] == (2, 2, 1, 0.5) and agents[501][5] == "access 1, knowledge 1"
    assert wb["Agents"]["E2"].number_format == PERCENT
    timings = {r[0]: r for r in wb["Timings"].iter_rows(min_row=2, values_only=True)}
    # A duration cell reads back as a timedelta: Excel shows it as [h]:mm.
    assert timings["withdrawal"][2].total_seconds() == pytest.approx(15 * 60, abs=0.5)
    assert wb["Timings"]["C2"].number_format == DURATION
    days = list(wb["Per day"].iter_rows(values_only=True))
    assert days[0] == ("Day", "deposit", "kyc", "withdrawal")
    assert days[1][0].date().isoformat() == "2026-01-05" and days[1][1:] == (0, 0, 2)
    assert len(days) == 8
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.column_dimensions["A"].width >= 10
    # Native charts survive a save and reload (openpyxl reads them back since 3.1).
    assert len(wb["Category"]._charts) == 1
    assert len(wb["Per day"]._charts) == 1
    assert len(wb["Hours"]._charts) == 1


async def test_the_agent_table_shows_everything_they_lacked(db: Database) -> None:
    report = replace(
        await report_for(db),
        by_agent=(
            AgentRow(
                agent_id=777,
                escalations=9,
                with_root_cause=7,
                avoidable=4,
                lacked=(("access", 3), ("authority", 2), ("information", 2), ("knowledge", 1)),
            ),
        ),
    )
    row = next(x for x in text.render(report).splitlines() if x.startswith("777 "))
    # Every word they lacked, none cut (the old table kept three), after "4 of 7".
    assert row.endswith("4 of 7 (57%)  access 3, authority 2, information 2, knowledge 1")


async def test_baton_report_command(db: Database, database_url: str, tmp_path: Path) -> None:
    from tests.cli.test_main import baton, env_for

    await report_for(db)
    out = tmp_path / "week.xlsx"
    env = env_for(tmp_path, DATABASE_URL=database_url)
    result = baton("report", "--period", "2026-01-05..2026-01-11", "--xlsx", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "Escalations           5       1  +400%" in result.stdout.splitlines()
    assert f"Excel workbook written to {out}" in result.stdout
    assert openpyxl.load_workbook(out)["Summary"]["B5"].value == 5
    bad = baton("report", "--period", "fortnight", env=env)
    assert bad.returncode == 1 and "A period is week, month or" in bad.stderr


async def test_the_terminal_tables_show_control_characters_as_escapes(db: Database) -> None:
    report = replace(
        await report_for(db),
        by_agent=(
            AgentRow(
                agent_id=777,
                escalations=2,
                with_root_cause=1,
                avoidable=1,
                lacked=(("access\x1b[2J\nforged row", 1),),
            ),
        ),
    )
    shown = text.render(report)
    assert "\x1b" not in shown
    row = next(x for x in shown.splitlines() if x.startswith("777 "))
    assert row.endswith("access\\x1b[2J\\nforged row 1")
    assert not any(line.startswith("forged row") for line in shown.splitlines())
    assert "Top reasons an escalation was avoidable:" in shown
