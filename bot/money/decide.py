"""Approve, reject, expire a money request: each under a row lock, each step once.

The request row is read FOR UPDATE (on SQLite the write session is serialized), so a double
click, or two approvers at the same moment, count once. The last approval needed either hands
the request to the outbox (the HTTP back office) or, with a read-only source, asks the approver
to execute it in the back office and record its reference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Actor, can_see
from bot.errors import N_, UserFacingError
from bot.escalations import alerts, notes
from bot.money import notify
from bot.money.ask import audit
from bot.money.kinds import State
from bot.money.rules import check_approver, missing
from bot.services import Services
from bot.store import outbox
from bot.store.models import Escalation, MoneyRequest
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decided:
    request: MoneyRequest
    still_needed: tuple[str, ...]  # Need values; () once approved


async def _locked(s: AsyncSession, request_id: int) -> MoneyRequest:
    row = await s.scalar(
        select(MoneyRequest).where(MoneyRequest.id == request_id).with_for_update()
    )
    if row is None:
        raise UserFacingError(N_("Money request {id} does not exist."), id=request_id)
    return row


def _still_open(row: MoneyRequest) -> None:
    if row.state != State.REQUESTED:
        raise UserFacingError(
            N_("Money request {id} is {state} already."), id=row.id, state=row.state
        )


async def _visible(s: AsyncSession, actor: Actor, row: MoneyRequest) -> None:
    esc = await s.get(Escalation, row.escalation_id) if row.escalation_id else None
    if esc is not None and not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
        raise UserFacingError(N_("Sorry, this case is for compliance only."))


def _told(services: Services, row: MoneyRequest, step: str) -> list[OutboxItem]:
    """The approval message edited, the requester's DM, the escalation's alerts edited."""
    items = [notify.update_item(row, step)]
    dm = notify.dm_item(services, row, step)
    if dm is not None:
        items.append(dm)
    if row.escalation_id is not None:
        esc_ref = Escalation(id=row.escalation_id, ticket_id=row.ticket_id)
        items.append(alerts.changed(esc_ref, ref=f"money-{row.id}-{step}"))
    return items


async def approve(services: Services, *, actor: Actor, request_id: int) -> Decided:
    """Count the actor's approval; the last one needed sends the request on to execution."""
    now = services.clock()
    async with services.db.session() as s:
        row = await _locked(s, request_id)
        _still_open(row)
        await _visible(s, actor, row)
        approvals = notify.approvals_of(row)
        mine = check_approver(
            actor, requested_by=row.requested_by, needs=notify.needs_of(row), approvals=approvals
        )
        stamped = type(mine)(mine.by, mine.lead, mine.compliance, now.isoformat())
        row.approvals = [*row.approvals, stamped.to_json()]
        left = missing(notify.needs_of(row), [*approvals, stamped])
        s.add(audit(row, actor=actor.key, action="money.approved", now=now, left=list(left)))
        items: list[OutboxItem] = [notify.update_item(row, f"approval-{len(row.approvals)}")]
        if not left:
            row.state = State.APPROVED
            row.decided_at = now
            items += _told(services, row, "approved")
            if services.adjustments is not None:
                items.append(notify.execute_item(row))
            else:
                s.add(audit(row, actor="baton", action="money.manual_execution", now=now))
        await outbox.enqueue(s, items, now=now)
    log.info("money.approved", extra={"request": request_id, "left": len(left)})
    return Decided(row, tuple(str(n) for n in left))


async def reject(services: Services, *, actor: Actor, request_id: int, why: str) -> MoneyRequest:
    """Reject with a reason (the requester reads it); never by the requester themselves."""
    why = why.strip()
    if not why:
        raise UserFacingError(N_("Say why it is rejected: the requester reads it."))
    now = services.clock()
    async with services.db.session() as s:
        row = await _locked(s, request_id)
        _still_open(row)
        await _visible(s, actor, row)
        if not actor.is_staff:
            raise UserFacingError(N_("Sorry, only analysts on the roster can decide this."))
        if actor.key == row.requested_by:
            raise UserFacingError(
                N_("You asked for this movement: someone else must decide on it.")
            )
        row.state, row.rejected_by, row.reject_reason = State.REJECTED, actor.key, why[:500]
        row.decided_at = now
        s.add(audit(row, actor=actor.key, action="money.rejected", now=now, why=row.reject_reason))
        await outbox.enqueue(s, _told(services, row, "rejected"), now=now)
    log.info("money.rejected", extra={"request": request_id})
    return row


async def record_reference(
    services: Services, *, actor: Actor, request_id: int, reference: str
) -> MoneyRequest:
    """Read-only source: an approver records the back office's reference of the movement."""
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise UserFacingError(N_("Give the back office's reference (up to 100 characters)."))
    now = services.clock()
    async with services.db.session() as s:
        row = await _locked(s, request_id)
        if row.state != State.APPROVED or services.adjustments is not None:
            raise UserFacingError(
                N_("Money request {id} is not waiting for a manual reference."), id=row.id
            )
        approvers = {a.by for a in notify.approvals_of(row)}
        if actor.key not in approvers:
            raise UserFacingError(N_("Only an approver of this request can record its reference."))
        row.manual_reference, row.state, row.executed_at = reference, State.COMPLETED, now
        s.add(audit(row, actor=actor.key, action="money.executed", now=now, reference=reference))
        await outbox.enqueue(s, done_items(services, row), now=now)
    return row


def done_items(services: Services, row: MoneyRequest) -> list[OutboxItem]:
    """After execution: the ticket note, the alert edited, the approval message, the DM."""
    items = _told(services, row, row.state)
    if row.escalation_id is not None:
        note = (
            f"Baton: {row.kind} of {row.amount} {row.currency} ({row.reason}) "
            f"{'executed' if row.state == State.COMPLETED else 'refused by the back office'}"
            f", reference {row.manual_reference or row.backoffice_id or '-'}"
            f" (money request {row.id})."
        )
        if row.backoffice_message:
            note += f" The back office says: {row.backoffice_message}"
        items.append(
            notes.ticket_update(
                key=f"zendesk:money:{row.id}:{row.state}",
                ticket_id=row.ticket_id,
                escalation_id=row.escalation_id,
                note=note,
            )
        )
    return items


async def expire_due(services: Services) -> list[int]:
    """Expire requests not decided within expire_hours; each once, whichever worker runs it."""
    now = services.clock()
    async with services.db.session() as s:
        rows = list(
            await s.scalars(
                select(MoneyRequest)
                .where(MoneyRequest.state == State.REQUESTED, MoneyRequest.expires_at <= now)
                .order_by(MoneyRequest.id)
                .limit(100)
                .with_for_update(skip_locked=True)
            )
        )
        items: list[OutboxItem] = []
        for row in rows:
            row.state, row.decided_at = State.EXPIRED, now
            s.add(audit(row, actor="baton", action="money.expired", now=now))
            items += _told(services, row, "expired")
        await outbox.enqueue(s, items, now=now)
    if rows:
        log.info("money.expired", extra={"count": len(rows)})
    return [r.id for r in rows]
