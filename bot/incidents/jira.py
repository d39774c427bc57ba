"""The incident's Jira issue, from the Jira webhook (in the worker).

bot/jira/events works the issues linked to a ticket; an incident's issue has no such link.
The worker hands each Jira event here first: when it is about an open incident's issue
(``incidents.jira_key``) and Jira resolved it, the incident's message says so and asks for
the Resolve form. Nothing is resolved here: a person still picks the root cause, the summary
and the customers' reply. A reopened issue (its resolution cleared) takes the line away.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents import core
from bot.services import Services
from bot.store import inbox, outbox
from bot.store.models import AuditEntry, InboxEvent, Incident

log = logging.getLogger(__name__)

RESOLUTION = "incident.jira_resolution"  # audit action; detail: incident, issue, resolution


async def jira_resolution(s: AsyncSession, incident_id: int) -> str | None:
    """What Jira last said the incident's issue was resolved as (None: not resolved)."""
    rows = await s.scalars(
        select(AuditEntry).where(AuditEntry.action == RESOLUTION).order_by(AuditEntry.id.desc())
    )
    for row in rows:
        if row.detail.get("incident") == incident_id:
            return str(row.detail.get("resolution") or "") or None
    return None


async def process_event(services: Services, event: InboxEvent, *, worker: str) -> str | None:
    """Apply a Jira event about an incident's issue; None when it is about another issue."""
    change = inbox.jira_event(event)
    if not change.issue_key:
        return None
    async with services.db.session() as s:
        incident = await s.scalar(
            select(Incident).where(Incident.jira_key == change.issue_key).with_for_update()
        )
        if incident is None:
            return None
        done = "unchanged"
        if change.resolution is not None and incident.status == core.OPEN:
            resolution = change.resolution or None
            if resolution != await jira_resolution(s, incident.id):
                now = services.clock()
                s.add(
                    AuditEntry(
                        at=now,
                        actor="jira",
                        action=RESOLUTION,
                        detail={
                            "incident": incident.id,
                            "issue": incident.jira_key,
                            "resolution": change.resolution,
                        },
                    )
                )
                ref = f"jira-resolution:{event.id}"
                await outbox.enqueue(s, [core.message_item(incident, ref=ref)], now=now)
                done = "applied"
        await inbox.finish_or_yield(s, event.id, worker)
    log.info("incident.jira_event", extra={"incident": incident.id, "done": done})
    return done
