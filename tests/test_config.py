"""Settings: every SPEC name read, bad values refused with a message that says which."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_batonconfig, load_settings
from bot.domain import Category
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
ROSTER = str(ROOT / "examples" / "roster.toml")


def test_defaults_need_nothing_but_a_roster() -> None:
    s = load_settings({"BATON_ROSTER": ROSTER})
    assert s.database_url == "sqlite:///baton.db"
    assert s.port == 3000
    assert s.slack_api_url == "https://slack.com/api/"
    assert not (s.zendesk_configured or s.slack_configured or s.jira_configured)


def test_reads_every_setting() -> None:
    env = {
        "DATABASE_URL": "postgresql://baton:pw@db:5432/baton",
        "PORT": "8080",
        "BATON_ROSTER": ROSTER,
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9999/api/",
        "SLACK_ROUTING_CHANNEL": "C1",
        "SLACK_VIP_CHANNEL": "C2",
        "SLACK_COMPLIANCE_CHANNEL": "C3",
        "SLACK_LEADS_CHANNEL": "C4",
        "ZENDESK_URL": "http://127.0.0.1:8081/",
        "ZENDESK_EMAIL": "bot@example.com",
        "ZENDESK_API_TOKEN": "t",
        "ZENDESK_WEBHOOK_SECRET": "w",
        "JIRA_URL": "https://acme.atlassian.net",
        "JIRA_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": "j",
        "JIRA_WEBHOOK_SECRET": "jw",
        "TRANSACTIONS_DATABASE_URL": "sqlite:///tx.db",
        "BATON_DASHBOARD_TOKEN": "d",
    }
    s = load_settings(env)
    assert s.port == 8080 and s.zendesk_url == "http://127.0.0.1:8081"
    assert s.zendesk_configured and s.slack_configured and s.jira_configured
    assert s.slack_leads_channel == "C4" and s.transactions_database_url == "sqlite:///tx.db"
    assert "pw" not in repr(s)  # secrets never reach a log line through repr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "not supported"),
        ({"PORT": "eighty"}, "PORT='eighty': not a port number"),
        ({"PORT": "70000"}, "PORT"),
        ({"BATON_ROSTER": "/nowhere/roster.toml"}, "BATON_ROSTER=/nowhere/roster.toml: file not"),
        ({"ZENDESK_URL": "acme.zendesk.com"}, "ZENDESK_URL"),
        ({"BATON_CONFIG": "/nowhere/config.toml"}, "BATON_CONFIG=/nowhere/config.toml"),
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_settings({"BATON_ROSTER": ROSTER, **env})


def test_batonconfig_overrides_taxonomy_and_sla(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text(
        '[tags]\nescalate = "escalar"\nextra_vip = ["high_roller"]\n'
        '[tags.categories]\nesc_pix = "deposit_missing"\n[sla_minutes]\nkyc = 60\n'
    )
    cfg = load_batonconfig(path)
    assert cfg.tags.escalate == "escalar"
    assert cfg.tags.categories["esc_pix"] is Category.DEPOSIT_MISSING
    assert cfg.tags.categories["esc_aml"] is Category.AML  # defaults kept
    assert cfg.sla_minutes[Category.KYC] == 60
    assert "high_roller" in cfg.tags.extra_vip


def test_batonconfig_unknown_category_is_named(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('[tags.categories]\nesc_x = "chargebacks"\n')
    with pytest.raises(ConfigError, match="esc_x = 'chargebacks': unknown category"):
        load_batonconfig(path)


def test_example_config_is_valid() -> None:
    cfg = load_batonconfig(ROOT / "examples" / "config.toml")
    assert "Aurora Capital VIP" in cfg.tags.vip_organizations
    assert isinstance(Settings().config.tags.routed, str)
