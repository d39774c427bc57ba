"""An escalation's Jira issues: asked for through the outbox, stored once, never a second one.

One issue per escalation and project, guaranteed three ways: the create request's outbox key is
(escalation, project) (bot/escalations/issue_requests.create_key, shared with the compliance
issue the hub asks for), so asking twice enqueues one row; the delivery looks for a stored link
first; and a retried delivery (the first attempt may have created the issue before its answer
was lost) searches Jira for the escalation's label before creating again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor, can_see
from bot.domain import Requester
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, deadlines, lookup, notes
from bot.escalations.issue_requests import create_key, enqueue_create
from bot.jira import issues
from bot.ports import JIRA_SERVICE, IssueDraft, JiraIssue
from bot.services import Services, Unconfigured
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, JiraLink, RoutingDecisionRow
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

CREATE, LINK = "create_issue", "add_remote_link"


@dataclass(frozen=True)
class Requested:
    """What asking for an issue did: it exists already, or a create is queued or on its way."""

    project: str
    issue: JiraIssue | None = None
    queued: bool = False


async def find_link(s: AsyncSession, *, escalation_id: int, project: str) -> JiraLink | None:
    link: JiraLink | None = await s.scalar(
        select(JiraLink).where(JiraLink.escalation_id == escalation_id, JiraLink.project == project)
    )
    return link


async def _routing(s: AsyncSession, esc: Escalation) -> list[str]:
    row = await s.scalar(
        select(RoutingDecisionRow)
        .where(RoutingDecisionRow.escalation_id == esc.id)
        .order_by(RoutingDecisionRow.id.desc())
        .limit(1)
    )
    return [str(r) for r in row.reasons] if row is not None else []


async def draft_for(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    project: str | None = None,
    requester: Requester | None = None,
) -> IssueDraft:
    """The escalation's issue in project (default: its category's), as it stands now."""
    key, issue_type = issues.target(
        services.settings.config, category=esc.category, project=project
    )
    analyst = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
    return issues.draft(
        services.settings,
        esc,
        project=key,
        issue_type=issue_type,
        reasons=await _routing(s, esc),
        analyst=analyst.name if analyst else None,
        requester=requester,
    )


async def request_issue(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    actor: str,
    project: str | None = None,
) -> Requested:
    """Ask for the escalation's issue in project (default: its category's), in session s."""
    key, _type = issues.target(services.settings.config, category=esc.category, project=project)
    issues.check_project(services.settings.config, category=esc.category, project=key)
    link = await find_link(s, escalation_id=esc.id, project=key)
    if link is not None:
        return Requested(key, JiraIssue(link.issue_key, link.issue_id, link.url))
    draft = await draft_for(services, s, esc=esc, project=project)
    item = OutboxItem(
        key=create_key(esc.id, key),
        service=JIRA_SERVICE,
        action=CREATE,
        payload={"escalation_id": esc.id, "actor": actor, "draft": asdict(draft)},
        escalation_id=esc.id,
    )
    queued = await enqueue_create(services, s, esc=esc, actor=actor, project=key, item=item)
    return Requested(key, queued=queued)


async def request_by_hand(
    services: Services,
    s: AsyncSession,
    *,
    actor: Actor,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
    project: str | None = None,
) -> tuple[Escalation, Requested]:
    """`/baton jira` and the Jira button: check who asks, then ask for the issue."""
    if isinstance(services.jira, Unconfigured):
        raise UserFacingError(N_("Jira is not configured: ask an admin to set JIRA_URL."))
    esc = await lookup.find_open(s, ticket_id=ticket_id, escalation_id=escalation_id)
    if not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
        raise UserFacingError(N_("Sorry, this is a compliance case."))
    requested = await request_issue(services, s, esc=esc, actor=actor.key, project=project)
    if requested.queued and actor.key == esc.analyst_key:
        # Asking for an issue is the owner acting on it: the first response is in.
        now = services.clock()
        deadlines.record_action(esc, now=now)
        await deadlines.sync(s, services.settings.config, esc, now=now)
    return esc, requested


def draft_from_payload(payload: dict[str, Any]) -> IssueDraft:
    d = dict(payload["draft"])
    d["description"] = tuple(d.get("description") or ())
    d["labels"] = tuple(d.get("labels") or ())
    return IssueDraft(**d)


async def record_created(
    services: Services, *, escalation_id: int, issue: JiraIssue, project: str, actor: str
) -> None:
    """Store the link and enqueue what follows: link back, ticket note, alert update."""
    async with services.db.session() as s:
        esc = await s.get(Escalation, escalation_id, with_for_update=True)
        if esc is None or await find_link(s, escalation_id=escalation_id, project=project):
            return
        now = services.clock()
        s.add(
            JiraLink(
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                project=project,
                issue_key=issue.key,
                issue_id=issue.id,
                url=issue.url,
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
        )
        shown = {"key": issue.key, "url": issue.url, "project": project, "status": None}
        esc.jira_issues = [*(esc.jira_issues or []), shown]
        s.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="jira.created",
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                detail={"issue": issue.key, "project": project},
            )
        )
        items = [
            notes.ticket_update(
                key=f"zendesk:jira:{esc.id}:{issue.key}",
                ticket_id=esc.ticket_id,
                escalation_id=esc.id,
                note=f"Baton: Jira issue {issue.key} was opened for this escalation: {issue.url}",
            ),
            alerts.changed(esc, ref=f"jira:{issue.key}"),
        ]
        url = alerts.ticket_url(services.settings, esc.ticket_id)
        if url:
            items.append(
                OutboxItem(
                    key=f"jira:link:{esc.id}:{issue.key}",
                    service=JIRA_SERVICE,
                    action=LINK,
                    payload={
                        "issue_key": issue.key,
                        "url": url,
                        "title": f"Zendesk ticket #{esc.ticket_id}",
                    },
                    escalation_id=esc.id,
                )
            )
        await outbox.enqueue(s, items, now=now)
    log.info("jira.issue_linked", extra={"escalation": escalation_id, "issue": issue.key})
