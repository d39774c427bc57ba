"""What a payment ticket names, and matching it against a real back office (the HTTP adapter
on the fake back-office server): by reference, by amount and date, the recent ones, "not
received", and a slow, failing or missing source that must never hold routing up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import BatonConfig, Settings
from bot.demo.bundle import load_bundled
from bot.desk.roster import load_roster
from bot.domain import Category, Requester, Ticket, Transaction, TxStatus, TxType
from bot.escalations.classify import classify
from bot.escalations.enrichment import for_ticket, inline
from bot.payments.asked import amounts_in, day_in, references_in, ticket_asks
from bot.payments.findings import Findings, FindingState
from bot.services import Services, Unconfigured
from bot.store.db import Database
from bot.store.models import ServiceHealth
from tests.fakes.backoffice_server import FakeBackoffice, backoffice_config

ROOT = Path(__file__).resolve().parents[2]
ROSTER = load_roster(ROOT / "examples" / "roster.toml")
SP = ZoneInfo("America/Sao_Paulo")
PAYMENT_TAGS = {"esc_withdrawal", "esc_deposit_missing", "esc_tx_failed"}

# What each bundled payment escalation names (examples/escalations.jsonl), read by a person.
EXPECTED: dict[int, dict[str, str]] = {
    31001: {"reference": "TX-8F3K29Q1", "amount": "4800", "currency": "EUR", "date": "2026-11-12"},
    31002: {"amount": "2350", "currency": "USDT", "date": "2026-11-13"},
    31003: {
        "reference": "E18236120202611151234s0a1b2c3d4e",
        "amount": "2500.00",
        "currency": "BRL",
        "date": "2026-11-15",  # "ontem", written on the 16th in São Paulo
    },
    31004: {
        "reference": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "amount": "1200",
        "currency": "USD",
        "date": "2026-11-16",  # "today" in New York (the card number is no amount)
    },
    31006: {"amount": "8000", "currency": "CNY", "date": "2026-11-16"},  # 昨天, in Shanghai
    31009: {},
    31012: {"amount": "15000", "currency": "RUB", "date": "2026-11-17"},  # вчера, in Moscow
    31013: {
        "reference": "TX-7Q2M44ZD pi_3NbK2aLkdIwHu7ix1c9ZPq0R",
        "amount": "750",
        "currency": "USD",
    },
    31016: {"amount": "25000", "currency": "MXN", "date": "2026-11-18"},
    31018: {
        "reference": "WD-2026111703",
        "amount": "3000",
        "currency": "USDT",
        "date": "2026-11-17",
    },
    # "only 1.850 of the 2.350 USDT I asked for": the transaction is the larger one
    31019: {"amount": "2350", "currency": "USDT", "date": "2026-11-13"},
    31022: {
        "reference": "DEP-2026111904",
        "amount": "0.85",
        "currency": "BTC",
        "date": "2026-11-19",
    },
    31023: {"amount": "7800.00", "currency": "BRL", "date": "2026-11-18"},
    31026: {"amount": "1200", "currency": "USD", "date": "2026-11-20"},
    31027: {
        "reference": "DEP-2026112117",
        "amount": "20000",
        "currency": "CNY",
        "date": "2026-11-22",
    },
    31028: {"reference": "TX-R5N8W2KC", "amount": "50000", "currency": "RUB"},
}
BUNDLED = [
    t for t in load_bundled(ROOT / "examples" / "escalations.jsonl") if t.tags & PAYMENT_TAGS
]


def test_every_bundled_payment_escalation_is_expected() -> None:
    assert {t.id for t in BUNDLED} == set(EXPECTED)


@pytest.mark.parametrize("ticket", BUNDLED, ids=lambda t: str(t.id))
def test_bundled_payment_escalations_are_read_right(ticket: Ticket) -> None:
    asked = ticket_asks(ticket, default_tz=SP).to_map()
    assert asked.pop("email") == ticket.requester.email.lower()
    assert asked == EXPECTED[ticket.id]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("um PIX de R$ 2.500,00 ontem", "2500.00", "BRL"),
        ("withdrew $1,200.50 last week", "1200.50", "USD"),
        ("充值¥5000", "5000", "CNY"),
        ("我转了5000元", "5000", "CNY"),
        ("вывел 15 000 руб на карту", "15000", "RUB"),
        ("retiro de 2.350 USDT", "2350", "USDT"),
        ("sent 0.85 BTC", "0.85", "BTC"),
        ("EUR 4,800 on 12/11", "4800", "EUR"),
    ],
)
def test_amounts_in_local_formats(text: str, amount: str, currency: str) -> None:
    assert amounts_in(text) == [(Decimal(amount), currency)]


def test_numbers_without_a_currency_are_no_amounts() -> None:
    text = "CPF 123.456.789-09, card 4111 1111 1111 1111 exp 09/28, at 18h40, ticket 31003"
    assert amounts_in(text) == []


def test_references_each_once_and_not_inside_another() -> None:
    evm = "0x" + "ab12" * 16
    text = f"TX-8F3K29Q1 and again TX-8F3K29Q1; hash {evm}; Adyen 8815170000000000X1"
    assert references_in(text) == ("TX-8F3K29Q1", evm, "8815170000000000X1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fiz ontem", date(2026, 11, 15)),
        ("on 2026-11-02", date(2026, 11, 2)),
        ("el 10/11", date(2026, 11, 10)),
        ("on 30/12", date(2025, 12, 30)),  # a 30 December before today is last year's
        ("11月12日提现", date(2026, 11, 12)),
        ("позавчера", date(2026, 11, 14)),
        ("nothing dated", None),
    ],
)
def test_dates_relative_to_the_ticket(text: str, expected: date | None) -> None:
    assert day_in(text, today=date(2026, 11, 16)) == expected


# --- matching against the fake back office -------------------------------------------------

EMAIL = "renata.prado1985@gmail-demo.example"
TICKET_AT = datetime(2026, 11, 16, 11, 30, tzinfo=SP)


def tx(
    tx_id: str,
    kind: TxType,
    amount: str,
    status: TxStatus,
    at: datetime,
    *,
    currency: str = "BRL",
    ref: str | None = None,
    code: str | None = None,
) -> Transaction:
    return Transaction(
        id=tx_id,
        type=kind,
        amount=Decimal(amount),
        currency=currency,
        status=status,
        created_at=at.astimezone(UTC),
        provider_reference=ref,
        customer_id="C-7003",
        email=EMAIL,
        provider="pix-psp",
        method="pix",
        failure_code=code,
    )


def ticket(text: str, category: str) -> Ticket:
    return Ticket(
        id=31003,
        subject="Pagamento",
        description=text,
        tags=frozenset({"esc_senior", f"esc_{category}"}),
        requester=Requester(
            id=7003, name="Renata", email=EMAIL, locale="pt-BR", time_zone="America/Sao_Paulo"
        ),
        created_at=TICKET_AT,
    )


def services_for(db: Database, source: object, *, timeout: float = 2.0) -> Services:
    return Services(
        settings=Settings(
            config=BatonConfig(transactions=backoffice_config(timeout_seconds=timeout))
        ),
        db=db,
        roster=ROSTER,
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
        transactions=source,  # type: ignore[arg-type]
    )


@pytest.fixture
async def source(
    fake_backoffice: FakeBackoffice, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeBackoffice]:
    """The fake back office with the customer's books; every adapter made on it is closed."""
    made: list[Any] = []
    make = fake_backoffice.adapter

    def adapter(**kwargs: Any) -> Any:
        made.append(make(**kwargs))
        return made[-1]

    monkeypatch.setattr(fake_backoffice, "adapter", adapter)
    fake_backoffice.add(
        tx(
            "DEP-1",
            TxType.DEPOSIT,
            "1000.00",
            TxStatus.COMPLETED,
            datetime(2026, 11, 2, 9, 0, tzinfo=SP),
        ),
        tx(
            "WDR-9",
            TxType.WITHDRAWAL,
            "7800.00",
            TxStatus.FAILED,
            datetime(2026, 11, 18, 10, 0, tzinfo=SP),
            ref="E60701190202611181000abcdefghijk",
            code="name_mismatch",
        ),
        tx(
            "DEP-2",
            TxType.DEPOSIT,
            "2500.00",
            TxStatus.PENDING,
            datetime(2026, 11, 14, 18, 41, tzinfo=SP),
        ),
        tx(
            "WDR-1",
            TxType.WITHDRAWAL,
            "300.00",
            TxStatus.COMPLETED,
            datetime(2026, 11, 10, 8, 0, tzinfo=SP),
        ),
    )
    yield fake_backoffice
    for a in made:
        await a.close()


