"""Deliver Jira outbox rows: create an escalation's issue exactly once, link it to the ticket."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.domain import Category
from bot.errors import IntegrationError, NotFound
from bot.jira import issues, links
from bot.ports import JIRA_SERVICE
from bot.services import Services
from bot.store.models import Escalation, OutboxMessage

log = logging.getLogger(__name__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one Jira row; raises IntegrationError (retryable or not)."""
    if row.action == links.CREATE:
        return await _create(services, row)
    if row.action == links.LINK:
        p = row.payload
        try:
            added = await services.jira.add_remote_link(
                issue_key=str(p["issue_key"]),
                url=str(p["url"]),
                title=str(p["title"]),
                # After a failed attempt the link may be there already: look first.
                check=row.attempts > 1,
            )
        except NotFound:
            log.info("jira.link_issue_gone", extra={"row": row.id})
            return {"issue_gone": True}  # deleted in Jira meanwhile: nothing to link
        return {"added": added}
    if row.action == "comment":  # bot/resolutions/resolve.py
        p = row.payload
        try:
            added = await services.jira.add_comment(
                issue_key=str(p["issue_key"]),
                text=str(p["text"]),
                marker=f"[baton:{row.idempotency_key}]",
                check=row.attempts > 1,
            )
        except NotFound:
            log.info("jira.comment_issue_gone", extra={"row": row.id})
            return {"issue_gone": True}
        return {"added": added}
    raise IntegrationError(JIRA_SERVICE, f"unknown action {row.action}")


async def _create(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    draft = links.draft_from_payload(dict(row.payload))
    esc_id = int(row.payload["escalation_id"])
    actor = str(row.payload.get("actor") or "baton")
    async with services.db.session() as s:
        link = await links.find_link(s, escalation_id=esc_id, project=draft.project)
        esc = await s.get(Escalation, esc_id)
    if link is not None:
        return {"key": link.issue_key, "already_linked": True}
    category = esc.category if esc is not None else None
    compliance = category is not None and Category(category).is_compliance
    # Asked for before the case became a compliance one: it stays out of other projects.
    if compliance and draft.project not in issues.compliance_projects(services.settings.config):
        log.warning("jira.create_refused", extra={"row": row.id, "project": draft.project})
        return {"refused": "compliance case outside the compliance project"}
    found = None
    if row.attempts > 1:
        # The first attempt may have created the issue and lost the answer (a timeout, a
        # dropped connection, a crash before we stored it): the label finds it.
        label = issues.escalation_label(services.settings.config, esc_id)
        found = await services.jira.find_issue(project=draft.project, label=label)
        if found is not None:
            log.info("jira.create_found", extra={"row": row.id, "issue": found.key})
    issue = found or await services.jira.create_issue(draft)
    await links.record_created(
        services, escalation_id=esc_id, issue=issue, project=draft.project, actor=actor
    )
    return {"key": issue.key, "found": found is not None}
