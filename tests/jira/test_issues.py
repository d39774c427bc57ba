"""[jira] in BATON_CONFIG and what an escalation's issue says (masked outside compliance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BatonConfig, Settings, load_batonconfig, load_settings
from bot.errors import ConfigError, UserFacingError
from bot.jira import issues
from bot.store.models import Escalation

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, text: str) -> BatonConfig:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    return load_batonconfig(path)


def test_defaults_route_categories_to_the_three_projects() -> None:
    cfg = BatonConfig()
    assert issues.target(cfg, category="tx_failed") == ("PAY", "Task")
    assert issues.target(cfg, category="account") == ("PROD", "Task")
    assert issues.target(cfg, category="aml") == ("COMP", "Task")
    assert issues.target(cfg, category="withdrawal", project="product") == ("PROD", "Task")
    assert issues.target(cfg, category="withdrawal", project="ops") == ("OPS", "Task")
    with pytest.raises(UserFacingError):
        issues.target(cfg, category="withdrawal", project="no such!")


def test_jira_section_is_read_and_checked(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        """
[jira_projects]
product = "APP"

[jira]
customer_prefix = "[cliente]"
label = "vipdesk"

[jira.categories]
account = { project = "product", issue_type = "10011" }
kyc = "compliance"
""",
    )
    assert issues.target(cfg, category="account") == ("APP", "10011")
    assert issues.target(cfg, category="kyc") == ("COMP", "Task")
    assert cfg.jira.customer_prefix == "[cliente]" and cfg.jira.label == "vipdesk"
    with pytest.raises(ConfigError, match="unknown category"):
        config(tmp_path, '[jira.categories]\nbogus = "PAY"\n')
    with pytest.raises(ConfigError, match="no spaces"):
        config(tmp_path, '[jira]\nlabel = "baton desk"\n')
    with pytest.raises(ConfigError, match="unknown \\[jira\\] keys"):
        config(tmp_path, '[jira]\nprefix = "x"\n')


def test_deployment_setting(tmp_path: Path) -> None:
    roster = str(ROOT / "examples" / "roster.toml")
    base = {"BATON_ROSTER": roster, "JIRA_URL": "http://127.0.0.1:8080", "JIRA_API_TOKEN": "t"}
    dc = load_settings(base, dotenv=False)
    assert dc.jira_deployment == "datacenter" and dc.jira_configured  # a PAT needs no e-mail
    cloud = load_settings({**base, "JIRA_EMAIL": "bot@example.com"}, dotenv=False)
    assert cloud.jira_deployment == "cloud"
    forced = load_settings({**base, "JIRA_DEPLOYMENT": "cloud"}, dotenv=False)
    assert not forced.jira_configured  # Cloud's API token needs its e-mail
    with pytest.raises(ConfigError, match="JIRA_DEPLOYMENT"):
        load_settings({**base, "JIRA_DEPLOYMENT": "server"}, dotenv=False)


def esc(**kw: object) -> Escalation:
    values: dict[str, object] = {
        "id": 42,
        "ticket_id": 48213,
        "category": "aml",
        "vip": True,
        "language": "pt",
        "subject": "Depósitos de terceiros; cartão 4111 1111 1111 1111, maria@example.com",
    }
    values.update(kw)
    return Escalation(**values)


def test_masked_outside_the_compliance_project_full_inside() -> None:
    settings = Settings(zendesk_url="https://acme.zendesk.com")
    public = issues.draft(settings, esc(), project="PAY", issue_type="Task")
    text = public.summary + " ".join(public.description)
    assert "4111 1111 1111 1111" not in text and "maria@example.com" not in text
    compliance = issues.draft(settings, esc(), project="COMP", issue_type="Task")
    assert "maria@example.com" in compliance.summary
    assert compliance.link_url == "https://acme.zendesk.com/agent/tickets/48213"
    assert compliance.labels == ("baton", "baton-esc-42", "baton-aml", "baton-vip")
    assert compliance.priority == "High" and public.priority == "High"
    assert issues.draft(settings, esc(vip=False), project="PAY", issue_type="Task").priority is None