async def test_found_by_provider_reference(db: Database, source: FakeBackoffice) -> None:
    s = services_for(db, source.adapter())
    found = await inline(
        s,
        ticket("Saque E60701190202611181000abcdefghijk voltou", "withdrawal"),
        Category.WITHDRAWAL,
    )
    assert found.state is FindingState.FOUND and found.matched_by == "provider_reference"
    assert [t.id for t in found.transactions] == ["WDR-9"]
    # Each key was tried in turn: the id first, then the provider reference.
    keys = [
        next(k for k in r.args if k in ("id", "provider_reference", "email"))
        for r in source.requests
    ]
    assert keys == ["id", "provider_reference"]


async def test_found_by_amount_and_date_among_the_customers(
    db: Database, source: FakeBackoffice
) -> None:
    s = services_for(db, source.adapter())
    # Made on the 14th, named as the 15th (within two days), BRL 2,500 to the cent.
    text = "Fiz um PIX de R$ 2.500,00 ontem e não caiu"
    found = await inline(s, ticket(text, "deposit_missing"), Category.DEPOSIT_MISSING)
    assert found.state is FindingState.FOUND and found.matched_by == "amount_and_date"
    assert [t.id for t in found.transactions] == ["DEP-2"]
    assert found.asked["email"] == EMAIL and found.asked["date"] == "2026-11-15"
    assert source.requests[-1].args["email"] == EMAIL


