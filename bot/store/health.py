"""Whether Zendesk, Slack or Jira is down: one state per service, shared by every worker.

Each retryable failure counts against its service. After ``DOWN_AFTER`` in a row the service
is down: the leads hear it once, and nothing more is sent to it except one probe (its oldest
waiting action) every ``probe_seconds``. The first success brings it back: the leads hear it
once more, and everything that was backing off for it is due at once, so a recovered service
catches up within seconds instead of at each row's next backoff. A rate limit (429) is not an
outage but an answer: it ends one like a success would (the leads hear it is back, everything
waiting is due) and only rests the service for its Retry-After, never for another probe.

This module keeps the state and says what changed (an ``Outage`` began, a ``Recovery``
ended one); bot/escalations/notices.py tells the leads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import IntegrationError
from bot.store import inbox, outbox
from bot.store.db import locked_row
from bot.store.models import OutboxMessage, ServiceHealth

log = logging.getLogger(__name__)

DOWN_AFTER = 3  # retryable failures in a row that make a service "down"


@dataclass(frozen=True)
class State:
    """A snapshot of one service's health, read at the start of a worker pass."""

    service: str
    failures: int = 0
    failing_since: datetime | None = None
    paused_until: datetime | None = None
    announced: bool = False
    last_error: str | None = None

    @property
    def down(self) -> bool:
        return self.failures >= DOWN_AFTER

    @property
    def troubled(self) -> bool:
        """Anything to clear on the next success."""
        return bool(self.failures or self.failing_since or self.paused_until)

    def resting(self, now: datetime) -> bool:
        """Nothing but probes goes out: down, or rate-limited until paused_until."""
        return self.down or (self.paused_until is not None and now < self.paused_until)

    def rate_limited(self, now: datetime) -> bool:
        return not self.down and self.paused_until is not None and now < self.paused_until


def _state(row: ServiceHealth) -> State:
    return State(
        service=row.service,
        failures=row.failures,
        failing_since=row.failing_since,
        paused_until=row.paused_until,
        announced=row.announced,
        last_error=row.last_error,
    )


async def states(session: AsyncSession) -> dict[str, State]:
    """Every service's health (services never seen failing have no row: healthy)."""
    rows = await session.scalars(select(ServiceHealth))
    return {r.service: _state(r) for r in rows}


async def take_probe(session: AsyncSession, *, service: str, now: datetime, every: float) -> bool:
    """Claim the next probe of a down service (one worker wins); False if not due yet."""
    result = await session.execute(
        update(ServiceHealth)
        .where(
            ServiceHealth.service == service,
            ServiceHealth.failures >= DOWN_AFTER,
            or_(ServiceHealth.paused_until.is_(None), ServiceHealth.paused_until <= now),
        )
        .values(paused_until=now + timedelta(seconds=every))
        .returning(ServiceHealth.service)
    )
    return result.first() is not None


async def _row(session: AsyncSession, service: str) -> ServiceHealth:
    row: ServiceHealth = await locked_row(
        session, ServiceHealth, "service", service, failures=0, announced=False
    )
    return row


@dataclass(frozen=True)
class Outage:
    """A service just became down: failing since ``since``, for ``reason``."""

    service: str
    since: datetime
    reason: str


@dataclass(frozen=True)
class Recovery:
    """A service that was announced down answers again; ``waiting`` items are due now."""

    service: str
    since: datetime
    waiting: int


def _reason(err: IntegrationError) -> str:
    # Only the kind of failure: an error body could quote a ticket, and this goes to Slack.
    return f"HTTP {err.status}" if err.status else "no answer"


async def failed(
    session: AsyncSession, *, err: IntegrationError, now: datetime, probe_seconds: float
) -> Outage | Recovery | None:
    """Count a retryable failure: an Outage when it made the service down (announce it), a
    Recovery when a rate limit ended a known outage."""
    row = await _row(session, err.service)
    rest = err.retry_after or 0.0
    if err.status == 429:
        # A rate limit is an answer: the service is up. Whatever failures came before are
        # over (a down service's probe pause goes with them), and it rests for Retry-After.
        recovery = None
        if row.failures or row.failing_since:
            recovery = await _recover(session, row, now=now)
        if rest:
            until = now + timedelta(seconds=rest)
            row.paused_until = max(row.paused_until or until, until)
        return recovery
    row.failures += 1
    row.failing_since = row.failing_since or now
    row.last_error = _reason(err)
    if row.failures == DOWN_AFTER:
        # From now on only probes go out; take_probe schedules the next one.
        rest = max(rest, probe_seconds)
    if rest:
        until = now + timedelta(seconds=rest)
        row.paused_until = max(row.paused_until or until, until)
    if row.failures < DOWN_AFTER or row.announced:
        return None
    row.announced = True
    since = row.failing_since or now
    log.error("service.down", extra={"service": err.service, "since": since.isoformat()})
    return Outage(err.service, since, row.last_error)


async def recovered(session: AsyncSession, *, service: str, now: datetime) -> Recovery | None:
    """A call to service succeeded: clear its state; a Recovery when it was announced down."""
    row = await session.scalar(
        select(ServiceHealth)
        .where(ServiceHealth.service == service)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or not _state(row).troubled:
        return None
    return await _recover(session, row, now=now)


async def _recover(session: AsyncSession, row: ServiceHealth, *, now: datetime) -> Recovery | None:
    """Clear a service's (locked) state and make its waiting work due."""
    service = row.service
    was_down, since = row.announced, row.failing_since
    row.failures, row.failing_since, row.paused_until, row.announced = 0, None, None, False
    await outbox.make_due(session, service=service, now=now)
    if service == "zendesk":  # every waiting event starts with a Zendesk read
        await inbox.make_due(session, now=now)
    if not was_down or since is None:
        return None
    due = int(
        await session.scalar(
            select(func.count()).where(
                OutboxMessage.service == service, OutboxMessage.status == outbox.PENDING
            )
        )
        or 0
    )
    if service == "zendesk":
        due += await inbox.backlog(session)
    log.warning("service.recovered", extra={"service": service, "waiting": due})
    return Recovery(service, since, due)
