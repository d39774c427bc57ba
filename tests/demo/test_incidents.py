"""The demo's provider incident: opened by the wave, joined by the later tickets, resolved with
one reply per customer in the customer's language."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_main import baton, env_for


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo_incident")
    result = baton("demo", "--db", f"sqlite:///{folder}/demo.db", env=env_for(folder))
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_the_wave_opens_an_incident_that_later_tickets_join(demo: tuple[Path, str]) -> None:
    _, out = demo
    shown = out[out.index("Provider incident (SPEC §13)") :].splitlines()
    assert [line.split(": ", 1)[0].strip() for line in shown[1:8]] == [
        "10:01 #31901",
        "10:07 #31902",
        "10:13 #31903",
        "10:19 #31904",
        "10:25 #31905",
        "10:39 #31906",
        "10:53 #31907",
    ]
    assert sum("not a wave yet" in line for line in shown[1:8]) == 4
    assert "→ INC-1 opened; 5 escalations linked" in shown[5]
    assert "joins INC-1" in shown[6] and "joins INC-1" in shown[7]


def test_the_resolution_answers_each_customer_in_their_language(demo: tuple[Path, str]) -> None:
    folder, out = demo
    shown = out[out.index("Provider incident (SPEC §13)") :]
    assert "resolves INC-1: root cause provider failure" in shown
    assert "→ 7 replies, one per customer" in shown
    assert "Portuguese ×2: Agradecemos a sua paciência." in shown
    assert "Spanish ×2: Gracias por su paciencia." in shown
    assert "English ×1: Thank you for your patience." in shown
    assert "Chinese ×1: 感谢您的耐心等待。" in shown
    assert "Russian ×1: Спасибо за терпение." in shown
    with sqlite3.connect(folder / "demo.db") as conn:
        [(status, replies)] = conn.execute("SELECT status, replies_total FROM incidents")
        causes = conn.execute(
            "SELECT r.root_cause, r.avoidable FROM resolutions r JOIN escalations e "
            "ON e.id = r.escalation_id WHERE e.ticket_id >= 31901"
        ).fetchall()
        keys = [
            k
            for (k,) in conn.execute(
                "SELECT idempotency_key FROM outbox WHERE action = 'incident_reply'"
            )
        ]
    assert (status, replies) == ("resolved", 7)
    assert causes == [("provider_failure", 0)] * 7
    assert len(keys) == len(set(keys)) == 7


def test_the_portuguese_draft_still_prints(demo: tuple[Path, str]) -> None:
    _, out = demo
    assert "Portuguese (their own words)" in out
    assert "Seu depósito: precisamos de alguns dados" in out
