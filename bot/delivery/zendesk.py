"""Deliver Zendesk outbox rows: one ticket update each, never a note or a reply twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.errors import IntegrationError
from bot.ports import TicketUpdate
from bot.services import Services
from bot.store.models import OutboxMessage

_UPDATE_FIELDS = frozenset(TicketUpdate.__dataclass_fields__)


def update_of(row: OutboxMessage) -> TicketUpdate:
    """The ticket update a row's payload holds."""
    payload = {k: v for k, v in row.payload.items() if k in _UPDATE_FIELDS}
    for key in ("add_tags", "remove_tags"):
        payload[key] = tuple(payload.get(key) or ())
    return TicketUpdate(**payload)


async def deliver(
    services: Services, row: OutboxMessage, *, action: str = "update_ticket"
) -> Mapping[str, Any] | None:
    """Apply one update_ticket row; raises IntegrationError (retryable or not)."""
    if row.action != action:
        raise IntegrationError("zendesk", f"unknown action {row.action}")
    update = update_of(row)
    # A retry may follow an attempt that landed but whose answer was lost: look before
    # writing again, so the note is posted at most once.
    if (
        row.attempts > 1
        and update.marker
        and await services.zendesk.has_marker(update.ticket_id, update.marker)
    ):
        return {"already_applied": True}
    # A public reply carries no marker (the customer reads it): the same text by the same
    # author among the latest comments is the earlier attempt that landed.
    if row.attempts > 1 and update.public_reply and await _reply_landed(services, update):
        return {"already_applied": True}
    return await services.zendesk.update_ticket(update)


def _same_text(a: str, b: str) -> bool:
    # Zendesk may trim and re-wrap whitespace; the words are what the customer reads.
    return " ".join(a.split()) == " ".join(b.split())


async def _reply_landed(services: Services, update: TicketUpdate) -> bool:
    """Whether the ticket's latest comments already hold this public reply."""
    comments = await services.zendesk.latest_comments(update.ticket_id)
    return any(
        c.public
        and _same_text(c.body, update.public_reply or "")
        and (update.author_id is None or c.author_id == update.author_id)
        for c in comments
    )
