"""Deliver "zendesk/kyc_check" outbox rows: repeat a document check that was pending at routing.

The outbox gives the retries (backoff, Zendesk's health and pacing). When the check completes,
its findings are stored on the escalation, the alerts are edited in place and the ticket gets
a note; when Zendesk refuses or the retry budget is spent, the findings say "unavailable".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.documents.findings import DocumentFindings, State
from bot.errors import IntegrationError, NotFound
from bot.escalations import alerts, documents, notes
from bot.services import Services
from bot.store import outbox, queue
from bot.store.models import Escalation, OutboxMessage

log = logging.getLogger(__name__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Repeat the check; raises a retryable IntegrationError while Zendesk does not answer."""
    if row.escalation_id is None:
        raise IntegrationError(documents.SERVICE, "a document check without its escalation")
    try:
        ticket = await services.zendesk.get_ticket(int(row.payload["ticket_id"]))
    except NotFound:
        await _store(services, row.escalation_id, DocumentFindings(State.UNAVAILABLE))
        return {"state": str(State.UNAVAILABLE)}
    found = await documents.attempt(services, ticket, seconds=documents.RETRY_TIMEOUT)
    if found.state is State.PENDING:
        policy = services.settings.config.delivery
        if queue.retry_budget(policy).spent(outbox.QUEUE, row, now=services.clock()):
            await _store(services, row.escalation_id, DocumentFindings(State.UNAVAILABLE))
        raise IntegrationError(
            documents.SERVICE, "the document check is still pending", retryable=True
        )
    await _store(services, row.escalation_id, found)
    return {"state": str(found.state), "lines": len(found.lines)}


async def _store(services: Services, esc_id: int, found: DocumentFindings) -> None:
    """Keep the findings, edit the alerts in place, and tell the ticket (each at most once)."""
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        if esc is None:
            return
        esc.documents = found.to_json()
        items = [
            alerts.changed(esc, ref="documents"),
            notes.ticket_update(
                key=f"zendesk:documents:{esc.id}",
                ticket_id=esc.ticket_id,
                escalation_id=esc.id,
                note="Baton: " + "\n".join(documents.note_lines(found)),
            ),
        ]
        await outbox.enqueue(s, items, now=services.clock())
    log.info("kyc.checked", extra={"escalation": esc_id, "state": str(found.state)})
