"""The `[jira]` part of BATON_CONFIG: where each category's issues go and how they look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain import Category
from bot.errors import ConfigError

DEFAULT_ISSUE_TYPE = "Task"


@dataclass(frozen=True)
class JiraTarget:
    """A project (a group of `[jira_projects]`, e.g. "payments", or a project key) and type."""

    project: str
    issue_type: str = DEFAULT_ISSUE_TYPE  # a name, or the type's id in digits


DEFAULT_TARGETS: dict[Category, JiraTarget] = {
    # Provider incidents and failed transactions: the payments team's project.
    Category.WITHDRAWAL: JiraTarget("payments"),
    Category.DEPOSIT_MISSING: JiraTarget("payments"),
    Category.TX_FAILED: JiraTarget("payments"),
    Category.KYC: JiraTarget("payments"),
    # Account access and limits are product problems.
    Category.ACCOUNT: JiraTarget("product"),
    Category.FRAUD: JiraTarget("compliance"),
    Category.AML: JiraTarget("compliance"),
}


@dataclass(frozen=True)
class JiraConfig:
    targets: Mapping[Category, JiraTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    # A Jira comment starting with this is offered to the analyst as a ticket note.
    customer_prefix: str = "[customer]"
    # Every issue Baton creates carries this label (the webhook's JQL filter) and
    # "<label>-esc-<escalation id>" (how a retried create finds the first one).
    label: str = "baton"
    vip_priority: str | None = "High"


def parse_jira(path: Path, raw: Mapping[str, Any]) -> JiraConfig:
    """Read `[jira]` (and `[jira.categories]`); unknown keys and categories are errors."""
    base = JiraConfig()
    raw = dict(raw)
    targets = dict(base.targets)
    for name, value in dict(raw.pop("categories", {})).items():
        try:
            category = Category(name)
        except ValueError as err:
            known = ", ".join(c.value for c in Category)
            raise ConfigError(
                f"BATON_CONFIG={path}: [jira.categories] {name}: unknown category (known: {known})"
            ) from err
        if isinstance(value, str):
            targets[category] = JiraTarget(value)
        elif isinstance(value, dict) and isinstance(value.get("project"), str):
            issue_type = value.get("issue_type", DEFAULT_ISSUE_TYPE)
            targets[category] = JiraTarget(value["project"], str(issue_type))
        else:
            raise ConfigError(
                f"BATON_CONFIG={path}: [jira.categories] {name}: expected a project, or "
                '{ project = "payments", issue_type = "Bug" }'
            )
    allowed = {"customer_prefix", "label", "vip_priority"}
    if unknown := set(raw) - allowed:
        raise ConfigError(f"BATON_CONFIG={path}: unknown [jira] keys: {sorted(unknown)}")
    label = str(raw.get("label", base.label))
    if not label or any(c.isspace() for c in label):
        raise ConfigError(f"BATON_CONFIG={path}: [jira] label = {label!r}: no spaces allowed")
    return JiraConfig(
        targets=targets,
        customer_prefix=str(raw.get("customer_prefix", base.customer_prefix)),
        label=label,
        vip_priority=raw.get("vip_priority", base.vip_priority) or None,
    )
