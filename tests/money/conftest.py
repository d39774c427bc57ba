"""Money tests: the real HTTP adapter against the fake back office, the real Slack client
against the fake Slack, a fresh migrated database (SQLite and PostgreSQL); the Slack tests of
money (tests/handlers/slack/test_money.py) build theirs with money_services too."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.domain import Transaction, TxStatus, TxType
from bot.payments.findings import Findings, FindingState
from bot.services import Services
from bot.store.models import Escalation
from tests.fakes.backoffice_server import FakeBackoffice
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import NOW, add_escalation, find_pii, make_services

CUSTOMER = "CUS-77120034"
DEPOSIT = Transaction(
    id="TX-DEP-1001",
    type=TxType.DEPOSIT,
    amount=Decimal("500.00"),
    currency="BRL",
    status=TxStatus.COMPLETED,
    created_at=NOW - timedelta(days=1),
    customer_id=CUSTOMER,
    email="joao.pereira@gmail.com",
    provider="pix",
)
HELD = dataclasses.replace(
    DEPOSIT,
    id="TX-WDR-2002",
    type=TxType.WITHDRAWAL,
    status=TxStatus.PENDING,
    amount=Decimal("900.00"),
)
PAID_OUT = dataclasses.replace(HELD, id="TX-WDR-2003", status=TxStatus.COMPLETED)


class Clock:
    """A clock tests move by hand (the services read it through services.clock)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def money_services(
    database_url: str, fake_slack: FakeSlack, fake_backoffice: FakeBackoffice, clock: Clock
) -> AsyncIterator[Services]:
    """Services on the fake Slack and the fake back office (holding the customer's payments)."""
    fake_backoffice.add(DEPOSIT, HELD, PAID_OUT)
    base = make_services(database_url, fake_slack)
    adapter = fake_backoffice.adapter()
    svc = dataclasses.replace(base, transactions=adapter, adjustments=adapter, clock=clock)
    yield svc
    await adapter.close()
    await svc.db.dispose()
    leaked = find_pii(fake_slack.texts())
    assert not leaked, f"unmasked PII sent to Slack: {leaked}"


@pytest.fixture
async def services(
    database_url: str, fake_slack: FakeSlack, fake_backoffice: FakeBackoffice, clock: Clock
) -> AsyncIterator[Services]:
    async for svc in money_services(database_url, fake_slack, fake_backoffice, clock):
        yield svc


async def escalation(services: Services, **fields: Any) -> Escalation:
    """An escalation whose lookup matched the customer's deposit and withdrawals."""
    findings = Findings(FindingState.FOUND, transactions=(DEPOSIT, HELD, PAID_OUT))
    fields.setdefault("enrichment", findings.to_json())
    return await add_escalation(services, **fields)
