"""Payment escalations enriched end to end: signed webhook → worker → the real transactions
adapters (a back office's SQL table, or its HTTP API on the fake back office) → the routing
note on the fake Zendesk and the alert on the fake Slack. A source that is down never delays
routing: the alert says the lookup is pending and is edited in place when it completes."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.config import BatonConfig, Delivery, Settings
from bot.config.transactions import TransactionsConfig
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.domain import Transaction, TxStatus, TxType
from bot.payments.findings import Findings, FindingState
from bot.ports import TransactionsPort
from bot.services import Services
from bot.slack_messages.alerts import AlertKind, render
from bot.store.db import Database
from bot.store.models import Escalation, OutboxMessage
from bot.worker import Worker
from integrations.slack import SlackClient
from integrations.transactions import SqlTransactions
from integrations.zendesk import ZendeskClient
from tests.fakes.backoffice_server import FakeBackoffice, backoffice_config
from tests.fakes.slack_server import TOKEN, FakeSlack
from tests.fakes.zendesk_server import EMAIL, FakeZendesk
from tests.fakes.zendesk_server import TOKEN as ZENDESK_TOKEN
from tests.handlers.slack.support import LEADS, ROUTING
from tests.integrations.transactions.backoffice_sql import make_backoffice_table
from tests.web import app_client, post_zendesk

ROOT = Path(__file__).resolve().parents[2]
SECRET = "enrichment-webhook-secret"
SP = load_roster(ROOT / "examples" / "roster.toml").timezone
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SP).astimezone(UTC)  # Ana and Bruno on shift
CUSTOMER = "renata.prado1985@gmail-demo.example"
STEP = timedelta(seconds=5)


def payment(
    tx_id: str,
    kind: TxType,
    amount: str,
    status: TxStatus,
    at: datetime,
    *,
    ref: str | None = None,
    code: str | None = None,
) -> Transaction:
    return Transaction(
        id=tx_id,
        type=kind,
        amount=Decimal(amount),
        currency="BRL",
        status=status,
        created_at=at.astimezone(UTC),
        provider_reference=ref,
        customer_id="C-7003",
        email=CUSTOMER,
        provider="pagfast",
        method="pix",
        failure_code=code,
    )


BOOKS = [
    payment(
        "TX-R5N8W2KC",
        TxType.WITHDRAWAL,
        "7800.00",
        TxStatus.FAILED,
        datetime(2026, 11, 15, 18, 2, tzinfo=SP),
        ref="E60701190202611152102abcdefghijk",
        code="name_mismatch",
    ),
    payment(
        "TX-DEP00001",
        TxType.DEPOSIT,
        "1000.00",
        TxStatus.COMPLETED,
        datetime(2026, 11, 2, 9, 0, tzinfo=SP),
    ),
]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


def make_services(
    db: Database,
    zendesk: FakeZendesk,
    slack: FakeSlack,
    clock: Clock,
    *,
    source: TransactionsPort,
    config: TransactionsConfig,
    delivery: Delivery | None = None,
) -> Services:
    settings = Settings(
        database_url=db.url,
        zendesk_webhook_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_api_url=slack.api_url,
        slack_routing_channel=ROUTING,
        slack_leads_channel=LEADS,
        config=BatonConfig(transactions=config, delivery=delivery or Delivery()),
    )
    return Services(
        settings=settings,
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=ZendeskClient(base_url=zendesk.url, email=EMAIL, token=ZENDESK_TOKEN),
        slack=SlackClient.from_settings(settings),
        transactions=source,
        clock=clock,
    )


@pytest.fixture
async def sql_services(
    db: Database,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    clock: Clock,
    tmp_path: Path,
) -> AsyncIterator[Services]:
    """The back office's own `payments` table (its names, words and cents) in SQLite."""
    url = f"sqlite:///{tmp_path / 'backoffice.db'}"
    config = make_backoffice_table(url, BOOKS)
    source = SqlTransactions(url, config)
    yield make_services(db, fake_zendesk, fake_slack, clock, source=source, config=config)
    await source.close()


@pytest.fixture
async def http_services(
    db: Database,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
    clock: Clock,
) -> AsyncIterator[Services]:
    """The back office's HTTP API (the fake back office), with a short routing timeout."""
    fake_backoffice.add(*BOOKS)
    config = backoffice_config(timeout_seconds=0.5)
    source = fake_backoffice.adapter(timeout_seconds=0.5)
    yield make_services(db, fake_zendesk, fake_slack, clock, source=source, config=config)
    await source.close()


async def escalate(
    services: Services, zendesk: FakeZendesk, ticket_id: int, category: str, text: str
) -> None:
    zendesk.add_escalation(
        ticket_id, tags=("esc_senior", f"esc_{category}"), text=text, email=CUSTOMER
    )
    async with app_client(services) as client:
        await _post(client, ticket_id)


