"""The background process: inbox processing, outbox delivery, service probes and timers.

Every time it reads comes from ``services.clock``, so tests and the demo can run hours of
outage and retry in no time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Collection, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Delivery
from bot.delivery import deliver
from bot.errors import IntegrationError, NotFound
from bot.escalations import intake, notices
from bot.incidents import jira as incident_jira
from bot.incidents.runner import IncidentPass
from bot.jira import events as jira_events
from bot.money import decide as money_decide
from bot.reports import weekly as weekly_report
from bot.resolutions import pending
from bot.services import Services
from bot.store import health, inbox, outbox, pacing, queue
from bot.store.models import InboxEvent, OutboxMessage
from bot.timers import runner

log = logging.getLogger(__name__)

DIGEST_SECONDS = 3600.0  # how often a worker looks for "needs a root cause" DMs to send
MAX_IDLE_BACKOFF = 30.0  # seconds between passes while every pass fails


def idle_backoff(failures: int, poll_seconds: float) -> float:
    """Seconds to wait after failures passes in a row failed: doubling, capped."""
    return float(min(MAX_IDLE_BACKOFF, poll_seconds * 2**failures))


@dataclass
class Counts:
    events: int = 0
    deliveries: int = 0
    rerouted: int = 0
    timers: int = 0

    @property
    def total(self) -> int:
        return self.events + self.deliveries + self.rerouted + self.timers


class Worker:
    """Claims due work from the database and does it; many can run against one database."""

    def __init__(
        self,
        services: Services,
        *,
        name: str | None = None,
        poll_seconds: float = 0.2,
        concurrency: int = 8,
        timer_seconds: float = 5.0,
        sla_timers: bool = True,
    ) -> None:
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poll_seconds = poll_seconds
        self.timer_seconds = timer_seconds
        # Events (each a Zendesk read first) and deliveries have their own slots, so a slow
        # read never holds an alert back, nor a slow post a read.
        self._event_slots = asyncio.Semaphore(concurrency)
        self._delivery_slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._running: dict[str, set[asyncio.Task[None]]] = {"events": set(), "deliveries": set()}
        self._wake = asyncio.Event()  # a task finished: its slot, and maybe its ticket, is free
        self._last_timer = 0.0
        # Reminders, breaches, claim time-outs and handovers (off: the routing-only demo).
        self._timers = runner.TimerPass(services, self.name) if sla_timers else None
        self._incidents = IncidentPass(services)  # provider incidents (bot/incidents)
        self._last_digest = -DIGEST_SECONDS  # the first timer pass looks at once
        # Services with a failure on record: their next success clears it (and may announce).
        self._troubled: set[str] = set()

    @property
    def policy(self) -> Delivery:
        return self.services.settings.config.delivery

    async def run(self, stop: asyncio.Event) -> None:
        """Work until stop is set; the batch in hand is finished first."""
        log.info("worker.started", extra={"worker": self.name})
        self.services.metrics.add("baton_workers_running", 1)
        try:
            await self._loop(stop)
        finally:
            self.services.metrics.add("baton_workers_running", -1)
        log.info("worker.stopped", extra={"worker": self.name})

    async def _loop(self, stop: asyncio.Event) -> None:
        """Keep every slot busy: claim as slots free up, without waiting for a whole batch, so
        one slow call holds only its own ticket. Finishes the work in hand on stop."""
        failures = 0
        stopping = asyncio.create_task(self._wake_on(stop))
        try:
            while not stop.is_set():
                wait = self.poll_seconds
                try:
                    await self._fill()
                    failures = 0
                except Exception:  # a bad pass must not kill the process; leases make it safe
                    failures += 1
                    # The database may be down: back off instead of a traceback 5x a second.
                    wait = idle_backoff(failures, self.poll_seconds)
                    log.exception(
                        "worker.batch_failed", extra={"worker": self.name, "retry_in": wait}
                    )
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
        finally:
            stopping.cancel()
            running = [t for tasks in self._running.values() for t in tasks]
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    def _spawn(self, pool: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running[pool].add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._running[pool].discard(t)
            self._wake.set()
            if not t.cancelled() and (err := t.exception()) is not None:
                # Its lease runs out and another pass takes it again; say why it failed.
                log.error("worker.task_failed", exc_info=err, extra={"worker": self.name})

        task.add_done_callback(done)

    def _free(self, pool: str) -> int:
        return self._concurrency - len(self._running[pool])

    async def _health(self) -> tuple[dict[str, health.State], set[str], set[str]]:
        """Every service's state, and which rest (down or rate-limited) or are rate-limited."""
        now = self.services.clock()
        async with self.services.db.session() as s:
            states = await health.states(s)
        self._troubled |= {svc for svc, st in states.items() if st.troubled}
        resting = {svc for svc, st in states.items() if st.resting(now)}
        limited = {svc for svc, st in states.items() if st.rate_limited(now)}
        return states, resting, limited

    async def _fill(self) -> int:
        """Probes, then new events and deliveries into the free slots, then due timers."""
        states, resting, limited = await self._health()
        started = await self.probe([svc for svc, st in states.items() if st.down])
        if (free := self._free("events")) > 0 and "zendesk" not in limited:
            for event in await self._claim_events(free):
                self._spawn("events", self._process(event))
                started += 1
        if (free := self._free("deliveries")) > 0:
            for row in await self._claim_rows(free, resting):
                self._spawn("deliveries", self._deliver(row))
                started += 1
        return started + (await self._due_timers()).total

    async def run_once(self) -> Counts:
        """One pass, all of it awaited: probes, events, deliveries, due timers (tests, demo)."""
        states, resting, limited = await self._health()
        counts = Counts()
        counts.deliveries = await self.probe([svc for svc, st in states.items() if st.down])
        counts.events = await self.process_events(limited)
        counts.deliveries += await self.deliver_outbox(resting)
        timed = await self._due_timers()
        counts.rerouted, counts.timers = timed.rerouted, timed.timers
        return counts

    async def _due_timers(self) -> Counts:
        """Every timer_seconds: waiting escalations, incidents, timers, expiries, digests."""
        counts = Counts()
        if time.monotonic() - self._last_timer >= self.timer_seconds:
            self._last_timer = time.monotonic()
            counts.rerouted = len(await intake.route_waiting(self.services))
            if counts.rerouted:
                self.services.metrics.inc(
                    "baton_timer_firings_total", {"timer": "route_waiting"}, counts.rerouted
                )
            counts.timers = await self._incidents.run()
            if self._timers is not None:
                counts.timers += len(await self._timers.run())
                counts.timers += len(await money_decide.expire_due(self.services))
                if time.monotonic() - self._last_digest >= DIGEST_SECONDS:
                    self._last_digest = time.monotonic()
                    # Once per analyst per ISO week (the outbox key names the week).
                    counts.timers += await pending.weekly(self.services)
                # The weekly report, once per ISO week (the outbox key names the week).
                counts.timers += await weekly_report.schedule(self.services)
        return counts

    async def drain(self, *, max_passes: int = 100) -> Counts:
        """Run passes until nothing is due (the demo and tests use this)."""
        total = Counts()
        for _ in range(max_passes):
            c = await self.run_once()
            total.events += c.events
            total.deliveries += c.deliveries
            total.rerouted += c.rerouted
            total.timers += c.timers
            if c.total == 0:
                break
        return total

    async def resting(self) -> set[str]:
        """Services nothing is sent to right now (rate-limited, or down between probes)."""
        now = self.services.clock()
        async with self.services.db.session() as s:
            states = await health.states(s)
        return {svc for svc, st in states.items() if st.resting(now)}

    # --- services that are down ------------------------------------------------------------

    async def probe(self, down: list[str]) -> int:
        """Try one waiting action of each down service whose probe is due."""
        tried = 0
        for service in down:
            now = self.services.clock()
            async with self.services.db.session() as s:
                if not await health.take_probe(
                    s, service=service, now=now, every=self.policy.probe_seconds
                ):
                    continue
                rows = await outbox.claim(
                    s, worker=self.name, limit=1, now=now, only_service=service
                )
            if rows:
                await self._deliver(rows[0])
                tried += 1
            elif service == "zendesk":
                tried += await self._probe_zendesk_read()
        return tried

    async def _probe_zendesk_read(self) -> int:
        """With no update waiting, read the ticket of the oldest waiting event."""
        async with self.services.db.session() as s:
            ticket_id = await s.scalar(
                select(InboxEvent.ticket_id)
                .where(InboxEvent.status == inbox.PENDING, InboxEvent.ticket_id.is_not(None))
                .order_by(InboxEvent.id)
                .limit(1)
            )
        if ticket_id is None:
            return 0
        try:
            await self.services.zendesk.get_ticket(ticket_id)
        except NotFound:
            pass  # Zendesk answered: that is all a probe asks
        except IntegrationError as err:
            if err.retryable:
                async with self.services.db.session() as s:
                    await self._failed(s, err, now=self.services.clock())
            return 1
        async with self.services.db.session() as s:
            await notices.service_recovered(
                self.services, s, service="zendesk", now=self.services.clock()
            )
        self._troubled.discard("zendesk")
        return 1

    async def _failed(self, s: AsyncSession, err: IntegrationError, *, now: datetime) -> None:
        """Count a retryable failure against its service (announcing an outage once)."""
        if await notices.service_failed(self.services, s, err=err, now=now):
            self.services.metrics.inc("baton_service_outages_total", {"service": err.service})

    # --- inbox ---------------------------------------------------------------------------

    async def process_events(self, rate_limited: Collection[str] = ()) -> int:
        """Process a batch of due events (each backs off on its own while Zendesk is down).

        A Zendesk that is down for writes may still answer reads: routing and Slack alerts
        go on meanwhile. Only a rate limit holds every event back.
        """
        if "zendesk" in rate_limited:
            return 0  # every event starts with a Zendesk read
        events = await self._claim_events(self._concurrency * 2)
        await asyncio.gather(*(self._process(e) for e in events))
        return len(events)

    async def _claim_events(self, limit: int) -> list[InboxEvent]:
        async with self.services.db.session() as s:
            return await inbox.claim(s, worker=self.name, limit=limit, now=self.services.clock())

    async def _process(self, event: InboxEvent) -> None:
        # The Zendesk budget serves a VIP's read first, then the oldest (bot/store/pacing).
        with pacing.priority(vip=event.priority > 0, since=event.received_at):
            await self._process_in_slot(event)

    async def _process_in_slot(self, event: InboxEvent) -> None:
        async with self._event_slots:
            try:
                if event.source == "jira":
                    # An incident's own issue first (bot/incidents), else a ticket's.
                    if await incident_jira.process_event(self.services, event, worker=self.name):
                        return
                    await jira_events.process_event(self.services, event, worker=self.name)
                else:
                    await intake.process_event(self.services, event, worker=self.name)
                return
            except IntegrationError as err:
                error: Exception = err
                retryable = err.retryable
            except (OperationalError, InterfaceError) as err:  # the database: try again later
                error, retryable = err, True
            except Exception as err:  # a bug or a broken invariant: park it, loudly
                error, retryable = err, False
            await self._event_failed(event, error, retryable=retryable)

    async def _event_failed(self, event: InboxEvent, err: Exception, *, retryable: bool) -> None:
        now = self.services.clock()
        policy = self.policy
        error_id = uuid.uuid4().hex[:8]
        expected = isinstance(err, IntegrationError)
        log.log(
            logging.WARNING if expected else logging.ERROR,
            "event.failed",
            exc_info=not expected,
            extra={"event": event.id, "ticket": event.ticket_id, "error_id": error_id},
        )
        async with self.services.db.session() as s:
            if isinstance(err, IntegrationError) and err.retryable:
                await self._failed(s, err, now=now)
                self._troubled.add(err.service)
            next_ = queue.fail(
                inbox.QUEUE,
                event,
                error=str(err),
                retryable=retryable,
                retry_after=err.retry_after if isinstance(err, IntegrationError) else None,
                now=now,
                budget=queue.retry_budget(policy),
            )
            if not next_.parked:
                service = err.service if isinstance(err, IntegrationError) else "database"
                self.services.metrics.inc("baton_outbox_retries_total", {"service": service})
                await queue.settle(s, inbox.QUEUE, event.id, self.name, next_, now=now)
                return
            parked = replace(next_, error=f"{err} (error id {error_id})")
            if await queue.settle(s, inbox.QUEUE, event.id, self.name, parked, now=now) is None:
                return
            await notices.event_parked(
                self.services,
                s,
                event=event,
                err=err,
                error_id=error_id,
                gave_up=next_.gave_up,
                now=now,
            )

    # --- outbox --------------------------------------------------------------------------

    async def deliver_outbox(self, resting: Collection[str] = ()) -> int:
        rows = await self._claim_rows(self._concurrency * 2, resting)
        await asyncio.gather(*(self._deliver(r) for r in rows))
        return len(rows)

    async def _claim_rows(self, limit: int, resting: Collection[str]) -> list[OutboxMessage]:
        skip = set(resting)
        pacer = getattr(self.services.zendesk, "pacer", None)
        if isinstance(pacer, pacing.Pacer) and pacer.writes_held():
            # The window's requests are the waiting reads': the ticket updates come after.
            skip.add("zendesk")
        async with self.services.db.session() as s:
            return await outbox.claim(
                s, worker=self.name, limit=limit, now=self.services.clock(), skip_services=skip
            )

    async def _deliver(self, row: OutboxMessage) -> None:
        with pacing.priority(vip=row.priority > 0, since=row.created_at):
            await self._deliver_in_slot(row)

    async def _deliver_in_slot(self, row: OutboxMessage) -> None:
        async with self._delivery_slots:
            started = time.perf_counter()
            result = await outbox.attempt(
                row,
                lambda r: deliver(self.services, r),
                now=self.services.clock(),
                policy=self.policy,
            )
            metrics = self.services.metrics
            metrics.observe(
                "baton_outbox_delivery_duration_seconds",
                time.perf_counter() - started,
                {"service": row.service},
            )
            metrics.inc(
                "baton_outbox_attempts_total", {"service": row.service, "outcome": result.status}
            )
            if result.status == outbox.PENDING:
                metrics.inc("baton_outbox_retries_total", {"service": row.service})
            now = self.services.clock()
            async with self.services.db.session() as s:
                stored = await outbox.record(s, row.id, self.name, result, now=now)
                if result.failure is not None and result.failure.retryable:
                    await self._failed(s, result.failure, now=now)
                    self._troubled.add(row.service)
                elif result.status == outbox.DONE and row.service in self._troubled:
                    self._troubled.discard(row.service)
                    await notices.service_recovered(self.services, s, service=row.service, now=now)
                if stored is not None and result.status == outbox.DEAD:
                    await self._dead(s, row, result, now=now)

    async def _dead(
        self, s: AsyncSession, row: OutboxMessage, result: outbox.DeliveryResult, *, now: datetime
    ) -> None:
        self.services.metrics.inc("baton_outbox_dead_total", {"service": row.service})
        await notices.delivery_dead(self.services, s, row=row, result=result, now=now)
