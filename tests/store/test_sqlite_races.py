"""Two OS processes (the web and the worker) on one SQLite file: no lost updates, no lock errors.

Each process runs many read-then-write transactions through ``Database.session()`` on the same
rows. Without ``BEGIN IMMEDIATE`` both read the same state and one overwrites the other's
decision, or fails with "database is locked" when it upgrades to a writer. Tasks in one process
cannot show this (they share the in-process write lock): it takes two processes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.desk.permissions import Actor
from bot.desk.roster import load_roster
from bot.escalations import lifecycle
from bot.services import Services, Unconfigured
from bot.store import outbox
from bot.store.db import Database
from bot.store.models import AuditEntry, Escalation, OutboxMessage

ROSTER = Path(__file__).resolve().parents[2] / "examples" / "roster.toml"
NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
ROUNDS = 150
# The two leads who fight over one escalation: each process claims it for itself, then hands it
# to carla, over and over.
LEADS = {"web": "ana", "worker": "juliana"}


@pytest.fixture
def sqlite_url(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's locking between processes; PostgreSQL locks rows")
    return database_url


def _services(url: str) -> Services:
    return Services(
        settings=Settings(database_url=url),
        db=Database(url),
        roster=load_roster(ROSTER),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
        clock=lambda: NOW,
    )


async def _lifecycle(services: Services, role: str, target: int, rounds: int) -> list[str]:
    roster = services.roster
    lead = roster.by_key(LEADS[role])
    carla = roster.by_key("carla")
    assert lead is not None and carla is not None
    actor = Actor(slack_id=lead.slack_id, analyst=lead)
    errors = []
    for i in range(rounds):
        try:
            async with services.db.session() as s:
                if i % 2 == 0:
                    await lifecycle.claim(
                        s, services=services, actor=actor, now=NOW, escalation_id=target
                    )
                else:
                    await lifecycle.assign(
                        s,
                        services=services,
                        actor=actor,
                        assignee=carla,
                        now=NOW,
                        escalation_id=target,
                    )
        except OperationalError as err:
            errors.append(str(err.orig))
    return errors


async def _counter(services: Services, _role: str, target: int, rounds: int) -> list[str]:
    errors = []
    for _ in range(rounds):
        try:
            async with services.db.session() as s:
                row = await s.get(OutboxMessage, target)
                assert row is not None
                row.attempts += 1
        except OperationalError as err:
            errors.append(str(err.orig))
    return errors


Scenario = Callable[[Services, str, int, int], Any]
SCENARIOS: dict[str, Scenario] = {"lifecycle": _lifecycle, "counter": _counter}


def _process_main(
    url: str, scenario: str, role: str, target: int, rounds: int, start: Barrier, out: Any
) -> None:
    """The body of one spawned process: wait for the other, then contend for the rows."""

    async def main() -> list[str]:
        services = _services(url)
        try:
            async with services.db.session() as s:  # connect before the race starts
                await s.get(Escalation, 0)
            start.wait(timeout=30)
            errors: list[str] = await SCENARIOS[scenario](services, role, target, rounds)
            return errors
        finally:
            await services.db.dispose()

    try:
        out.put((role, asyncio.run(main())))
    except BaseException as err:  # the parent reports it; a silent child would look like a pass
        start.abort()  # and the other process stops waiting for this one
        out.put((role, [f"crashed: {err!r}"]))
        raise


def _race(url: str, scenario: str, target: int) -> dict[str, list[str]]:
    """Run the scenario in a web and a worker process at once; each one's errors by role."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(LEADS))
    out = ctx.Queue()
    procs = {
        role: ctx.Process(
            target=_process_main, args=(url, scenario, role, target, ROUNDS, start, out)
        )
        for role in LEADS
    }
    for p in procs.values():
        p.start()
    results: dict[str, list[str]] = {}
    deadline = time.monotonic() + 60
    try:
        while len(results) < len(procs):
            # A process that died before reporting (say, at import) must not hang the test;
            # one that just exited has flushed its report, so a last read still finds it.
            gone = any(not p.is_alive() for r, p in procs.items() if r not in results)
            try:
                role, errors = out.get(timeout=1 if gone else 0.2)
            except queue.Empty:
                assert not gone, f"exited without reporting: {set(procs) - set(results)}"
                assert time.monotonic() < deadline, f"no report from {set(procs) - set(results)}"
                continue
            results[role] = errors
    finally:
        for p in procs.values():
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    return results


async def test_web_and_worker_processes_never_lose_a_counter_update(sqlite_url: str) -> None:
    services = _services(sqlite_url)
    async with services.db.session() as s:
        item = outbox.OutboxItem(key="race:counter", service="slack", action="post", payload={})
        await outbox.enqueue(s, [item], now=NOW)
        row_id = await s.scalar(select(OutboxMessage.id))
    assert row_id is not None

    errors = await asyncio.to_thread(_race, sqlite_url, "counter", row_id)

    assert errors == {"web": [], "worker": []}
    async with services.db.session() as s:
        row = await s.get(OutboxMessage, row_id)
        assert row is not None
        assert row.attempts == ROUNDS * len(LEADS)
    await services.db.dispose()


async def test_claims_and_assigns_from_two_processes_form_one_consistent_history(
    sqlite_url: str,
) -> None:
    services = _services(sqlite_url)
    async with services.db.session() as s:
        esc = Escalation(
            ticket_id=48213,
            open_ticket_id=48213,
            status="routed",
            category="withdrawal",
            language="pt",
            requester_id=7001,
            analyst_key="carla",
            received_at=NOW,
            routed_at=NOW,
        )
        s.add(esc)
        await s.flush()
        esc_id = esc.id

    errors = await asyncio.to_thread(_race, sqlite_url, "lifecycle", esc_id)

    assert errors == {"web": [], "worker": []}
    async with services.db.session() as s:
        history = list(
            await s.scalars(
                select(AuditEntry).where(AuditEntry.escalation_id == esc_id).order_by(AuditEntry.id)
            )
        )
        final = await s.get(Escalation, esc_id)
    await services.db.dispose()
    assert final is not None
    # Each change must start from the state the previous one left: a transaction that read a
    # stale holder (and so claimed what the other process had just claimed, or handed over
    # what it no longer held) breaks the chain.
    holder, breaks = "carla", []
    for entry in history:
        if entry.detail["previous"] != holder:
            breaks.append((entry.id, entry.actor, entry.action, entry.detail["previous"], holder))
        holder = entry.detail.get("assignee", entry.actor)
    assert breaks == []
    assert final.analyst_key == holder
    # Both processes really contended: each claimed it at least once.
    assert {e.actor for e in history if e.action == "escalation.claimed"} == set(LEADS.values())
