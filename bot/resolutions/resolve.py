"""Resolve an escalation: store how it ended, update the ticket, Jira and the alerts, once.

A second resolve of the same escalation amends the stored resolution (amended_at,
amendments + 1) and sends the ticket a fresh note; it never stores a second row. An
escalation closed in Zendesk without a resolution (bot/escalations/closing.py) has no row
yet: it "needs a root cause" (bot/resolutions/pending.py) until someone resolves it here.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Action, Actor, allowed, can_see
from bot.domain import EscalationStatus
from bot.errors import N_, UserFacingError, UserFacingNotFound
from bot.escalations import alerts, deadlines, notes
from bot.resolutions import coaching
from bot.resolutions.form import ResolutionForm
from bot.services import Services
from bot.slack_messages.alerts import is_compliance
from bot.store import outbox
from bot.store.models import AuditEntry, Escalation, JiraLink, ResolutionRow
from bot.store.outbox import OutboxItem

__all__ = ["JIRA_COMMENT", "ResolutionForm", "check_may_resolve", "existing", "find", "resolve"]

log = logging.getLogger(__name__)

JIRA_COMMENT = "comment"  # bot/delivery/jira.py action


async def find(
    session: AsyncSession,
    *,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
    lock: bool = True,
) -> Escalation:
    """The escalation to resolve, locked: the ticket's open one, else its latest resolved one."""
    stmt = select(Escalation).with_for_update() if lock else select(Escalation)
    if escalation_id is not None:
        esc = await session.scalar(stmt.where(Escalation.id == escalation_id))
    else:
        esc = await session.scalar(stmt.where(Escalation.open_ticket_id == ticket_id))
        if esc is None:
            esc = await session.scalar(
                stmt.where(
                    Escalation.ticket_id == ticket_id,
                    Escalation.status == EscalationStatus.RESOLVED,
                )
                .order_by(Escalation.id.desc())
                .limit(1)
            )
    if esc is None:
        if ticket_id is None:
            raise UserFacingNotFound(N_("This escalation no longer exists."))
        raise UserFacingNotFound(N_("No escalation for ticket #{ticket}."), ticket=ticket_id)
    if esc.status == EscalationStatus.INCOMPLETE:
        raise UserFacingError(
            N_("Ticket #{ticket} is waiting for the agent's details: nothing to resolve yet."),
            ticket=esc.ticket_id,
        )
    return esc


def check_may_resolve(actor: Actor, esc: Escalation) -> None:
    """The owner, a lead, or compliance on a compliance case; anyone else is refused."""
    mine = esc.analyst_key is not None and esc.analyst_key == actor.key
    if not allowed(actor, Action.RESOLVE) or not can_see(
        actor, category=esc.category, analyst_key=esc.analyst_key
    ):
        raise UserFacingError(N_("Sorry, only the analyst on this escalation or a lead can."))
    if not (mine or actor.is_lead or (is_compliance(esc) and actor.is_compliance)):
        raise UserFacingError(
            N_("Ticket #{ticket} is not yours: its analyst or a lead can resolve it."),
            ticket=esc.ticket_id,
        )


async def existing(session: AsyncSession, escalation_id: int) -> ResolutionRow | None:
    """The escalation's stored resolution, if any."""
    row: ResolutionRow | None = await session.scalar(
        select(ResolutionRow).where(ResolutionRow.escalation_id == escalation_id)
    )
    return row


def ticket_note(services: Services, esc: Escalation, form: ResolutionForm) -> str:
    """The internal note: the summary, and coaching when the escalation was avoidable."""
    lines = [
        "Resolved by the VIP desk.",
        f"Root cause: {form.root_cause.value.replace('_', ' ')}.",
        f"Outcome: {form.outcome.value.replace('_', ' ')}.",
        "",
        form.summary,
    ]
    if form.avoidable:
        overrides = services.settings.config.coaching
        lines += [
            "",
            coaching.note(root_cause=form.root_cause, lacked=form.lacked, overrides=overrides),
        ]
    return "\n".join(lines)


def _ticket_item(
    services: Services,
    esc: Escalation,
    form: ResolutionForm,
    *,
    ref: str,
    author: int | None,
    status: str | None,
) -> OutboxItem:
    tags = services.settings.config.tags
    fields: dict[str, object] = {"author_id": author} if author is not None else {}
    if status:
        fields["status"] = status
    return notes.ticket_update(
        key=f"zendesk:resolve:{esc.id}:{ref}",
        ticket_id=esc.ticket_id,
        escalation_id=esc.id,
        note=ticket_note(services, esc, form),
        add_tags=[tags.resolved],
        # Without these a later esc_senior on the ticket fires the escalation trigger again.
        remove_tags=[tags.routed, tags.unassigned, tags.escalate],
        **fields,
    )