async def _post(client: TestClient[Any, Any], ticket_id: int) -> None:
    body = {"ticket_id": str(ticket_id), "event": "esc_senior"}
    assert (await post_zendesk(client, SECRET, body)).status == 200


def notes(fake: FakeZendesk, ticket_id: int) -> list[str]:
    return [c["body"] for c in fake.state.comments[ticket_id] if "[baton:" in c["body"]]


def channel_messages(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return list(reversed(fake.messages.get(channel, [])))


def shown(message: dict[str, Any]) -> str:
    """Everything a reader sees in a message: its text and its blocks."""
    return message["text"] + json.dumps(message["blocks"], ensure_ascii=False)


async def run_until(worker: Worker, clock: Clock, done: Callable[[], bool], limit: int) -> int:
    """Let the worker run a pass every STEP of the clock until done(); returns passes taken."""
    for n in range(limit):
        if done():
            return n
        await worker.drain()
        clock.now += STEP
    raise AssertionError("not done in time")


async def test_a_failed_transaction_is_explained_in_the_routing_note_and_alert(
    sql_services: Services, fake_zendesk: FakeZendesk, fake_slack: FakeSlack
) -> None:
    await escalate(
        sql_services,
        fake_zendesk,
        401,
        "tx_failed",
        "O saque TX-R5N8W2KC de R$ 7.800,00 falhou ontem e ninguém explica o motivo.",
    )
    await Worker(sql_services).drain()

    [note] = notes(fake_zendesk, 401)
    assert "escalated to" in note
    assert "Transactions: found by the transaction id in the ticket:" in note
    assert "withdrawal BRL 7,800.00, failed (name_mismatch)" in note
    assert "The name on the bank account does not match" in note
    assert "bank statement showing the account in the customer's own name" in note
    [alert] = channel_messages(fake_slack, ROUTING)
    seen = shown(alert)
    assert "Found by the reference in the ticket" in seen and "bank statement" in seen
    assert CUSTOMER not in seen  # the customer's e-mail never reaches a channel
    async with sql_services.db.session() as s:
        esc = await s.scalar(select(Escalation))
    assert esc is not None and esc.enrichment is not None
    assert esc.enrichment["state"] == "found" and esc.enrichment["matched_by"] == "id"


async def test_a_deposit_the_source_lacks_is_called_out_as_not_received(
    sql_services: Services, fake_zendesk: FakeZendesk, fake_slack: FakeSlack
) -> None:
    e2e = "E18236120202611151234s0a1b2c3d4e"
    await escalate(
        sql_services,
        fake_zendesk,
        402,
        "deposit_missing",
        f"Fiz um PIX de R$ 2.500,00 ontem às 18h40 e não caiu. ID da transação (E2E): {e2e}.",
    )
    await Worker(sql_services).drain()

    [note] = notes(fake_zendesk, 402)
    assert "NOT RECEIVED FROM THE PROVIDER" in note
    assert f"end-to-end id / reference {e2e}" in note
    assert "BRL 2,500.00" in note and "2026-11-15" in note and "payer's bank" in note
    [alert] = channel_messages(fake_slack, ROUTING)
    assert "Not received from the provider" in shown(alert)


async def test_a_source_that_is_down_delays_the_findings_not_the_routing(
    http_services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
    clock: Clock,
) -> None:
    fake_backoffice.fail(503, times=None)
    await escalate(
        http_services,
        fake_zendesk,
        403,
        "withdrawal",
        "Meu saque TX-R5N8W2KC de ontem voltou, preciso do dinheiro.",
    )
    worker = Worker(http_services, timer_seconds=1e9)
    await worker.drain()

    # Routed at once: the ticket's note and the alert say the lookup is pending.
    [note] = notes(fake_zendesk, 403)
    assert "escalated to" in note and "lookup pending" in note
    [alert] = channel_messages(fake_slack, ROUTING)
    assert "Lookup pending" in shown(alert)
    ts = alert["ts"]

    # Two minutes down: the lookup is retried with backoff and the leads hear it once.
    tries_before = len(fake_backoffice.requests)
    end = clock.now + timedelta(minutes=2)
    while clock.now < end:
        await worker.drain()
        clock.now += STEP
    retries = len(fake_backoffice.requests) - tries_before
    assert 2 <= retries <= 12, retries  # backoff and probes, not one try per pass
    down = [m["text"] for m in channel_messages(fake_slack, LEADS)]
    assert len(down) == 1 and "the transactions source is not answering" in down[0]

    fake_backoffice.reset()
    await run_until(worker, clock, lambda: len(notes(fake_zendesk, 403)) == 2, limit=60)

    follow_up = notes(fake_zendesk, 403)[1]
    assert "lookup that was pending at routing has completed" in follow_up
    assert "failed (name_mismatch)" in follow_up and "bank statement" in follow_up
    # The same alert was edited in place: no second post in the channel.
    [alert] = channel_messages(fake_slack, ROUTING)
    assert alert["ts"] == ts
    assert any(
        c.params.get("ts") == ts and c.params.get("channel") == ROUTING
        for c in fake_slack.called("chat.update")
    )
    seen = shown(alert)
    assert "Lookup pending" not in seen and "bank statement" in seen
    async with http_services.db.session() as s:
        rows = list(
            await s.scalars(select(OutboxMessage).where(OutboxMessage.service == "transactions"))
        )
    assert [(r.status, r.idempotency_key) for r in rows] == [("done", "transactions:enrich:1")]


async def test_a_slow_source_does_not_hold_routing_up(
    http_services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
) -> None:
    fake_backoffice.hang(10)
    await escalate(http_services, fake_zendesk, 404, "withdrawal", "Saque TX-R5N8W2KC não chegou.")
    started = time.monotonic()
    worker = Worker(http_services, timer_seconds=1e9)
    await worker.run_once()
    assert time.monotonic() - started < 3.0  # the 0.5 s timeout, not the source's 10 s
    [note] = notes(fake_zendesk, 404)
    assert "lookup pending" in note
    fake_backoffice.reset()


async def test_a_source_down_past_the_retry_budget_is_given_up_visibly(
    db: Database,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
    clock: Clock,
) -> None:
    source = fake_backoffice.adapter(timeout_seconds=0.5)
    services = make_services(
        db,
        fake_zendesk,
        fake_slack,
        clock,
        source=source,
        config=backoffice_config(timeout_seconds=0.5),
        delivery=Delivery(retry_hours=0.25),  # a quarter of an hour, not a day
    )
    fake_backoffice.fail(503, times=None)
    await escalate(services, fake_zendesk, 405, "withdrawal", "Saque TX-R5N8W2KC não chegou.")
    worker = Worker(services, timer_seconds=1e9)
    await run_until(worker, clock, lambda: len(notes(fake_zendesk, 405)) == 2, limit=400)
    await source.close()

    assert "gave up on the transactions lookup" in notes(fake_zendesk, 405)[1]
    [alert] = channel_messages(fake_slack, ROUTING)
    seen = shown(alert)
    assert "Lookup pending" not in seen and "Not looked up" in seen
    leads = [m["text"] for m in channel_messages(fake_slack, LEADS)]
    assert any("not answering" in t for t in leads)
    assert any("gave up on the transactions source" in t for t in leads), leads


def test_a_compliance_case_shows_its_findings_in_the_compliance_channel_only() -> None:
    enrichment = Findings(FindingState.FOUND, tuple(BOOKS[:1]), "id", {"email": CUSTOMER})
    esc = Escalation(
        id=9,
        ticket_id=409,
        status="routed",
        category="aml",
        subject="Saques fracionados",
        enrichment=enrichment.to_json(),
    )
    _text, public = render(esc, kind=AlertKind.CHANNEL, analyst=None)
    _text, private = render(esc, kind=AlertKind.COMPLIANCE, analyst=None)
    assert "TX-R5N8W2KC" not in json.dumps(public)
    assert "TX-R5N8W2KC" in json.dumps(private)


async def test_an_unassigned_escalation_keeps_its_findings_when_routed_later(
    sql_services: Services, fake_zendesk: FakeZendesk, fake_slack: FakeSlack, clock: Clock
) -> None:
    # Saturday 21 Nov 2026, 09:30 São Paulo: nobody works Saturday morning in that rota week.
    clock.now = datetime(2026, 11, 21, 9, 30, tzinfo=SP).astimezone(UTC)
    await escalate(sql_services, fake_zendesk, 406, "withdrawal", "O saque TX-R5N8W2KC não chegou.")
    worker = Worker(sql_services, timer_seconds=0)
    await worker.drain()
    [waiting] = notes(fake_zendesk, 406)
    assert "next shift starts" in waiting and "failed (name_mismatch)" in waiting
    [leads] = channel_messages(fake_slack, LEADS)
    assert "bank statement" in shown(leads)

    clock.now = datetime(2026, 11, 21, 14, 0, tzinfo=SP).astimezone(UTC)
    await worker.drain()
    routed = notes(fake_zendesk, 406)[1]
    assert "escalated to" in routed and "failed (name_mismatch)" in routed
    [alert] = channel_messages(fake_slack, ROUTING)
    assert "bank statement" in shown(alert)
