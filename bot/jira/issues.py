"""What issue an escalation gets: project and type by category, summary, description, labels.

Everything here is masked (cards, documents, e-mails), except in the compliance project: a
compliance case's issue carries the customer's name, e-mail and the unmasked facts, because
that is where the investigation happens (SPEC §5, §7). Nothing here talks to Jira.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.config import BatonConfig, Settings
from bot.config.jira import project_key
from bot.domain import Category, Requester
from bot.errors import N_, UserFacingError
from bot.escalations.alerts import ticket_url
from bot.masking import mask
from bot.payments.findings import Findings
from bot.ports import IssueDraft
from bot.store.models import Escalation

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")


def target(
    config: BatonConfig, *, category: str | None, project: str | None = None
) -> tuple[str, str]:
    """The (project key, issue type) for an escalation; project overrides the category's.

    project may be a group of `[jira_projects]` ("payments") or a project key ("PAY").
    """
    groups = {k.lower(): v for k, v in config.jira_projects.items()}
    cat = Category(category) if category else Category.ACCOUNT
    default = config.jira.targets.get(cat)
    issue_type = default.issue_type if default else "Task"
    wanted = project or (default.project if default else "product")
    key = project_key(config.jira_projects, wanted)
    if not PROJECT_KEY.match(key):
        raise UserFacingError(N_("{project} is not a Jira project key."), project=wanted)
    if project and default and groups.get(default.project.lower(), default.project) != key:
        issue_type = "Task"  # the category's type may not exist in another project
    return key, issue_type


def is_compliance_project(config: BatonConfig, project: str) -> bool:
    return project == config.jira_projects.get("compliance")


def compliance_projects(config: BatonConfig) -> frozenset[str]:
    """The project keys a compliance case's issue may go to: the compliance project and the
    `[jira]` targets of the compliance categories, as keys."""
    named = [config.jira_projects.get("compliance")]
    named += [t.project for c, t in config.jira.targets.items() if c.is_compliance]
    return frozenset(project_key(config.jira_projects, p) for p in named if p)


def check_project(config: BatonConfig, *, category: str | None, project: str) -> None:
    """Refuse a compliance case's issue in any project but compliance's (SPEC §5, §7)."""
    compliance = category is not None and Category(category).is_compliance
    if compliance and project not in compliance_projects(config):
        raise UserFacingError(
            N_("A compliance case's Jira issue stays in the compliance project, not {project}."),
            project=project,
        )


def escalation_label(config: BatonConfig, escalation_id: int) -> str:
    """The label that finds an escalation's issue again (a retried create looks for it)."""
    return f"{config.jira.label}-esc-{escalation_id}"


def _findings_lines(esc: Escalation) -> list[str]:
    if not esc.enrichment:
        return []
    try:
        findings = Findings.from_json(esc.enrichment)
    except (KeyError, TypeError, ValueError):
        return []
    lines = [
        f"Transactions: {findings.state}"
        + (f" (by {findings.matched_by})" if findings.matched_by else "")
    ]
    for tx in findings.transactions:
        parts = [
            tx.id,
            str(tx.type),
            f"{tx.amount} {tx.currency}",
            str(tx.status),
            tx.provider or "",
            f"reference {tx.provider_reference}" if tx.provider_reference else "",
            f"failure {tx.failure_code}" if tx.failure_code else "",
            f"{tx.created_at:%Y-%m-%d %H:%M} UTC",
        ]
        lines.append("  • " + " · ".join(p for p in parts if p))
    asked = ", ".join(f"{k} {v}" for k, v in findings.asked.items() if k not in ("email",))
    if asked:
        lines.append(f"The ticket names: {asked}")
    return lines


def draft(
    settings: Settings,
    esc: Escalation,
    *,
    project: str,
    issue_type: str,
    reasons: Sequence[str] = (),
    analyst: str | None = None,
    requester: Requester | None = None,
) -> IssueDraft:
    """The issue for an escalation in project: masked, unless project is the compliance one."""
    config = settings.config
    full = is_compliance_project(config, project)

    def show(text: str) -> str:
        return text if full else mask(text)

    vip = "VIP " if esc.vip else ""
    subject = " ".join((esc.subject or "").split())
    summary = show(f"{vip}ticket #{esc.ticket_id} ({esc.category or 'escalation'}): {subject}")
    lines = [
        f"Category: {esc.category or '-'} · VIP: {'yes' if esc.vip else 'no'} · "
        f"language: {esc.language or '-'}",
        show(f"Subject: {subject}") if subject else "",
    ]
    if full and requester is not None:
        lines.append(
            f"Customer: {requester.name} <{requester.email}> (Zendesk user {requester.id})"
        )
    lines += [show(line) for line in _findings_lines(esc)]
    if reasons or analyst:
        routing = "; ".join(reasons)
        lines.append(f"Routing: {analyst or 'unassigned'}" + (f" ({routing})" if routing else ""))
    lines.append(f"Opened by Baton for escalation {esc.id}.")
    labels = [config.jira.label, escalation_label(config, esc.id)]
    if esc.category:
        labels.append(f"{config.jira.label}-{esc.category}")
    if esc.vip:
        labels.append(f"{config.jira.label}-vip")
    return IssueDraft(
        project=project,
        issue_type=issue_type,
        summary=summary,
        description=tuple(line for line in lines if line),
        labels=tuple(labels),
        link_title=f"Zendesk ticket #{esc.ticket_id}",
        link_url=ticket_url(settings, esc.ticket_id),
        priority=config.jira.vip_priority if esc.vip else None,
    )
