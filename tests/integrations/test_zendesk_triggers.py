"""`baton zendesk setup` as an operator runs it, with tag names renamed in BATON_CONFIG."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
[tags]
escalate = "n2_escalar"
routed = "n2_ok"
unassigned = "n2_fila"
incomplete = "n2_faltando"
"""


@pytest.fixture
def env(tmp_path: Path, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith(("SLACK_", "ZENDESK_", "BATON_"))]:
        monkeypatch.delenv(key)
    (tmp_path / "baton.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no stray .env from the working folder
    for key, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        "BATON_CONFIG": str(tmp_path / "baton.toml"),
        "ZENDESK_URL": fake_zendesk.url,
        "ZENDESK_EMAIL": EMAIL,
        "ZENDESK_API_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("env")
def test_setup_creates_three_triggers_with_the_configured_tags(fake_zendesk: FakeZendesk) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["zendesk", "setup", "--public-url", "https://baton.example.com"])
    assert first.exit_code == 0, first.output
    lines = [ln for ln in first.output.splitlines() if ln.startswith(("Webhook", "Trigger"))]
    assert lines[0].endswith("created, calling https://baton.example.com/webhooks/zendesk")
    assert "created: tag n2_escalar added, without n2_ok or n2_fila" in lines[1]
    assert "created: ticket tagged n2_ok, n2_fila or n2_faltando solved or closed" in lines[2]
    assert "created: ticket tagged n2_ok or n2_fila and with an AML or fraud tag" in lines[3]
    assert "Signing secret (shown once" in first.output

    triggers = list(fake_zendesk.state.triggers.values())
    assert [t["title"] for t in triggers] == [
        "Baton: tag n2_escalar added → notify webhook",
        "Baton: escalated ticket solved or closed → notify webhook",
        "Baton: compliance tag on an escalated ticket → notify webhook",
    ]
    compliance = triggers[2]["conditions"]["all"]
    assert {"field": "current_tags", "operator": "includes", "value": "n2_ok n2_fila"} in compliance
    assert {"field": "current_tags", "operator": "includes", "value": "esc_aml esc_fraud"} in (
        compliance
    )
    written = json.dumps(triggers)
    assert "esc_senior" not in written and "baton_" not in written

    second = runner.invoke(main, ["zendesk", "setup", "--public-url", "https://baton.example.com"])
    assert second.exit_code == 0, second.output
    assert second.output.count("updated") == 4 and "Signing secret" not in second.output
    assert len(fake_zendesk.state.webhooks) == 1 and len(fake_zendesk.state.triggers) == 3
