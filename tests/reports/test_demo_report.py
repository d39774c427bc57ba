"""The demo ends with the report: resolved escalations, the tables, the workbook and charts."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.test_cli import baton, env_for


def test_demo_ends_with_the_report(tmp_path: Path) -> None:
    result = baton("demo", "--db", f"sqlite:///{tmp_path}/demo.db", env=env_for(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "A lead logged root causes for " in out
    report = out[out.index("A lead logged root causes") :]
    line = next(x for x in report.splitlines() if x.startswith("Escalations  "))
    shown = int(line.split()[1])
    workbook = tmp_path / "baton-report.xlsx"
    assert f"Excel workbook: {workbook}" in out
    assert openpyxl.load_workbook(workbook)["Summary"]["B5"].value == shown
    for name in ("escalations-per-day.png", "root-causes.png", "avoidable-by-agent.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
