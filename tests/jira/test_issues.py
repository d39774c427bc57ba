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
    with pytest.raises(ConfigError, match="\\[jira\\] prefix: unknown key, expected one of: cat"):
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


def test_findings_go_into_the_description_masked_outside_compliance() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.domain import Transaction, TxStatus, TxType
    from bot.payments.findings import Findings, FindingState

    tx = Transaction(
        id="TX-8F3K29Q1",
        type=TxType("withdrawal"),
        amount=Decimal("1250.00"),
        currency="BRL",
        status=TxStatus("failed"),
        created_at=datetime(2026, 11, 15, 14, 2, tzinfo=UTC),
        provider_reference="E18236120202611151402s0a1b2c3d4e",
        email="maria@example.com",
        provider="pix-bank",
        failure_code="name_mismatch",
    )
    found = Findings(
        state=FindingState("found"),
        transactions=(tx,),
        matched_by="id",
        asked={"reference": "TX-8F3K29Q1", "email": "maria@example.com"},
    )
    settings = Settings()
    e = esc(category="withdrawal", enrichment=found.to_json())
    text = "\n".join(issues.draft(settings, e, project="PAY", issue_type="Task").description)
    assert "Transactions: found (by id)" in text
    assert "TX-8F3K29Q1" in text and "1250.00 BRL" in text and "failure name_mismatch" in text
    assert "maria@example.com" not in text  # the requester's e-mail is not copied, even masked


def test_the_alert_shows_the_key_except_where_a_compliance_case_is_minimal() -> None:
    from bot.slack_messages.alerts import AlertKind, render

    shown = [
        {"key": "COMP-7", "url": "https://acme.atlassian.net/browse/COMP-7", "status": "To Do"}
    ]
    case = esc(status="routed", jira_issues=shown)
    link = "<https://acme.atlassian.net/browse/COMP-7|COMP-7> (To Do)"
    _, compliance = render(case, kind=AlertKind.COMPLIANCE, analyst=None)
    assert link in str(compliance)
    _, owners_dm = render(case, kind=AlertKind.DM, analyst=None)  # the owner's: the case's details
    assert link in str(owners_dm)
    for kind in (AlertKind.CHANNEL, AlertKind.LEADS):
        assert "COMP-7" not in str(render(case, kind=kind, analyst=None))
    assert "COMP-7" not in str(render(case, kind=AlertKind.DM, analyst=None, to_owner=False))
    pay = [{"key": "PAY-3", "url": "https://acme.atlassian.net/browse/PAY-3", "status": None}]
    _, blocks = render(
        esc(category="withdrawal", status="routed", jira_issues=pay),
        kind=AlertKind.CHANNEL,
        analyst=None,
    )
    assert "Jira: <https://acme.atlassian.net/browse/PAY-3|PAY-3>" in str(blocks)
