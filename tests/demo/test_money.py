"""The demo's money movement: asked for, refused to its requester, approved by a lead, done once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_main import baton, env_for


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo_money")
    result = baton("demo", "--db", f"sqlite:///{folder}/demo.db", env=env_for(folder))
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_one_credit_is_refused_to_its_requester_approved_by_a_lead_and_executed(
    demo: tuple[Path, str],
) -> None:
    folder, out = demo
    shown = out[out.index("Money movement (SPEC §14)") :]
    assert "presses Approve → refused: You asked for this movement" in shown
    assert "(lead) presses Approve → approved" in shown
    assert "Idempotency-Key baton-adjustment-1 → completed" in shown
    assert "applied 1 time(s)" in shown
    with sqlite3.connect(folder / "demo.db") as conn:
        rows = conn.execute("SELECT state, requested_by, approvals FROM money_requests").fetchall()
        actions = [
            a
            for (a,) in conn.execute(
                "SELECT action FROM audit_log WHERE action LIKE 'money.%' ORDER BY id"
            )
        ]
    [(state, requester, approvals)] = rows
    assert state == "completed" and requester not in approvals
    assert actions == ["money.requested", "money.approved", "money.executing", "money.executed"]
