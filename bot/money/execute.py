"""Execute an approved money movement through the back office, exactly once (SPEC §14).

Called by the outbox (bot/delivery/money.py). The request is marked "executing" before the
call and its outcome stored after it; the call carries `baton-adjustment-<id>` as its
Idempotency-Key, so a worker killed mid-call or an answer lost after the back office applied it
is retried with the same key and the back office answers the first result: money moves once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.errors import IntegrationError
from bot.money import notify
from bot.money.ask import audit
from bot.money.decide import done_items
from bot.money.kinds import State
from bot.ports import Adjustment, AdjustmentResult
from bot.services import Services
from bot.store import outbox
from bot.store.models import MoneyRequest

log = logging.getLogger(__name__)
SERVICE = "transactions"


def adjustment(row: MoneyRequest) -> Adjustment:
    return Adjustment(
        idempotency_key=notify.idempotency_key(row.id),
        type=row.kind,
        customer_id=row.customer_id,
        amount=row.amount,
        currency=row.currency,
        transaction_id=row.transaction_id,
        reason=row.reason,
        note=row.note or "",
        ticket_id=row.ticket_id,
        requested_by=row.requested_by,
        approved_by=tuple(a.by for a in notify.approvals_of(row)),
    )


async def execute(services: Services, request_id: int) -> Mapping[str, Any]:
    """Send the approved request to the back office; raises IntegrationError to be retried."""
    if services.adjustments is None:
        raise IntegrationError(SERVICE, "the transactions source cannot move money")
    now = services.clock()
    async with services.db.session() as s:
        row = await s.get(MoneyRequest, request_id, with_for_update=True)
        if row is None or row.state not in (State.APPROVED, State.EXECUTING):
            # Never approved (or already finished): nothing moves.
            return {"skipped": row.state if row is not None else "missing"}
        if row.state == State.APPROVED:
            row.state = State.EXECUTING
            s.add(audit(row, actor="baton", action="money.executing", now=now))
        sent = adjustment(row)
    result: AdjustmentResult = await services.adjustments.adjust(sent)
    now = services.clock()
    async with services.db.session() as s:
        row = await s.get(MoneyRequest, request_id, with_for_update=True)
        assert row is not None
        if row.state != State.EXECUTING:
            return {"skipped": row.state}
        row.backoffice_id, row.backoffice_status = result.id, result.status
        row.backoffice_message = (result.message or "")[:1000] or None
        row.executed_at = now
        row.state = State.FAILED if result.status == "rejected" else State.COMPLETED
        action = "money.refused" if row.state == State.FAILED else "money.executed"
        s.add(
            audit(
                row,
                actor="backoffice",
                action=action,
                now=now,
                reference=result.id,
                status=result.status,
            )
        )
        await outbox.enqueue(s, done_items(services, row), now=now)
    log.info("money.executed", extra={"request": request_id, "status": result.status})
    return {"id": result.id, "status": result.status}
