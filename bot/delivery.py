"""Deliver one outbox row through the integration it names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import alerts
from bot.errors import IntegrationError
from bot.models import OutboxMessage
from bot.ports import TicketUpdate
from bot.services import Services

_UPDATE_FIELDS = frozenset(TicketUpdate.__dataclass_fields__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Send one outbox row; raises IntegrationError (retryable or not) on failure."""
    if row.service == "zendesk":
        return await _zendesk(services, row)
    if row.service == "slack":
        return await alerts.deliver(services, row)
    raise IntegrationError(row.service, f"no delivery for {row.service}/{row.action}")


async def _zendesk(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    if row.action != "update_ticket":
        raise IntegrationError("zendesk", f"unknown action {row.action}")
    payload = {k: v for k, v in row.payload.items() if k in _UPDATE_FIELDS}
    for key in ("add_tags", "remove_tags"):
        payload[key] = tuple(payload.get(key) or ())
    update = TicketUpdate(**payload)
    # A retry may follow an attempt that landed but whose answer was lost: look before
    # writing again, so the note is posted at most once.
    if (
        row.attempts > 1
        and update.marker
        and await services.zendesk.has_marker(update.ticket_id, update.marker)
    ):
        return {"already_applied": True}
    return await services.zendesk.update_ticket(update)
