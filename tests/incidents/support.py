"""Escalations arriving through the real path (signed webhook, worker, zenpy on the fake
Zendesk), for the incident tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.config import BatonConfig
from bot.config.incidents import IncidentsConfig
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.services import Services
from bot.store.db import Database
from bot.store.models import Escalation, Incident, IncidentLink
from bot.worker import Worker
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import post_zendesk

ROOT = Path(__file__).resolve().parents[2]
SECRET = "incidents-webhook-secret"
SP = load_roster(ROOT / "examples" / "roster.toml").timezone
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SP).astimezone(UTC)
CONFIG = BatonConfig(
    incidents=IncidentsConfig(min_escalations=3, providers=("pix", "stark", "tron"))
)
TEXTS = {
    "withdrawal": ("esc_withdrawal", "Meu saque via {p} TX-8F3K29Q1 de ontem ainda não caiu."),
    "tx_failed": ("esc_tx_failed", "My payment with {p} failed twice today, reference TX-77Q1."),
}


async def escalate(
    client: TestClient[Any, Any],
    fake: FakeZendesk,
    ticket_id: int,
    *,
    provider: str = "Pix",
    category: str = "withdrawal",
    extra_tags: tuple[str, ...] = (),
    subject: str | None = None,
) -> None:
    """An agent escalates a ticket naming the provider; the webhook stores it."""
    tag, text = TEXTS[category]
    fake.add_escalation(
        ticket_id,
        tags=("esc_senior", tag, *extra_tags),
        subject=subject if subject is not None else f"{provider} {category.replace('_', ' ')}",
        text=text.format(p=provider),
        requester_id=7000 + ticket_id,
    )
    body = {"ticket_id": str(ticket_id), "event": "esc_senior", "agent_id": "500777"}
    resp = await post_zendesk(client, SECRET, body)
    assert resp.status == 200, await resp.text()


async def settle(services: Services, clock: Clock, *, seconds: float = 6) -> None:
    """Let the worker route what arrived and run its incident pass (its timer beat)."""
    worker = Worker(services, timer_seconds=0)
    await worker.drain()
    clock.now += timedelta(seconds=seconds)
    await worker.drain()


async def incidents(db: Database) -> list[Incident]:
    async with db.session() as s:
        return list(await s.scalars(select(Incident).order_by(Incident.id)))


async def linked_tickets(db: Database, incident_id: int) -> set[int]:
    async with db.session() as s:
        rows = await s.scalars(
            select(Escalation.ticket_id)
            .join(IncidentLink, IncidentLink.escalation_id == Escalation.id)
            .where(IncidentLink.incident_id == incident_id, IncidentLink.unlinked_at.is_(None))
        )
        return set(rows)


async def escalation(db: Database, ticket_id: int) -> Escalation:
    async with db.session() as s:
        esc = await s.scalar(
            select(Escalation)
            .where(Escalation.ticket_id == ticket_id)
            .order_by(Escalation.id.desc())
        )
        assert esc is not None
        return esc
