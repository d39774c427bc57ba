"""The leads' notices about Baton's own work: a service down or back, work parked or refused.

Pure builders: data in, the notice's text out (bot/escalations/notices.py enqueues it). Only
the kind of a failure is named, never an error's text: a service's answer could quote a ticket.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import IntegrationError

NAMES = {
    "zendesk": "Zendesk",
    "slack": "Slack",
    "jira": "Jira",
    "transactions": "the transactions source",
}


def service_name(service: str) -> str:
    """The name the leads know a service by."""
    return NAMES.get(service, service)


def reason(err: Exception) -> str:
    """What went wrong, without the error's text (it may quote a customer)."""
    if isinstance(err, IntegrationError):
        return f"{err.service} answered HTTP {err.status}" if err.status else err.service
    return f"unexpected {type(err).__name__}"


def outage(service: str, *, reason: str, since: datetime, tz: ZoneInfo, retry_hours: float) -> str:
    """A service stopped answering: everything is kept and retried."""
    return (
        f":warning: {service_name(service)} is not answering ({reason}) since "
        f"{since.astimezone(tz):%H:%M} ({tz.key}). Baton keeps every ticket update and alert "
        f"and keeps trying for up to {retry_hours:g} h; you will hear when it is back."
    )


def recovery(service: str, *, since: datetime, now: datetime, tz: ZoneInfo, waiting: int) -> str:
    """A service answers again: what waited for it is being delivered."""
    minutes = max(1, round((now - since).total_seconds() / 60))
    return (
        f":white_check_mark: {service_name(service)} is answering again after about "
        f"{minutes} min (failing since {since.astimezone(tz):%H:%M} {tz.key}). "
        f"{waiting} waiting action(s) are being delivered now; nothing was lost."
    )


def events_given_up(*, retry_hours: float, reason: str, ticket_id: int | None) -> str:
    """Escalation events failed for the whole retry budget and are parked."""
    return (
        f"Baton gave up on escalation events after {retry_hours:g} h of "
        f"retries ({reason}), starting with ticket #{ticket_id}. "
        "`baton inbox --status failed` lists them; `baton inbox retry --all` "
        "processes them again."
    )


def event_parked(*, ticket_id: int | None, reason: str, error_id: str, event_id: int) -> str:
    """One escalation event could not be processed and is parked."""
    return (
        f"Baton could not process the escalation of ticket #{ticket_id} "
        f"({reason}; error id {error_id}). It is parked: once the cause is "
        f"fixed, `baton inbox retry {event_id}` processes it again."
    )


def deliveries_given_up(service: str, *, retry_hours: float, row_id: int, action: str) -> str:
    """A service's outbox rows failed for the whole retry budget and are dead."""
    return (
        f"Baton gave up on {service_name(service)} after {retry_hours:g} h of retries: "
        f"ticket updates or alerts were not sent, starting with outbox #{row_id} "
        f"({action}). `baton outbox --status dead` lists them; "
        f"`baton outbox retry --all --service {service}` sends them again."
    )


def delivery_refused(service: str, *, action: str, row_id: int, reason: str) -> str:
    """A service refused one outbox row: it is dead until an operator retries it."""
    return (
        f"{service_name(service)} refused {action} (outbox #{row_id}, {reason}). "
        f"`baton outbox --status dead` shows the error; once the cause is fixed, "
        f"`baton outbox retry {row_id}` sends it again."
    )
