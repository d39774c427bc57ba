"""Deliver a provider incident's outbox rows: its Jira issue (once) and its routing-channel
message (posted once, then edited in place from the database, so it shows the latest count)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import bot.delivery.zendesk as zendesk
from bot import i18n
from bot.config.jira import project_key
from bot.domain import Category
from bot.errors import IntegrationError, NotConfigured
from bot.incidents import core, overview
from bot.masking import mask
from bot.ports import IssueDraft, SlackPost
from bot.services import Services
from bot.slack_messages import incidents as render
from bot.store import outbox
from bot.store.models import Incident, OutboxMessage

log = logging.getLogger(__name__)

ACTIONS = frozenset({core.ISSUE, core.MESSAGE, core.REPLY})


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one incident row; raises IntegrationError (retryable or not)."""
    if row.action == core.ISSUE:
        return await _issue(services, row)
    if row.action == core.MESSAGE:
        return await _message(services, row)
    if row.action == core.REPLY:
        return await _reply(services, row)
    raise IntegrationError(row.service, f"unknown action {row.action}")


def label(services: Services, incident_id: int) -> str:
    """The label a retried create finds the first attempt's issue by."""
    return f"{services.settings.config.jira.label}-inc-{incident_id}"


async def _issue(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    cfg = services.settings.config
    incident_id = int(row.payload["incident_id"])
    async with services.db.read_session() as s:
        incident = await s.get(Incident, incident_id)
        if incident is None:
            return {"incident_gone": True}
        if incident.jira_key:
            return {"key": incident.jira_key, "already": True}
        summary = await overview.summary(s, incident)
        tickets = [e.ticket_id for e, _ in await core.linked(s, incident_id)]
        txs = await overview.provider_transactions(s, incident_id)
    target = cfg.jira.targets.get(Category(incident.category or "tx_failed"))
    project = project_key(cfg.jira_projects, target.project if target else "payments")
    what = incident.category.replace("_", " ") if incident.category else "payments"
    description = [
        mask(
            f"Provider incident {incident.ref}: {incident.provider} {what} failing since "
            f"{incident.began_at:%Y-%m-%d %H:%M} UTC (detected from {incident.source})."
        ),
        "Linked tickets: " + (", ".join(f"#{t}" for t in tickets) or "none yet"),
        "Provider references: "
        + mask(", ".join(str(t.get("provider_reference") or t.get("id")) for t in txs) or "-"),
        f"Amounts: {render.money(summary.amounts)}",
    ]
    draft = IssueDraft(
        project=project,
        issue_type=target.issue_type if target else "Task",
        summary=mask(f"{incident.ref}: {incident.provider} {what} failing")[:250],
        description=tuple(description),
        labels=(cfg.jira.label, label(services, incident_id)),
    )
    found = None
    if row.attempts > 1:
        found = await services.jira.find_issue(project=project, label=label(services, incident_id))
    issue = found or await services.jira.create_issue(draft)
    async with services.db.session() as s:
        stored = await s.get(Incident, incident_id)
        if stored is not None:
            stored.jira_key, stored.jira_url = issue.key, issue.url
            await outbox.enqueue(
                s, [core.message_item(stored, ref=f"jira:{issue.key}")], now=services.clock()
            )
    log.info("incident.jira_created", extra={"incident": incident_id, "issue": issue.key})
    return {"key": issue.key, "found": found is not None}


async def _message(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    if not services.settings.slack_bot_token:
        raise NotConfigured("slack")
    incident_id = int(row.payload["incident_id"])
    async with services.db.read_session() as s:
        incident = await s.get(Incident, incident_id)
        if incident is None:
            return {"incident_gone": True}
        summary = await overview.summary(s, incident)
    channel = incident.slack_channel or services.settings.slack_routing_channel
    if not channel:
        raise NotConfigured("slack")
    names = []
    for key in summary.analysts:
        analyst = services.roster.by_key(key)
        names.append(f"<@{analyst.slack_id}>" if analyst else key)
    text, blocks = render.message(
        summary,
        i18n.translator(None),
        analysts=names,
        tz=str(services.roster.timezone),
    )
    ts = incident.slack_ts
    if ts is None and row.attempts > 1:
        ts = await services.slack.find_message(channel, f"slack:incident:{incident_id}:opened")
    result = await services.slack.post(
        SlackPost(
            channel=channel,
            text=text,
            blocks=blocks,
            ts=ts,
            metadata_key=None if ts else f"slack:incident:{incident_id}:opened",
        )
    )
    if ts is None:
        async with services.db.session() as s:
            stored = await s.get(Incident, incident_id)
            if stored is not None:
                stored.slack_channel, stored.slack_ts = str(result["channel"]), str(result["ts"])
    return {"channel": result.get("channel"), "ts": result.get("ts") or ts}


async def _mark(services: Services, row_id: int, mark: dict[str, int]) -> None:
    async with services.db.session() as s:
        stored = await s.get(OutboxMessage, row_id)
        if stored is not None:
            stored.result = mark


async def _reply(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """One customer's reply of a bulk resolution: looked for before a retry, unless the
    previous attempt's write was refused with a 429 (it did not land), so a rate-limited wave
    spends no request of its budget looking for replies that cannot be there."""
    refused = (row.result or {}).get("refused") == row.attempts - 1
    if not refused:
        # Recorded before the write: a worker killed after it leaves "sent", so the next
        # attempt looks for the reply among the ticket's latest comments first.
        await _mark(services, row.id, {"sent": row.attempts})
        return await zendesk.deliver(services, row, action=core.REPLY)
    await _mark(services, row.id, {"sent": row.attempts})
    try:
        return await services.zendesk.update_ticket(zendesk.update_of(row))
    except IntegrationError as err:
        if err.status == 429:
            await _mark(services, row.id, {"refused": row.attempts})
        raise
