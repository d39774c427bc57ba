"""`baton jira setup` as an operator runs it: the deployment checked, the webhook put in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira

ROOT = Path(__file__).resolve().parents[2]
URL = "https://baton.example.com"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_jira: FakeJira) -> None:
    for key in ("JIRA_DEPLOYMENT", "JIRA_WEBHOOK_SECRET", "BATON_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/baton.db")
    monkeypatch.setenv("BATON_ROSTER", str(ROOT / "examples" / "roster.toml"))
    monkeypatch.setenv("JIRA_URL", fake_jira.url)
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)


def test_setup_creates_then_updates_the_signed_webhook(
    env: None, fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_WEBHOOK_SECRET", "s3cret-for-jira")
    runner = CliRunner()
    first = runner.invoke(main, ["jira", "setup", "--public-url", URL])
    assert first.exit_code == 0, first.output
    assert "Jira Cloud 1001.0.0-SNAPSHOT" in first.output
    assert f"created, calling {URL}/webhooks/jira" in first.output
    second = runner.invoke(main, ["jira", "setup", "--public-url", URL + "/"])
    assert second.exit_code == 0 and "updated" in second.output
    [hook] = fake_jira.state.webhooks.values()
    assert hook["url"] == f"{URL}/webhooks/jira" and hook["secret"] == "s3cret-for-jira"
    assert hook["events"] == ["jira:issue_updated", "comment_created"]
    assert hook["filters"] == {"issue-related-events-section": 'labels = "baton"'}
    assert "s3cret" not in first.output + second.output  # never printed


def test_setup_refuses_a_wrong_deployment_setting(
    env: None, fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_DEPLOYMENT", "datacenter")
    result = CliRunner().invoke(main, ["jira", "setup", "--public-url", URL])
    assert result.exit_code == 1
    assert "is Jira Cloud, but JIRA_DEPLOYMENT=datacenter" in result.output
    assert fake_jira.state.webhooks == {}


def test_setup_on_data_center_with_a_personal_access_token(
    env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dc = FakeJira(cloud=False).start()
    try:
        monkeypatch.setenv("JIRA_URL", dc.url)
        monkeypatch.delenv("JIRA_EMAIL")
        result = CliRunner().invoke(main, ["jira", "setup", "--public-url", URL])
        assert result.exit_code == 0, result.output
        assert "Jira Data Center (Server) 9.12.0" in result.output
        assert "unsigned: Baton refuses its deliveries (503)" in result.output
        assert dc.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    finally:
        dc.stop()


def test_setup_without_credentials_says_what_to_set(
    env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JIRA_URL")
    result = CliRunner().invoke(main, ["jira", "setup", "--public-url", URL])
    assert result.exit_code == 1 and "set JIRA_URL and JIRA_API_TOKEN" in result.output
