"""Deliver Jira outbox rows: create an escalation's issue exactly once, link it to the ticket.

A compliance issue asked for at intake (bot/escalations/issue_requests.py) is built here, from
the escalation as it stands when the row is delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Category, Requester
from bot.errors import IntegrationError, NotFound, UserFacingError
from bot.escalations import issue_requests
from bot.jira import issues, links
from bot.ports import JIRA_SERVICE, IssueDraft
from bot.services import Services
from bot.store.models import Escalation, OutboxMessage

log = logging.getLogger(__name__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one Jira row; raises IntegrationError (retryable or not)."""
    if row.action in (links.CREATE, issue_requests.COMPLIANCE_ISSUE):
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


async def _draft(
    services: Services, s: AsyncSession, row: OutboxMessage, esc: Escalation | None
) -> IssueDraft | None:
    """The row's issue: asked for with its draft, or (the compliance issue) built now."""
    if row.action == links.CREATE:
        return links.draft_from_payload(dict(row.payload))
    if esc is None:
        return None
    customer = row.payload.get("requester") or {}
    requester = Requester(
        id=int(customer.get("id") or 0),
        name=str(customer.get("name") or ""),
        email=str(customer.get("email") or ""),
    )
    project = str(row.payload["project"])
    try:
        return await links.draft_for(services, s, esc=esc, project=project, requester=requester)
    except UserFacingError as err:  # the configured compliance project is no project key
        raise IntegrationError(JIRA_SERVICE, str(err)) from err


async def _create(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    esc_id = int(row.payload["escalation_id"])
    actor = str(row.payload.get("actor") or "baton")
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        draft = await _draft(services, s, row, esc)
        if draft is None:
            log.warning("jira.create_escalation_gone", extra={"row": row.id})
            return {"escalation_gone": True}
        link = await links.find_link(s, escalation_id=esc_id, project=draft.project)
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
