"""Deliver Slack outbox rows: post an alert once (checking before a retry), edit it in place.

A post sends the message its row holds, built (and masked, once) by bot/slack_messages when it
was enqueued. An edit renders every alert of the escalation again from the database, so the
message shows the escalation's latest state however late the edit is delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from bot.domain import Analyst, Role
from bot.errors import IntegrationError, NotConfigured
from bot.escalations import deadlines
from bot.escalations.alerts import POST, POST_LEADS, SERVICE, UPDATE, ticket_url
from bot.money import notify as money
from bot.ports import SlackPort, SlackPost
from bot.reports import weekly
from bot.reports.agents import with_names
from bot.reports.publish import post_report
from bot.reports.run import load_report
from bot.services import Services
from bot.slack_messages.alerts import AlertKind, is_compliance, render
from bot.store.models import AlertMessage, Escalation, OutboxMessage

log = logging.getLogger(__name__)


async def deliver(services: Services, row: OutboxMessage) -> Mapping[str, Any] | None:
    """Deliver one Slack outbox row; raises IntegrationError (retryable or not)."""
    if not services.settings.slack_bot_token:
        raise NotConfigured(SERVICE)  # recorded as not sent, even when there is nothing to edit
    if row.action in (POST, POST_LEADS):
        return await _deliver_post(services, row)
    if row.action == UPDATE:
        return await _deliver_update(services, row)
    if row.action == weekly.ACTION:
        return await _deliver_weekly(services, row)
    raise IntegrationError(SERVICE, f"unknown action {row.action}")


async def _already_posted(
    services: Services, row: OutboxMessage, kind: str, channel: str
) -> str | None:
    """After a failed attempt, find whether the message landed anyway (stored ts or history)."""
    if row.escalation_id is not None:
        async with services.db.session() as s:
            ts = await s.scalar(
                select(AlertMessage.ts).where(
                    AlertMessage.escalation_id == row.escalation_id,
                    AlertMessage.kind == kind,
                    AlertMessage.channel == channel,
                )
            )
        if ts:
            return ts
    return await services.slack.find_message(channel, row.idempotency_key)


async def _deliver_post(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    p = row.payload
    kind = str(p.get("kind") or AlertKind.LEADS)
    slack: SlackPort = services.slack
    channel: str | None = p.get("channel")
    if p.get("user"):
        channel = await slack.open_dm(str(p["user"]))
    if not channel:
        # The channel id is unset: recorded, not sent, like an unconfigured service.
        raise NotConfigured(SERVICE)
    if row.attempts > 1:
        ts = await _already_posted(services, row, kind, channel)
        if ts:
            log.info("slack.alert.already_posted", extra={"row": row.id, "kind": kind})
            return {"channel": channel, "ts": ts, "deduplicated": True}
    # The builders (bot/slack_messages) masked the message when the row was enqueued.
    message = SlackPost(
        channel=channel,
        text=str(p.get("text", "")),
        blocks=list(p.get("blocks") or []),
        metadata_key=row.idempotency_key,
    )
    result = await slack.post(message)
    if row.escalation_id is not None:
        async with services.db.session() as s:
            s.add(
                AlertMessage(
                    escalation_id=row.escalation_id,
                    kind=kind,
                    channel=str(result["channel"]),
                    ts=str(result["ts"]),
                )
            )
    return {"channel": result["channel"], "ts": result["ts"]}


async def _deliver_update(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    esc_id = int(row.payload["escalation_id"])
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        # The outbox delivers an escalation's Slack rows in order: every post enqueued before
        # this update has landed (or was given up) by now.
        messages = list(
            await s.scalars(select(AlertMessage).where(AlertMessage.escalation_id == esc_id))
        )
    if esc is None:
        raise IntegrationError(SERVICE, f"escalation {esc_id} not found")
    analyst = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
    tz = str(services.roster.timezone)
    owner_dm = await _owner_dm(services, esc, analyst, messages)
    moved = await money.latest(services, esc_id)
    for m in messages:
        locale = analyst.locale if (analyst and m.kind == AlertKind.DM) else None
        text, blocks = render(
            esc,
            kind=AlertKind(m.kind),
            analyst=analyst,
            locale=locale,
            tz=tz,
            overdue=deadlines.overdue(
                esc,
                now=services.clock(),
                paused=deadlines.sla_paused(services.settings.config, esc),
            ),
            ticket_url=ticket_url(services.settings, esc.ticket_id),
            to_owner=m.channel == owner_dm,
            money=money.alert_line(services, moved, locale=locale),
        )
        await services.slack.post(SlackPost(channel=m.channel, text=text, blocks=blocks, ts=m.ts))
    return {"updated": len(messages)}


async def _owner_dm(
    services: Services, esc: Escalation, owner: Analyst | None, messages: list[AlertMessage]
) -> str | None:
    """The owner's DM channel, when a compliance case's DMs must tell it from earlier owners'."""
    if owner is None or not is_compliance(esc) or not any(m.kind == AlertKind.DM for m in messages):
        return None
    return await services.slack.open_dm(owner.slack_id)


async def _deliver_weekly(services: Services, row: OutboxMessage) -> Mapping[str, Any]:
    """The weekly report: headline, charts and workbook, in the leads' language."""
    p = row.payload
    report = await load_report(
        services.db, roster=services.roster, spec=str(p["spec"]), now=services.clock()
    )
    report = await with_names(services, report)
    leads = [a.locale for a in services.roster.analysts if a.has_role(Role.LEAD)]
    locale = max(set(leads), key=leads.count) if leads else "en"
    channel = str(p["channel"])
    await post_report(
        services, report, channel=channel, locale=locale, key=row.idempotency_key, workbook=True
    )
    log.info("report.weekly_posted", extra={"channel": channel, "period": p["spec"]})
    return {"channel": channel, "period": p["spec"]}
