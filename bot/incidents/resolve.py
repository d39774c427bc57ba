"""Resolve an incident: one public reply per linked customer, their resolutions, once each.

Everything is decided in one transaction: the incident resolved, every open linked
escalation resolved (its paused clock resumed first, so reports count the pause apart), its
resolution stored with the incident's root cause (not avoidable), and one outbox row per
ticket carrying the public reply in the customer's language, the solved status and the tags.
The outbox delivers them within Zendesk's rate limit (Retry-After, X-Rate-Limit-Remaining);
a row's key is the incident and the escalation, and a retry looks for the reply among the
ticket's latest comments before writing again (bot/delivery/zendesk.py): one reply a ticket,
across a killed worker and a lost answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor
from bot.domain import CustomerOutcome, EscalationStatus, RootCause
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, deadlines
from bot.incidents import core
from bot.incidents.grouping import groupable
from bot.incidents.replies import ReplyTemplate, render
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, Incident, OutboxMessage, ResolutionRow
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

REPLY_KEY = "zendesk:incident-reply"  # + ":<incident>:<escalation>"
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class IncidentForm:
    root_cause: RootCause
    summary: str
    template: ReplyTemplate


def parse_form(raw: Mapping[str, str | None]) -> IncidentForm | dict[str, str]:
    """The form's values, or the message id of what is wrong, by field."""
    errors: dict[str, str] = {}
    try:
        cause = RootCause(raw.get("root_cause") or "")
    except ValueError:
        errors["root_cause"] = N_("Pick the root cause.")
    try:
        template = ReplyTemplate(raw.get("template") or "")
    except ValueError:
        errors["template"] = N_("Pick the reply the customers get.")
    summary = (raw.get("summary") or "").strip()
    if not summary:
        errors["summary"] = N_("Say in a sentence what happened.")
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = N_("Keep the summary under 2,000 characters.")
    if errors:
        return errors
    return IncidentForm(root_cause=cause, summary=summary, template=template)


def outcome(template: ReplyTemplate, category: str | None) -> CustomerOutcome:
    """What the customer got, from the reply they are sent."""
    if template is ReplyTemplate.RETURNED:
        return CustomerOutcome.REFUNDED
    if template is ReplyTemplate.PROCESSED:
        if category == "withdrawal":
            return CustomerOutcome.WITHDRAWAL_PAID
        if category == "deposit_missing":
            return CustomerOutcome.FUNDS_CREDITED
    return CustomerOutcome.INFORMATION_GIVEN


def check_may_resolve(actor: Actor, owners: set[str], *, ref: str) -> None:
    """A lead, or an analyst with an escalation in the incident, answers its customers."""
    if not actor.is_staff or not (actor.is_lead or actor.key in owners):
        raise UserFacingError(
            N_("Only a lead or an analyst on one of its escalations can resolve {incident}."),
            incident=ref,
        )


def reply_item(services: Services, incident: Incident, esc: Escalation, text: str) -> OutboxItem:
    tags = services.settings.config.tags
    owner = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
    payload: dict[str, object] = {
        "ticket_id": esc.ticket_id,
        "public_reply": text,
        "status": "solved",
        "add_tags": [tags.resolved],
        "remove_tags": [tags.routed, tags.unassigned, tags.escalate],
    }
    if owner is not None:
        payload["author_id"] = owner.zendesk_id
    return OutboxItem(
        key=f"{REPLY_KEY}:{incident.id}:{esc.id}",
        service="zendesk",
        action=core.REPLY,
        payload=payload,
        escalation_id=esc.id,
    )


async def resolve(
    s: AsyncSession,
    services: Services,
    *,
    incident_id: int,
    actor: Actor,
    form: IncidentForm,
    now: datetime,
) -> Incident:
    """Resolve the incident and enqueue one reply per open linked escalation."""
    incident = await core.get(s, incident_id, lock=True)
    if incident.status != core.OPEN:
        raise UserFacingError(N_("{incident} is not open any more."), incident=incident.ref)
    rows = await core.linked(s, incident.id, open_only=True, lock=True)
    check_may_resolve(actor, {e.analyst_key for e, _ in rows if e.analyst_key}, ref=incident.ref)
    incident.status, incident.open_key = core.RESOLVED, None
    incident.resolved_at, incident.resolved_by = now, actor.key
    incident.root_cause, incident.summary = form.root_cause.value, form.summary
    incident.reply_template = form.template.value
    items: list[OutboxItem] = []
    answered = 0
    for esc, link in rows:
        core.resume(esc, link, now=now)
        if not groupable(esc.category):
            # Became a compliance case after it joined: no bulk reply; its analyst answers.
            link.active_escalation_id, link.unlinked_at, esc.incident_ref = None, now, None
            items.append(alerts.changed(esc, ref=f"incident:{incident.id}:left"))
            await deadlines.sync(s, services.settings.config, esc, now=now)
            continue
        stored = await s.scalar(select(ResolutionRow).where(ResolutionRow.escalation_id == esc.id))
        if stored is None:
            stored = ResolutionRow(escalation_id=esc.id, amendments=0, resolved_at=now)
            s.add(stored)
        stored.root_cause, stored.summary = form.root_cause.value, form.summary
        stored.outcome = outcome(form.template, esc.category).value
        stored.avoidable, stored.lacked = False, []
        stored.zendesk_status, stored.resolved_by = "solved", actor.key
        esc.status, esc.resolved_at, esc.open_ticket_id = EscalationStatus.RESOLVED, now, None
        s.add(
            AuditEntry(
                at=now,
                actor=actor.key,
                action="escalation.resolved",
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                detail={
                    "incident": incident.id,
                    "root_cause": form.root_cause.value,
                    "avoidable": False,
                    "language": esc.language,
                },
            )
        )
        # Spread at replies_per_minute: the wave stays under Zendesk's account limit.
        pace = timedelta(minutes=answered / services.settings.config.incidents.replies_per_minute)
        text = render(form.template, language=esc.language)
        items.append(replace(reply_item(services, incident, esc, text), delay=pace))
        items.append(alerts.changed(esc, ref=f"resolved:incident:{incident.id}"))
        await deadlines.sync(s, services.settings.config, esc, now=now)
        answered += 1
    incident.replies_total = answered
    s.add(
        AuditEntry(
            at=now,
            actor=actor.key,
            action="incident.resolved",
            detail={
                "incident": incident.id,
                "root_cause": form.root_cause.value,
                "template": form.template.value,
                "replies": answered,
            },
        )
    )
    if incident.jira_key:
        text = (
            f"Resolved by the VIP desk (root cause: {form.root_cause.value.replace('_', ' ')}); "
            f"{answered} customers answered.\n{form.summary}"
        )
        items.append(
            OutboxItem(
                key=f"jira:comment:{incident.jira_key}:incident:{incident.id}",
                service="jira",
                action="comment",
                payload={"issue_key": incident.jira_key, "text": text},
            )
        )
    items.append(core.message_item(incident, ref="resolved"))
    await outbox.enqueue(s, items, now=now)
    log.info("incident.resolved", extra={"incident": incident.id, "replies": answered})
    return incident


async def progress(s: AsyncSession, incident: Incident) -> int:
    """How many of the incident's replies Zendesk has taken."""
    done = await s.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key.startswith(f"{REPLY_KEY}:{incident.id}:"),
            OutboxMessage.status == outbox.DONE,
        )
    )
    return int(done or 0)
