"""The background process: inbox processing, outbox delivery and timers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass

from bot import alerts, inbox, intake, outbox
from bot.delivery import deliver
from bot.errors import IntegrationError
from bot.models import InboxEvent, OutboxMessage
from bot.services import Services

log = logging.getLogger(__name__)

MAX_IDLE_BACKOFF = 30.0  # seconds between passes while every pass fails


def idle_backoff(failures: int, poll_seconds: float) -> float:
    """Seconds to wait after failures passes in a row failed: doubling, capped."""
    return float(min(MAX_IDLE_BACKOFF, poll_seconds * 2**failures))


@dataclass
class Counts:
    events: int = 0
    deliveries: int = 0
    rerouted: int = 0

    @property
    def total(self) -> int:
        return self.events + self.deliveries + self.rerouted


class Worker:
    """Claims due work from the database and does it; many can run against one database."""

    def __init__(
        self,
        services: Services,
        *,
        name: str | None = None,
        poll_seconds: float = 0.2,
        concurrency: int = 8,
        timer_seconds: float = 30.0,
    ) -> None:
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poll_seconds = poll_seconds
        self.timer_seconds = timer_seconds
        self._limit = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._last_timer = 0.0
        # A service's Retry-After holds for all our calls to it, not just the one refused.
        self._paused_until: dict[str, float] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Work until stop is set; the batch in hand is finished first."""
        log.info("worker.started", extra={"worker": self.name})
        failures = 0
        while not stop.is_set():
            wait = self.poll_seconds
            try:
                counts = await self.run_once()
                failures = 0
            except Exception:  # a bad batch must not kill the process; leases make it safe
                failures += 1
                # The database may be down: back off instead of logging a traceback 5x a second.
                wait = idle_backoff(failures, self.poll_seconds)
                log.exception("worker.batch_failed", extra={"worker": self.name, "retry_in": wait})
                counts = Counts()
            if counts.total == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
        log.info("worker.stopped", extra={"worker": self.name})

    async def run_once(self) -> Counts:
        """One pass: a batch of events, a batch of deliveries, and due timers."""
        counts = Counts()
        counts.events = await self.process_events()
        counts.deliveries = await self.deliver_outbox()
        if time.monotonic() - self._last_timer >= self.timer_seconds:
            self._last_timer = time.monotonic()
            counts.rerouted = len(await intake.route_waiting(self.services))
        return counts

    async def drain(self, *, max_passes: int = 100) -> Counts:
        """Run passes until nothing is due (the demo and tests use this)."""
        total = Counts()
        for _ in range(max_passes):
            c = await self.run_once()
            total.events += c.events
            total.deliveries += c.deliveries
            total.rerouted += c.rerouted
            if c.total == 0:
                break
        return total

    def pause(self, service: str, seconds: float) -> None:
        """Send nothing more to service for a while (it answered 429 with Retry-After)."""
        until = time.monotonic() + seconds
        self._paused_until[service] = max(until, self._paused_until.get(service, 0.0))
        log.info("worker.paused", extra={"service": service, "seconds": seconds})

    def paused(self) -> set[str]:
        """Services resting after a rate limit."""
        now = time.monotonic()
        return {svc for svc, until in self._paused_until.items() if until > now}

    async def process_events(self) -> int:
        if "zendesk" in self.paused():
            return 0  # every event starts with a Zendesk read
        async with self.services.db.session() as s:
            events = await inbox.claim(s, worker=self.name, limit=self._concurrency * 2)
        await asyncio.gather(*(self._process(e) for e in events))
        return len(events)

    async def _process(self, event: InboxEvent) -> None:
        async with self._limit:
            try:
                await intake.process_event(self.services, event, worker=self.name)
            except Exception as err:
                expected = isinstance(err, IntegrationError)
                if isinstance(err, IntegrationError) and err.retry_after:
                    self.pause(err.service, err.retry_after)
                log.log(
                    logging.WARNING if expected else logging.ERROR,
                    "event.failed",
                    exc_info=not expected,
                    extra={"event": event.id, "ticket": event.ticket_id, "error": str(err)},
                )
                async with self.services.db.session() as s:
                    await inbox.release(
                        s,
                        event.id,
                        self.name,
                        error=str(err),
                        retry_in=intake.retry_delay(err, event.attempts),
                    )
                    if event.attempts >= inbox.MAX_ATTEMPTS:
                        await outbox.enqueue(
                            s,
                            [
                                alerts.leads_alert(
                                    self.services,
                                    key=f"leads:event-failed:{event.id}",
                                    text=f"Baton could not process the escalation of ticket "
                                    f"#{event.ticket_id} after {event.attempts} attempts: {err}. "
                                    f"Retry with `baton inbox retry {event.id}`.",
                                )
                            ],
                        )

    async def deliver_outbox(self) -> int:
        async with self.services.db.session() as s:
            rows = await outbox.claim(
                s, worker=self.name, limit=self._concurrency * 2, skip_services=self.paused()
            )
        await asyncio.gather(*(self._deliver(r) for r in rows))
        return len(rows)

    async def _deliver(self, row: OutboxMessage) -> None:
        async with self._limit:
            started = time.perf_counter()
            result = await outbox.attempt(row, lambda r: deliver(self.services, r))
            if result.retry_after:
                self.pause(row.service, result.retry_after)
            self.services.metrics.observe(
                "baton_outbox_delivery_seconds",
                time.perf_counter() - started,
                {"service": row.service},
                help="Outbox delivery attempt latency",
            )
            self.services.metrics.inc(
                "baton_outbox_attempts_total",
                {"service": row.service, "outcome": result.status},
                help="Outbox delivery attempts by outcome",
            )
            async with self.services.db.session() as s:
                stored = await outbox.record(s, row.id, self.name, result)
                if stored is not None and result.status == outbox.DEAD:
                    self.services.metrics.inc(
                        "baton_outbox_dead_total",
                        {"service": row.service},
                        help="Outbox rows dead-lettered after the retry budget",
                    )
                    if not (row.service == "slack" and row.action == "post_leads"):
                        text = (
                            f"Baton gave up on {row.service} {row.action} "
                            f"(outbox #{row.id}, {row.attempts} attempts): {result.error}. "
                            f"Retry with `baton outbox retry {row.id}`."
                        )
                        await outbox.enqueue(
                            s,
                            [
                                alerts.leads_alert(
                                    self.services, key=f"leads:dead:{row.id}", text=text
                                )
                            ],
                        )