def _jira_items(
    esc: Escalation, links: list[JiraLink], form: ResolutionForm, *, ref: str
) -> list[OutboxItem]:
    text = (
        f"Zendesk ticket #{esc.ticket_id} resolved by the VIP desk "
        f"(root cause: {form.root_cause.value.replace('_', ' ')}).\n{form.summary}"
    )
    return [
        OutboxItem(
            key=f"jira:comment:{link.issue_key}:{esc.id}:{ref}",
            service="jira",
            action=JIRA_COMMENT,
            payload={"issue_key": link.issue_key, "text": text},
            escalation_id=esc.id,
        )
        for link in links
    ]


async def closed_in_zendesk(session: AsyncSession, escalation_id: int) -> bool:
    """Whether the escalation ended by its ticket being solved or closed in Zendesk."""
    found = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.escalation_id == escalation_id,
            AuditEntry.actor == "zendesk",
            AuditEntry.action == "resolved",
        )
        .limit(1)
    )
    return found is not None


async def resolve(
    session: AsyncSession,
    *,
    services: Services,
    actor: Actor,
    form: ResolutionForm,
    now: datetime,
    escalation_id: int | None = None,
    ticket_id: int | None = None,
) -> ResolutionRow:
    """Store the resolution (or amend it) and enqueue the ticket, Jira and alert updates."""
    esc = await find(session, ticket_id=ticket_id, escalation_id=escalation_id)
    check_may_resolve(actor, esc)
    row = await existing(session, esc.id)
    amending = row is not None
    previous_status = row.zendesk_status if row is not None else None
    if row is None:
        row = ResolutionRow(
            escalation_id=esc.id,
            resolved_by=actor.key,
            # Closed in Zendesk earlier: it ended then, whoever gives the root cause now.
            resolved_at=esc.resolved_at or now,
            amendments=0,
        )
        session.add(row)
    else:
        row.amended_at, row.amendments = now, (row.amendments or 0) + 1
    row.root_cause, row.summary = form.root_cause.value, form.summary
    row.outcome, row.avoidable = form.outcome.value, form.avoidable
    row.lacked = [x.value for x in form.lacked]
    row.zendesk_status = form.zendesk_status
    was_open = esc.status != EscalationStatus.RESOLVED
    if was_open:
        esc.status, esc.resolved_at, esc.open_ticket_id = EscalationStatus.RESOLVED, now, None
    ref = str(row.amendments)
    session.add(
        AuditEntry(
            at=now,
            actor=actor.key,
            action="resolution.amended" if amending else "escalation.resolved",
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            detail={
                "root_cause": row.root_cause,
                "outcome": row.outcome,
                "avoidable": row.avoidable,
                "lacked": row.lacked,
                "zendesk_status": row.zendesk_status,
                "was_open": was_open,
            },
        )
    )
    await session.flush()
    links = list(await session.scalars(select(JiraLink).where(JiraLink.escalation_id == esc.id)))
    author = actor.analyst.zendesk_id if actor.analyst else None
    # A ticket closed in Zendesk takes no status change (Zendesk refuses it), and Zendesk closes
    # solved tickets on its own after a few days: an amendment sends the status only when the
    # analyst changed it, and never for an escalation that was closed in Zendesk.
    if was_open:
        status: str | None = form.zendesk_status
    elif amending and form.zendesk_status != previous_status:
        status = None if await closed_in_zendesk(session, esc.id) else form.zendesk_status
    else:
        status = None
    items = [_ticket_item(services, esc, form, ref=ref, author=author, status=status)]
    items += _jira_items(esc, links, form, ref=ref)
    items.append(alerts.changed(esc, ref=f"resolved:{ref}"))
    await outbox.enqueue(session, items, now=now)
    await deadlines.sync(session, services.settings.config, esc, now=now)
    log.info(
        "escalation.resolved",
        extra={"escalation": esc.id, "amendments": row.amendments, "avoidable": row.avoidable},
    )
    return row


async def for_form(
    services: Services,
    *,
    actor: Actor,
    escalation_id: int | None = None,
    ticket_id: int | None = None,
) -> tuple[Escalation, ResolutionRow | None]:
    """The escalation the actor may resolve, and its stored resolution (to prefill the form)."""
    async with services.db.read_session() as s:
        esc = await find(s, ticket_id=ticket_id, escalation_id=escalation_id, lock=False)
        check_may_resolve(actor, esc)
        return esc, await existing(s, esc.id)
