"""Deliver "transactions/enrich" outbox rows: repeat a lookup that was pending at routing.

The outbox gives the retries (backoff, the transactions source's health, the leads told when it
is down). When the lookup completes, the findings are stored on the escalation, its alerts are
edited in place and the ticket gets a note; when the source refuses it or the retry budget is
spent, the findings say "unavailable" instead of "pending" forever.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.domain import Category
from bot.errors import IntegrationError
from bot.escalations import alerts, enrichment, notes
from bot.payments import notes as tx_notes
from bot.payments.asked import Asked
from bot.payments.findings import Findings, FindingState
from bot.services import Services
from bot.store import outbox, queue
from bot.store.models import Escalation, OutboxMessage

log = logging.getLogger(__name__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Repeat the lookup; raises a retryable IntegrationError while the source is down."""
    if row.action != enrichment.ACTION or row.escalation_id is None:
        raise IntegrationError(enrichment.SERVICE, f"unknown action {row.action}")
    category = Category(str(row.payload["category"]))
    asked = Asked.from_map(row.payload.get("asked") or {})
    tz = services.roster.timezone
    findings = await enrichment.attempt(services, asked, category, tz=tz)
    if findings.state is FindingState.PENDING:
        policy = services.settings.config.delivery
        if queue.retry_budget(policy).spent(outbox.QUEUE, row, now=services.clock()):
            # Given up: the alert stops saying "pending"; the outbox tells the leads.
            gave_up = Findings(FindingState.UNAVAILABLE, asked=findings.asked)
            await _store(services, row.escalation_id, gave_up)
        # The outbox backs off and counts this against the source's health.
        raise IntegrationError(enrichment.SERVICE, "the lookup is still pending", retryable=True)
    await _store(services, row.escalation_id, findings)
    return {"state": findings.state.value, "count": len(findings.transactions)}


async def _store(services: Services, esc_id: int, findings: Findings) -> None:
    """Keep the findings, edit the alerts in place, and tell the ticket (each at most once)."""
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        if esc is None:
            return  # deleted since: nothing to tell
        esc.enrichment = findings.to_json()
        note = tx_notes.enriched_note(findings, tz=services.roster.timezone)
        items = [
            alerts.changed(esc, ref="enriched"),
            notes.ticket_update(
                key=f"zendesk:enriched:{esc.id}",
                ticket_id=esc.ticket_id,
                escalation_id=esc.id,
                note=note,
            ),
        ]
        await outbox.enqueue(s, items, now=services.clock())
    log.info("transactions.enriched", extra={"escalation": esc_id, "state": str(findings.state)})
