"""The leads' notices about Baton's own work, as outbox items in the caller's transaction.

A service down (once per outage) and back, escalation events parked, outbox rows given up or
refused. Their words are in bot/slack_messages/notices.py; the state they report is in
bot/store/health.py and the queues.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import IntegrationError
from bot.escalations import alerts
from bot.services import Services
from bot.slack_messages import notices as words
from bot.store import health, outbox
from bot.store.models import InboxEvent, OutboxMessage


def _outage_key(service: str, since: datetime) -> str:
    return f"leads:outage:{service}:{since:%Y%m%dT%H%M%S}"


async def _tell(
    services: Services, session: AsyncSession, *, key: str, text: str, now: datetime
) -> None:
    item = alerts.leads_alert(services, key=key, text=text)
    await outbox.enqueue(session, [item], now=now)


async def service_failed(
    services: Services, session: AsyncSession, *, err: IntegrationError, now: datetime
) -> bool:
    """Count a retryable failure against its service; True when it made the service down."""
    policy = services.settings.config.delivery
    change = await health.failed(session, err=err, now=now, probe_seconds=policy.probe_seconds)
    if isinstance(change, health.Recovery):
        await _recovered(services, session, change, now=now)
        return False
    if change is None:
        return False
    text = words.outage(
        change.service,
        reason=change.reason,
        since=change.since,
        tz=services.roster.timezone,
        retry_hours=policy.retry_hours,
    )
    key = _outage_key(change.service, change.since)
    await _tell(services, session, key=key, text=text, now=now)
    return True


async def service_recovered(
    services: Services, session: AsyncSession, *, service: str, now: datetime
) -> None:
    """A call to service succeeded: clear its state, and tell the leads if it was down."""
    change = await health.recovered(session, service=service, now=now)
    if change is not None:
        await _recovered(services, session, change, now=now)


async def _recovered(
    services: Services, session: AsyncSession, change: health.Recovery, *, now: datetime
) -> None:
    # Slack's own outage notice could not be posted: the recovery notice says it all.
    await outbox.supersede(
        session,
        key=_outage_key(change.service, change.since),
        why="superseded by the recovery notice",
    )
    text = words.recovery(
        change.service,
        since=change.since,
        now=now,
        tz=services.roster.timezone,
        waiting=change.waiting,
    )
    key = f"leads:recovered:{change.service}:{change.since:%Y%m%dT%H%M%S}"
    await _tell(services, session, key=key, text=text, now=now)


async def event_parked(
    services: Services,
    session: AsyncSession,
    *,
    event: InboxEvent,
    err: Exception,
    error_id: str,
    gave_up: bool,
    now: datetime,
) -> None:
    """Tell the leads an escalation event is parked: per event, or per hour when given up."""
    if gave_up:
        key = f"leads:gave-up:inbox:{now:%Y%m%dT%H}"
        text = words.events_given_up(
            retry_hours=services.settings.config.delivery.retry_hours,
            reason=words.reason(err),
            ticket_id=event.ticket_id,
        )
    else:
        key = f"leads:event-failed:{event.id}"
        text = words.event_parked(
            ticket_id=event.ticket_id,
            reason=words.reason(err),
            error_id=error_id,
            event_id=event.id,
        )
    await _tell(services, session, key=key, text=text, now=now)


async def delivery_dead(
    services: Services,
    session: AsyncSession,
    *,
    row: OutboxMessage,
    result: outbox.DeliveryResult,
    now: datetime,
) -> None:
    """Tell the leads what was not sent: per row when refused, per hour when given up."""
    if row.action == alerts.POST_LEADS:
        return  # a leads alert about a leads alert would only loop
    if result.gave_up:
        key = f"leads:gave-up:{row.service}:{now:%Y%m%dT%H}"
        text = words.deliveries_given_up(
            row.service,
            retry_hours=services.settings.config.delivery.retry_hours,
            row_id=row.id,
            action=row.action,
        )
    else:
        # The refusal's text may quote the ticket: it stays in the row and the log.
        reason = words.reason(result.failure) if result.failure else "an unexpected error"
        key = f"leads:dead:{row.id}"
        text = words.delivery_refused(row.service, action=row.action, row_id=row.id, reason=reason)
    await _tell(services, session, key=key, text=text, now=now)
