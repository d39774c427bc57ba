"""Delivering outbox rows through the integration each names, one executor per service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.delivery import incidents, jira, kyc, money, slack, transactions, zendesk
from bot.errors import IntegrationError
from bot.escalations import documents
from bot.services import Services
from bot.store.models import OutboxMessage


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Send one outbox row; raises IntegrationError (retryable or not) on failure."""
    if row.action in money.ACTIONS:
        return await money.deliver(services, row)
    if row.service == documents.SERVICE and row.action == documents.ACTION:
        return await kyc.deliver(services, row)
    if row.action in incidents.ACTIONS:
        return await incidents.deliver(services, row)
    if row.service == "zendesk":
        return await zendesk.deliver(services, row)
    if row.service == "slack":
        return await slack.deliver(services, row)
    if row.service == "transactions":
        return await transactions.deliver(services, row)
    if row.service == "jira":
        return await jira.deliver(services, row)
    raise IntegrationError(row.service, f"no delivery for {row.service}/{row.action}")
