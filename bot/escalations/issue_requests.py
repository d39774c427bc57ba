"""Asking for an escalation's Jira issue: one outbox row per escalation and project.

The hub asks for the compliance issue of an AML or fraud case (at routing, or when a case
becomes one) with a row that names only the escalation, the project and the customer; the
Jira side (bot/delivery/jira.py) builds the issue from the escalation when it delivers the
row, with bot/jira/issues.py. An issue asked for from Slack (bot/jira/links.py) carries its
draft. Both share the row's key, so asking twice, either way, enqueues one row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.jira import project_key
from bot.domain import Category, Requester
from bot.ports import JIRA_SERVICE
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, JiraLink, OutboxMessage
from bot.store.outbox import OutboxItem

COMPLIANCE_ISSUE = "create_compliance_issue"  # the row's action: build the issue at delivery


def create_key(escalation_id: int, project: str) -> str:
    return f"jira:create:{escalation_id}:{project}"


async def is_linked(s: AsyncSession, *, escalation_id: int, project: str) -> bool:
    """Whether the escalation has its issue in project already."""
    found = await s.scalar(
        select(JiraLink.id).where(
            JiraLink.escalation_id == escalation_id, JiraLink.project == project
        )
    )
    return found is not None


async def enqueue_create(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    actor: str,
    project: str,
    item: OutboxItem,
) -> bool:
    """Enqueue the create row once, in session s; whether a create is now on its way."""
    queued = await outbox.enqueue(s, [item], now=services.clock()) > 0
    if not queued:
        # Asked before: a create given up (Jira refused it, or the retry budget ran out) is
        # put back with a fresh budget; one still waiting or in flight is left alone.
        dead = await s.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.idempotency_key == item.key, OutboxMessage.status == outbox.DEAD
            )
        )
        if dead is not None:
            queued = bool(await outbox.retry_dead(s, now=services.clock(), ids=[dead]))
    if queued:
        s.add(
            AuditEntry(
                at=services.clock(),
                actor=actor,
                action="jira.requested",
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                detail={"project": project},
            )
        )
    return queued


async def request_compliance_issue(
    services: Services, s: AsyncSession, *, esc: Escalation, requester: Requester
) -> bool:
    """An AML or fraud case gets its issue in the compliance project; whether one was asked."""
    if not esc.category or not Category(esc.category).is_compliance:
        return False
    config = services.settings.config
    wanted = config.jira_projects.get("compliance")
    if not wanted:
        return False
    project = project_key(config.jira_projects, wanted)
    if await is_linked(s, escalation_id=esc.id, project=project):
        return False
    customer = {"id": requester.id, "name": requester.name, "email": requester.email}
    item = OutboxItem(
        key=create_key(esc.id, project),
        service=JIRA_SERVICE,
        action=COMPLIANCE_ISSUE,
        payload={
            "escalation_id": esc.id,
            "project": project,
            "actor": "baton",
            "requester": customer,
        },
        escalation_id=esc.id,
    )
    return await enqueue_create(services, s, esc=esc, actor="baton", project=project, item=item)
