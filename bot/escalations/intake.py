"""From a stored webhook to a routed escalation: re-read, classify, check, route, record."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Tags
from bot.desk.roster import on_shift
from bot.desk.routing import route
from bot.documents.findings import DocumentFindings
from bot.domain import (
    Category,
    EscalationStatus,
    Role,
    RoutingDecision,
    Ticket,
    TicketFacts,
)
from bot.errors import NotFound
from bot.escalations import (
    alerts,
    closing,
    deadlines,
    documents,
    enrichment,
    issue_requests,
    notes,
    reclassify,
)
from bot.escalations.classify import Classification, classify, compliance_category, facts
from bot.escalations.workload import team_state
from bot.events import zendesk as zendesk_events
from bot.events.zendesk import ZendeskEvent
from bot.payments.findings import Findings
from bot.services import Services
from bot.store import inbox, outbox
from bot.store.models import AuditEntry, Escalation, InboxEvent, OutboxMessage, RoutingDecisionRow
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

INCOMPLETE_KEY = "zendesk:incomplete"  # outbox key prefix of the note sending a ticket back


@dataclass(frozen=True)
class Outcome:
    """What processing one event did, for logs, metrics and the demo."""

    # routed | unassigned | incomplete | reclassified | resolved | duplicate | ignored | not_found
    status: str
    escalation_id: int | None = None
    decision: RoutingDecision | None = None
    classification: Classification | None = None
    detail: str = ""


async def process_event(services: Services, event: InboxEvent, *, worker: str) -> Outcome:
    """Handle one claimed inbox event; its effects and its completion commit together."""
    if event.ticket_id is None:
        return await _finish(services, event, worker, Outcome("ignored", detail="no ticket id"))
    if event.kind in closing.KINDS:
        status, esc_id, detail = await closing.process_event(services, event, worker=worker)
        return Outcome(status, esc_id, detail=detail)
    hint = inbox.zendesk_event(event)  # the webhook body is a hint; the API is the truth
    if held := await _held(services, event.ticket_id, hint):
        detail = f"ticket {event.ticket_id} is already escalated ({held})"
        return await _finish(services, event, worker, Outcome("duplicate", detail=detail))
    try:
        ticket = await services.zendesk.get_ticket(event.ticket_id)
    except NotFound:
        detail = f"ticket {event.ticket_id} not found"
        return await _finish(services, event, worker, Outcome("not_found", detail=detail))
    tags = services.settings.config.tags
    if tags.escalate not in ticket.tags or ticket.status in closing.CLOSED_STATUSES:
        # The tag may be gone since, or the ticket solved: a late event must not route it.
        detail = f"ticket {ticket.id} is not (or no longer) escalated ({ticket.status})"
        return await _finish(services, event, worker, Outcome("ignored", detail=detail))
    if hint.attachments:
        ticket = replace(ticket, has_attachments=True)
    c = classify(ticket, tags)
    if c.comments_may_help:
        # Facts added after the description (read-only in Zendesk) are in comments; reading
        # them costs a call, so only when subject and description fall short. The ticket with
        # its comments is the one classified from here on.
        ticket = await services.zendesk.with_comments(ticket)
        c = classify(ticket, tags)
    # The transactions lookup runs before the transaction opens, within its own short timeout.
    found = await enrichment.for_ticket(services, ticket, c)
    # So does the document check of a KYC or fraud case (the same timeout; pending past it).
    checked = await documents.for_ticket(services, ticket, c)
    try:
        async with services.db.session() as s:
            outcome = await receive(
                services,
                s,
                ticket=ticket,
                classification=c,
                agent_id=hint.agent_id,
                findings=found,
                documents_found=checked,
            )
            await inbox.finish_or_yield(s, event.id, worker)
    except inbox.LostLease:
        return Outcome("duplicate", detail="lease lost to another worker")
    except IntegrityError:
        # Only the one-open-escalation-per-ticket rule means "escalated at the same moment by
        # another worker"; any other integrity error is a fault the worker must report.
        if not await _is_escalated(services, ticket.id):
            raise
        detail = f"ticket {ticket.id} already escalated"
        return await _finish(services, event, worker, Outcome("duplicate", detail=detail))
    services.metrics.inc(
        "baton_escalations_total", {"outcome": outcome.status}, help="Escalations processed"
    )
    log.info(
        "escalation.processed",
        extra={"ticket": ticket.id, "outcome": outcome.status, "escalation": outcome.escalation_id},
    )
    return outcome


async def _finish(services: Services, event: InboxEvent, worker: str, outcome: Outcome) -> Outcome:
    await inbox.finish_alone(services.db, event.id, worker)
    return outcome


async def _held(services: Services, ticket_id: int, hint: ZendeskEvent) -> str | None:
    """Why another event about the ticket needs no API call, if it needs none.

    Checked before the read: Baton already holds the ticket (routed, claimed or waiting), or
    sent it back as incomplete and the note has not reached the agent yet, so nobody can have
    answered it. Only an escalation whose bounce landed, or a held one whose event carries a
    compliance tag it does not have yet (bot/escalations/reclassify), needs a fresh look.
    """
    tags = services.settings.config.tags
    async with services.db.read_session() as s:
        esc = (
            await s.execute(
                select(Escalation.id, Escalation.status, Escalation.category).where(
                    Escalation.open_ticket_id == ticket_id
                )
            )
        ).first()
        if esc is None:
            return None
        if esc.status != EscalationStatus.INCOMPLETE:
            if reclassify.may_reclassify(hint.tags, category=esc.category, tags=tags):
                return None
            return str(esc.status)
        bounce = await s.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.escalation_id == esc.id,
                OutboxMessage.idempotency_key.startswith(f"{INCOMPLETE_KEY}:{ticket_id}:"),
                OutboxMessage.status.in_((outbox.PENDING, outbox.SENDING)),
            )
        )
    return "incomplete, note not delivered yet" if bounce is not None else None


async def _is_escalated(services: Services, ticket_id: int) -> bool:
    """Whether the ticket has an open escalation, seen from a fresh session."""
    async with services.db.read_session() as s:
        found = await s.scalar(select(Escalation.id).where(Escalation.open_ticket_id == ticket_id))
    return found is not None


# Event-subscription kinds that can start an escalation (the escalation tag was added).
ESCALATION_KINDS = frozenset({"ticket.created", "ticket.tags_changed"})


def event_priority(event: ZendeskEvent, *, tags: Tags) -> int:
    """1 when the body's tags already say VIP (read and routed first in a burst), else 0; a
    VIP known only from the organization is first from its read on."""
    return 1 if event.tags and {tags.vip, *tags.extra_vip} & event.tags else 0


def event_matters(event: ZendeskEvent, *, tags: Tags) -> bool:
    """Whether a Zendesk event is worth storing, judged by what its body says.

    Our triggers' bodies always are (their conditions are the trigger's). Without a tag list in
    an event subscription's body we cannot tell: the event is kept and the worker decides.
    """
    if event.ticket_id is None:
        return False
    if event.kind in zendesk_events.TRIGGER_KINDS:
        return True
    ticket_tags, new_status = event.tags, event.new_status
    names = ticket_tags or frozenset()
    if event.kind == closing.STATUS_CHANGED:
        if new_status is None or new_status.lower() not in closing.CLOSED_STATUSES:
            return False
        # Every ticket with an open escalation carries one of these.
        baton = {tags.escalate, tags.routed, tags.unassigned, tags.incomplete}
        return ticket_tags is None or bool(names & baton)
    if event.kind not in ESCALATION_KINDS:
        return False
    # The trigger's own conditions: tagged for escalation, not yet routed or waiting; or held
    # and carrying a compliance tag, which may re-classify it (bot/escalations/reclassify).
    held = names & {tags.routed, tags.unassigned}
    late_compliance = compliance_category(names, tags) is not None
    return ticket_tags is None or (tags.escalate in names and (not held or late_compliance))


async def receive(
    services: Services,
    s: AsyncSession,
    *,
    ticket: Ticket,
    classification: Classification,
    agent_id: int | None = None,
    findings: Findings | None = None,
    documents_found: DocumentFindings | None = None,
) -> Outcome:
    """Open (or re-check) the escalation of a ticket tagged for escalation, in session s.

    classification is the ticket's, made once per event by the caller.
    """
    tags = services.settings.config.tags
    now = services.clock()
    esc = await s.scalar(
        select(Escalation).where(Escalation.open_ticket_id == ticket.id).with_for_update()
    )
    if esc is not None and esc.status != EscalationStatus.INCOMPLETE:
        old = esc.category
        if new := await reclassify.apply(services, s, esc=esc, ticket=ticket):
            detail = f"ticket {ticket.id} re-classified {old or '-'} → {new}"
            return Outcome("reclassified", esc.id, detail=detail)
        return Outcome("duplicate", esc.id, detail=f"ticket {ticket.id} is already escalated")
    c = classification
    if esc is None:
        esc = Escalation(
            ticket_id=ticket.id,
            open_ticket_id=ticket.id,
            status=EscalationStatus.RECEIVED,
            subject=ticket.subject,
            requester_id=ticket.requester.id,
            # The submitter is often the customer (e-mail tickets): prefer the escalating agent.
            agent_id=agent_id or ticket.submitter_id,
            ticket_created_at=ticket.created_at,
            received_at=now,
        )
        s.add(esc)
    esc.category = c.category.value if c.category else None
    esc.vip = c.vip
    esc.language = c.language
    await s.flush()
    if not c.complete:
        return await _incomplete(services, s, esc=esc, ticket=ticket, c=c, tags=tags)
    outcome = await route_escalation(
        services,
        s,
        esc=esc,
        facts=facts(ticket, c),
        c=c,
        findings=findings,
        documents_found=documents_found,
    )
    # AML and fraud cases ask for their compliance issue now; the customer's details go with it.
    await issue_requests.request_compliance_issue(services, s, esc=esc, requester=ticket.requester)
    return outcome


async def _incomplete(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    ticket: Ticket,
    c: Classification,
    tags: Tags,
) -> Outcome:
    esc.status = EscalationStatus.INCOMPLETE
    esc.missing = list(c.missing)
    s.add(
        AuditEntry(
            at=services.clock(),
            actor="baton",
            action="incomplete",
            escalation_id=esc.id,
            ticket_id=ticket.id,
            detail={"missing": list(c.missing)},
        )
    )
    # Keyed on the ticket's state: two events about the same state send one note, while an
    # agent who re-escalates without adding anything gets a fresh reminder.
    stamp = ticket.updated_at.isoformat() if ticket.updated_at else str(esc.id)
    key = f"{INCOMPLETE_KEY}:{ticket.id}:{stamp}"
    item = notes.ticket_update(
        key=key,
        ticket_id=ticket.id,
        escalation_id=esc.id,
        note=notes.incomplete_note(c.missing, tags=tags),
        # Removing the escalation tag lets the agent re-escalate by adding it back.
        add_tags=[tags.incomplete],
        remove_tags=[tags.escalate],
    )
    await outbox.enqueue(s, [item], now=services.clock())
    return Outcome("incomplete", esc.id, classification=c, detail="; ".join(c.missing))


async def route_escalation(
    services: Services,
    s: AsyncSession,
    *,
    esc: Escalation,
    facts: TicketFacts,
    c: Classification | None = None,
    findings: Findings | None = None,
    documents_found: DocumentFindings | None = None,
) -> Outcome:
    """Choose an analyst (or none) and record the decision with everything it sends."""
    now = services.clock()
    availability, loads, recent = await team_state(s, now=now)
    decision = route(
        facts=facts,
        roster=services.roster,
        now=now,
        availability=availability,
        loads=loads,
        recent=recent,
    )
    tags = services.settings.config.tags
    was_waiting = esc.status == EscalationStatus.UNASSIGNED
    esc.missing = None
    # The desk's clock starts now (once): a bounced ticket's wait for the agent is not counted.
    deadlines.on_complete(services.settings.config, esc, now=now)
    row = RoutingDecisionRow(
        escalation_id=esc.id,
        analyst_key=decision.analyst.key if decision.analyst else None,
        reasons=list(decision.reasons),
        language_needed=decision.language_needed,
        candidates=list(decision.candidates),
        next_shift_at=decision.next_shift_at,
        decided_at=now,
    )
    s.add(row)
    await s.flush()
    if decision.analyst is not None:
        esc.status = EscalationStatus.ROUTED
        esc.analyst_key = decision.analyst.key
        esc.routed_at = now
        deadlines.on_owner(services.settings.config, esc, now=now)
        add, remove = [tags.routed], [tags.incomplete, tags.unassigned]
        assignee = decision.analyst.zendesk_id
    else:
        esc.status = EscalationStatus.UNASSIGNED
        add, remove, assignee = [tags.unassigned], [tags.incomplete], None
    s.add(
        AuditEntry(
            at=now,
            actor="baton",
            action=esc.status,
            escalation_id=esc.id,
            ticket_id=esc.ticket_id,
            detail={"decision": row.id, "analyst": esc.analyst_key},
        )
    )
    if findings is not None:  # a re-route keeps the stored findings
        esc.enrichment = findings.to_json()
    if documents_found is not None:
        esc.documents = documents_found.to_json()
    key = f"zendesk:route:{esc.id}:{row.id}"
    note = notes.routing_note(
        esc=esc, decision=decision, roster=services.roster, tags=tags, classification=c, now=now
    )
    items: list[OutboxItem] = [
        notes.ticket_update(
            key=key,
            ticket_id=esc.ticket_id,
            escalation_id=esc.id,
            note=note,
            assignee_id=assignee,
            add_tags=add,
            remove_tags=remove,
            priority="high" if facts.vip else None,
        ),
        *alerts.on_routed(services, esc, decision),
        *enrichment.retry_item(esc, findings),
        *documents.retry_item(esc, documents_found),
    ]
    if was_waiting and decision.analyst is not None:
        # The leads were told it was waiting: their message now says who has it.
        items.append(alerts.changed(esc, ref=f"routed:{row.id}"))
    if facts.vip:  # a burst's VIP alerts and ticket updates go out first
        items = [replace(i, priority=1) for i in items]
    await outbox.enqueue(s, items, now=now)
    await deadlines.sync(s, services.settings.config, esc, now=now)
    return Outcome(
        "routed" if decision.analyst else "unassigned",
        esc.id,
        decision=decision,
        classification=c,
    )


async def route_waiting(services: Services) -> list[Outcome]:
    """Route unassigned escalations once someone is on shift again."""
    outcomes: list[Outcome] = []
    async with services.db.session() as s:
        waiting: Sequence[Escalation] = (
            await s.scalars(
                select(Escalation)
                .where(Escalation.status == EscalationStatus.UNASSIGNED)
                .order_by(Escalation.sla_due_at, Escalation.id)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not waiting:
            return []
        availability, _, _ = await team_state(s, now=services.clock())
        on_now = on_shift(services.roster, services.clock(), availability)
        if not any(o.analyst.has_role(Role.ANALYST) for o in on_now):
            return []
        for esc in waiting:
            if esc.category is None:
                continue  # only complete escalations are ever unassigned
            f = TicketFacts(
                ticket_id=esc.ticket_id,
                category=Category(esc.category),
                vip=esc.vip,
                language=esc.language,
                requester_id=esc.requester_id,
                created_at=esc.ticket_created_at or esc.received_at,
            )
            outcome = await route_escalation(services, s, esc=esc, facts=f)
            if outcome.status != "routed":
                break  # still nobody on shift: the rest wait too
            outcomes.append(outcome)
    return outcomes
