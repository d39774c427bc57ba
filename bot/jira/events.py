"""Jira webhook events, in the worker: status back to the ticket and Slack, comments offered.

For an issue Baton created: a status change (``changelog.items``) becomes one internal note
on the ticket and an update of the Slack alerts; a resolution pings the analyst; a comment
starting with the customer prefix is offered to the analyst as a ticket note (a DM with a
button). Events about other issues are finished and ignored. Effects are enqueued in the same
transaction that marks the event done, so a redelivered or reprocessed event adds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.desk.permissions import Actor, can_assign
from bot.errors import N_, UserFacingError, UserFacingNotFound
from bot.escalations import alerts, notes
from bot.events.jira import JiraEvent
from bot.services import Services
from bot.slack_messages import jira as jira_messages
from bot.store import inbox, outbox
from bot.store.models import AuditEntry, Escalation, InboxEvent, JiraLink, OutboxMessage
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

OFFER = "jira.customer_comment"  # the audit action holding a comment offered as a note


def for_customer(comment: str | None, *, prefix: str) -> str | None:
    """The text after the customer prefix, when a comment starts with it."""
    if not (comment and prefix and comment.lower().startswith(prefix.lower())):
        return None
    return comment[len(prefix) :].strip() or None


async def _link(s: AsyncSession, event: JiraEvent) -> JiraLink | None:
    if event.issue_id is None and event.issue_key is None:
        return None
    found: JiraLink | None = await s.scalar(
        select(JiraLink)
        .where(or_(JiraLink.issue_id == event.issue_id, JiraLink.issue_key == event.issue_key))
        .with_for_update()
    )
    return found


async def _enqueued(s: AsyncSession, key: str) -> bool:
    """Whether an outbox row with this key exists (the same comment, delivered as two events)."""
    found = await s.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    return found is not None


def _dm(key: str, slack_id: str, text: str, blocks: list[dict[str, Any]]) -> OutboxItem:
    # No escalation id: a one-off DM, not an alert that later edits would rewrite.
    payload = {"kind": "jira", "user": slack_id, "text": text, "blocks": blocks}
    return OutboxItem(key=key, service=alerts.SERVICE, action=alerts.POST, payload=payload)


async def linked(s: AsyncSession, event: JiraEvent) -> JiraEvent:
    """The event under its linked ticket, which orders it with the ticket's other work.

    An issue not (yet) linked keeps no ticket and is stored anyway: its create's answer may
    still be on its way.
    """
    ticket_id = await s.scalar(
        select(JiraLink.ticket_id).where(JiraLink.issue_id == event.issue_id)
    )
    return replace(event, ticket_id=ticket_id)


async def store_event(s: AsyncSession, *, event: JiraEvent, dedupe_key: str, now: datetime) -> bool:
    """Store a Jira event once, under its linked ticket (False: delivered before)."""
    return await inbox.store_event(s, event=await linked(s, event), dedupe_key=dedupe_key, now=now)


async def process_event(services: Services, event: InboxEvent, *, worker: str) -> str:
    """Apply one stored Jira event; returns what it did (for logs and tests)."""
    change = inbox.jira_event(event)
    comment = for_customer(change.comment, prefix=services.settings.config.jira.customer_prefix)
    stamp = change.timestamp or str(event.id)
    async with services.db.session() as s:
        link = await _link(s, change)
        esc = await s.get(Escalation, link.escalation_id) if link else None
        if link is None or esc is None:
            await inbox.finish_or_yield(s, event.id, worker)
            log.info("jira.event_ignored", extra={"kind": event.kind})
            return "ignored"
        now = services.clock()
        items: list[OutboxItem] = []
        analyst = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
        _ = i18n.translator(analyst.locale if analyst else None)
        if change.status_to and change.status_to != link.status:
            link.status, link.updated_at = change.status_to, now
            esc.jira_issues = [
                {**i, "status": change.status_to} if i.get("key") == link.issue_key else i
                for i in esc.jira_issues or ()
            ]
            was = f"{change.status_from} → " if change.status_from else ""
            note = f"Baton: Jira {link.issue_key} status: {was}{change.status_to}."
            if change.resolution:
                note += f" Resolution: {change.resolution}."
            ref = f"{link.issue_id}:{stamp}:{change.status_to}"
            items += [
                notes.ticket_update(
                    key=f"zendesk:jira-status:{ref}",
                    ticket_id=esc.ticket_id,
                    escalation_id=esc.id,
                    note=note,
                ),
                alerts.changed(esc, ref=f"jira-status:{ref}"),
            ]
        if change.resolution == "":
            link.resolution = None
        elif change.resolution and link.resolution != change.resolution:
            link.resolution = change.resolution
            if analyst is not None:
                text, blocks = jira_messages.resolved_ping(
                    _,
                    key=link.issue_key,
                    url=link.url,
                    resolution=change.resolution,
                    ticket_id=esc.ticket_id,
                )
                key = f"slack:jira-resolved:{link.issue_id}:{stamp}"
                items.append(_dm(key, analyst.slack_id, text, blocks))
        dm_key = f"slack:jira-comment:{link.issue_id}:{change.comment_id or stamp}"
        if comment and analyst is not None and not await _enqueued(s, dm_key):
            offer = AuditEntry(
                at=now,
                actor="jira",
                action=OFFER,
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                detail={
                    "issue": link.issue_key,
                    "comment": change.comment_id,
                    "text": comment,
                },
            )
            s.add(offer)
            await s.flush()
            text, blocks = jira_messages.comment_offer(
                _,
                key=link.issue_key,
                url=link.url,
                ticket_id=esc.ticket_id,
                comment=comment,
                offer_id=offer.id,
            )
            items.append(_dm(dm_key, analyst.slack_id, text, blocks))
        await outbox.enqueue(s, items, now=now)
        await inbox.finish_or_yield(s, event.id, worker)
    log.info("jira.event_applied", extra={"issue": link.issue_key, "effects": len(items)})
    return "applied" if items else "unchanged"


async def add_offered_note(services: Services, *, actor: Actor, offer_id: int) -> int:
    """The analyst accepts a Jira comment as an internal note; returns the ticket id."""
    async with services.db.session() as s:
        offer = await s.get(AuditEntry, offer_id)
        if offer is None or offer.action != OFFER or offer.escalation_id is None:
            raise UserFacingNotFound(N_("This button is out of date."))
        esc = await s.get(Escalation, offer.escalation_id)
        if esc is None or not can_assign(actor, current_analyst_key=esc.analyst_key):
            raise UserFacingError(N_("Sorry, only a lead or the analyst holding it can do that."))
        issue = str(offer.detail.get("issue") or "")
        text = str(offer.detail.get("text") or "")
        item = notes.ticket_update(
            key=f"zendesk:jira-comment:{offer.id}",
            ticket_id=esc.ticket_id,
            escalation_id=esc.id,
            note=f"From Jira {issue}, for the customer:\n\n{text}",
        )
        if await outbox.enqueue(s, [item], now=services.clock()):
            s.add(
                AuditEntry(
                    at=services.clock(),
                    actor=actor.key,
                    action="jira.comment_noted",
                    escalation_id=esc.id,
                    ticket_id=esc.ticket_id,
                    detail={"offer": offer.id, "issue": issue},
                )
            )
        return esc.ticket_id
