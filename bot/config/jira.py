"""The `[jira]` part of BATON_CONFIG: where each category's issues go and how they look.

`JiraFile` is the section's model (checked at start as part of BATON_CONFIG's); `build` turns it
into the `JiraConfig` the rest of Baton reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from bot.domain import Category
from bot.schema import FileModel, Text, word

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


def project_key(groups: Mapping[str, str], wanted: str) -> str:
    """The Jira project key a `[jira_projects]` group ("payments") or a key ("pay") names."""
    lowered = {k.lower(): v for k, v in groups.items()}
    return lowered.get(wanted.lower(), wanted.upper())


def _target(value: Any) -> Any:
    if isinstance(value, str):
        return {"project": value}
    if isinstance(value, dict):
        return value
    raise ValueError('expected a project, or { project = "payments", issue_type = "Bug" }')


def _label(label: str) -> str:
    if not label or any(c.isspace() for c in label):
        raise ValueError("expected one word: no spaces allowed")
    return label


class JiraTargetFile(FileModel):
    project: Text
    # A type's name, or its id ("10011", or 10011 as TOML writes a number).
    issue_type: Annotated[str | int, AfterValidator(str)] = DEFAULT_ISSUE_TYPE


CategoryKey = Annotated[Category, BeforeValidator(word(Category, "unknown category"))]


class JiraFile(FileModel):
    """`[jira]` in BATON_CONFIG (and `[jira.categories]`); every key optional."""

    customer_prefix: Annotated[str, StringConstraints(min_length=1)] | None = None
    label: Annotated[str, AfterValidator(_label)] | None = None
    vip_priority: str | None = None  # "" means no priority is set on VIP issues
    categories: dict[CategoryKey, Annotated[JiraTargetFile, BeforeValidator(_target)]] = Field(
        default_factory=dict
    )


def build(model: JiraFile) -> JiraConfig:
    """The JiraConfig a checked `[jira]` table describes (defaults for the rest)."""
    targets = dict(DEFAULT_TARGETS)
    for category, target in model.categories.items():
        targets[category] = JiraTarget(target.project, str(target.issue_type))
    given = model.model_dump(exclude_unset=True, exclude={"categories"})
    if "vip_priority" in given:
        given["vip_priority"] = given["vip_priority"] or None
    return JiraConfig(targets=targets, **given)
