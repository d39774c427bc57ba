"""Intake reads a ticket once per event: the classification it makes is the one enrichment,
routing and the routing note use."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.domain import Ticket
from bot.escalations import classify as classifying
from bot.escalations import intake
from bot.escalations.classify import Classification
from bot.services import Services
from bot.store.models import Escalation
from bot.worker import Worker
from tests.escalations.test_intake import client, clock, post_trigger, services  # noqa: F401 (fixtures)
from tests.fakes.zendesk_server import FakeZendesk


async def test_a_payment_escalation_is_classified_once(
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient[Any, Any],  # noqa: F811
    services: Services,  # noqa: F811
    fake_zendesk: FakeZendesk,
) -> None:
    read: list[int] = []

    def counted(t: Ticket, tags: Any) -> Classification:
        read.append(t.id)
        return classifying.classify(t, tags)

    monkeypatch.setattr(intake, "classify", counted)
    fake_zendesk.add_escalation(
        7101,
        tags=("esc_senior", "esc_withdrawal"),
        text="Meu saque TX-8F3K29Q1 de ontem não caiu.",
    )
    assert await post_trigger(client, 7101) == "stored"
    await Worker(services).drain()
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == 7101))
    assert read == [7101]
    assert esc is not None and esc.status == "routed" and esc.category == "withdrawal"
    assert esc.enrichment is not None  # enrichment ran, on intake's classification