async def test_a_reported_deposit_the_source_lacks_is_not_received(
    db: Database, source: FakeBackoffice
) -> None:
    s = services_for(db, source.adapter())
    text = "PIX de R$ 4.000,00 ontem, E2E E18236120202611151234s0a1b2c3d4e, não caiu"
    found = await inline(s, ticket(text, "deposit_missing"), Category.DEPOSIT_MISSING)
    assert found.state is FindingState.NOT_RECEIVED and found.transactions == ()
    assert found.asked["reference"] == "E18236120202611151234s0a1b2c3d4e"
    assert found.asked["amount"] == "4000.00" and found.asked["currency"] == "BRL"


async def test_amount_on_another_day_does_not_match(db: Database, source: FakeBackoffice) -> None:
    s = services_for(db, source.adapter())
    # BRL 1,000 was deposited on the 2nd; the customer speaks of the 12th.
    found = await inline(
        s, ticket("depósito de R$ 1.000,00 em 12/11", "deposit_missing"), Category.DEPOSIT_MISSING
    )
    assert found.state is FindingState.NOT_RECEIVED


async def test_nothing_named_shows_the_recent_ones_of_the_kind(
    db: Database, source: FakeBackoffice
) -> None:
    s = services_for(db, source.adapter())
    found = await inline(s, ticket("Meu saque não chegou", "withdrawal"), Category.WITHDRAWAL)
    assert found.state is FindingState.FOUND and found.matched_by == "recent"
    assert [t.id for t in found.transactions] == ["WDR-9", "WDR-1"]  # withdrawals, newest first


