"""Deliver money requests' outbox rows: the approval message (posted once, then edited in
place), the requester's DMs, and the back office call (bot/money/execute.py).

Messages are rendered here from the stored request, so a late edit shows the latest state.
A compliance case's request goes to the compliance channel, never the approvals channel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot import i18n
from bot.domain import Category
from bot.errors import IntegrationError, NotConfigured
from bot.money import notify
from bot.money.execute import execute
from bot.money.kinds import State
from bot.ports import SlackPost
from bot.services import Services
from bot.slack_messages import money as render
from bot.store.models import Escalation, MoneyRequest, OutboxMessage

log = logging.getLogger(__name__)
ACTIONS = (notify.POST, notify.UPDATE, "money_dm", notify.EXECUTE)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one money row; raises IntegrationError (retryable or not)."""
    request_id = int(row.payload["request_id"])
    if row.action == notify.EXECUTE:
        return await execute(services, request_id)
    if not services.settings.slack_bot_token:
        raise NotConfigured("slack")
    async with services.db.session() as s:
        request = await s.get(MoneyRequest, request_id)
        esc = (
            await s.get(Escalation, request.escalation_id)
            if request and request.escalation_id
            else None
        )
    if request is None:
        raise IntegrationError("slack", f"money request {request_id} not found")
    card = notify.card(services, request)
    if row.action == "money_dm":
        analyst = services.roster.by_key(request.requested_by)
        locale = analyst.locale if analyst is not None else None
        channel = await services.slack.open_dm(str(row.payload["user"]))
        text = render.requester_dm(card, i18n.translator(locale), locale=locale)
        result = await services.slack.post(SlackPost(channel=channel, text=text, blocks=[]))
        return {"channel": result["channel"], "ts": result["ts"]}
    sealed = None
    if request.state == State.REQUESTED:
        sealed = notify.seal(services, request.id, now=services.clock())
    text, blocks = render.approval(card, i18n.translator(None), locale=None, sealed=sealed)
    if row.action == notify.POST:
        return await _post(services, row, request, esc, text, blocks)
    if row.action == notify.UPDATE:
        if not request.slack_ts or not request.slack_channel:
            # Posted first in the outbox's order, or its post gave up: try again later.
            raise IntegrationError(
                "slack", "the approval message is not posted yet", retryable=True
            )
        await services.slack.post(
            SlackPost(channel=request.slack_channel, text=text, blocks=blocks, ts=request.slack_ts)
        )
        return {"updated": request.slack_ts}
    raise IntegrationError("slack", f"unknown action {row.action}")


def channel_for(services: Services, esc: Escalation | None) -> str | None:
    """Where a request waits: compliance cases in the compliance channel only."""
    if esc is not None and esc.category and Category(esc.category).is_compliance:
        return services.settings.slack_compliance_channel
    return services.settings.approvals_channel


async def _post(
    services: Services,
    row: OutboxMessage,
    request: MoneyRequest,
    esc: Escalation | None,
    text: str,
    blocks: list[dict[str, Any]],
) -> Mapping[str, Any]:
    channel = channel_for(services, esc)
    if not channel:
        raise NotConfigured("slack")
    ts = (
        await services.slack.find_message(channel, row.idempotency_key)
        if row.attempts > 1
        else None
    )
    if ts is None:
        post = SlackPost(
            channel=channel, text=text, blocks=blocks, metadata_key=row.idempotency_key
        )
        result = await services.slack.post(post)
        channel, ts = str(result["channel"]), str(result["ts"])
    async with services.db.session() as s:
        stored = await s.get(MoneyRequest, request.id)
        if stored is not None:
            stored.slack_channel, stored.slack_ts = channel, ts
    return {"channel": channel, "ts": ts}