async def test_named_but_unmatched_withdrawal_is_no_match_with_the_recent(
    db: Database, source: FakeBackoffice
) -> None:
    s = services_for(db, source.adapter())
    found = await inline(s, ticket("saque de R$ 9.999,00", "withdrawal"), Category.WITHDRAWAL)
    assert found.state is FindingState.NO_MATCH and found.matched_by == "recent"
    assert [t.id for t in found.transactions] == ["WDR-9", "WDR-1"]


async def test_a_slow_source_is_pending_within_the_timeout(
    db: Database, source: FakeBackoffice
) -> None:
    source.hang(5)
    s = services_for(db, source.adapter(timeout_seconds=5), timeout=0.3)
    started = time.monotonic()
    found = await inline(s, ticket("saque TX-8F3K29Q1", "withdrawal"), Category.WITHDRAWAL)
    assert time.monotonic() - started < 1.5
    assert found.state is FindingState.PENDING and found.asked["reference"] == "TX-8F3K29Q1"


async def test_a_failing_source_is_pending(db: Database, source: FakeBackoffice) -> None:
    source.fail(503, times=None)
    s = services_for(db, source.adapter())
    found = await inline(s, ticket("saque TX-8F3K29Q1", "withdrawal"), Category.WITHDRAWAL)
    assert found.state is FindingState.PENDING


async def test_a_refusing_source_is_unavailable(db: Database, source: FakeBackoffice) -> None:
    s = services_for(db, source.adapter(token="wrong-token"))  # 401: no retry will fix it
    found = await inline(s, ticket("saque TX-8F3K29Q1", "withdrawal"), Category.WITHDRAWAL)
    assert found.state is FindingState.UNAVAILABLE


async def _for_ticket(services: Services, t: Ticket) -> Findings | None:
    return await for_ticket(services, t, classify(t, services.settings.config.tags))


async def test_no_source_is_unavailable_and_other_categories_are_not_looked_up(
    db: Database,
) -> None:
    s = services_for(db, Unconfigured("transactions"))
    found = await _for_ticket(s, ticket("saque TX-8F3K29Q1 de ontem", "withdrawal"))
    assert found is not None and found.state is FindingState.UNAVAILABLE
    assert await _for_ticket(s, ticket("KYC TX-8F3K29Q1 de ontem", "kyc")) is None


@pytest.mark.parametrize(
    ("text", "customer_id"),
    [
        ("customer id C-7003, deposit missing", "C-7003"),
        ("ID do cliente: 554433", "554433"),
        ("客户编号：A1234", "A1234"),
        ("номер клиента 77777", "77777"),
        ("the customer is angry", None),
    ],
)
def test_the_customer_id_a_ticket_names(text: str, customer_id: str | None) -> None:
    assert ticket_asks(ticket(text, "withdrawal"), default_tz=SP).customer_id == customer_id


async def test_by_customer_id_when_the_email_is_unknown_to_the_source(
    db: Database, source: FakeBackoffice
) -> None:
    s = services_for(db, source.adapter())
    t = replace(
        ticket("ID do cliente: C-7003. O saque de R$ 7.800,00 voltou", "withdrawal"),
        requester=Requester(id=1, email="other@example.com"),
    )
    found = await inline(s, t, Category.WITHDRAWAL)
    assert found.state is FindingState.FOUND and found.matched_by == "amount_and_date"
    assert [t.id for t in found.transactions] == ["WDR-9"]
    assert [r.args.get("customer_id") for r in source.requests][-1] == "C-7003"


async def test_a_source_known_to_be_down_is_not_waited_for(
    db: Database, source: FakeBackoffice
) -> None:
    async with db.session() as s:
        s.add(ServiceHealth(service="transactions", failures=3, announced=True))
    s_ = services_for(db, source.adapter())
    found = await _for_ticket(s_, ticket("saque TX-8F3K29Q1 de ontem", "withdrawal"))
    assert found is not None and found.state is FindingState.PENDING
    assert found.asked["reference"] == "TX-8F3K29Q1"
    assert source.requests == []  # the outbox retries it; routing does not spend the timeout
