"""Detection from provider health on both adapters: a SQL back-office table (one GROUP BY)
and the HTTP API's /providers/health on the fake back office; a source without health is
skipped quietly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.domain import ProviderHealth, Transaction, TxStatus, TxType
from bot.incidents import health
from bot.services import Services, Unconfigured
from bot.store.db import Database
from integrations.transactions import SqlTransactions
from tests.fakes.backoffice_server import FakeBackoffice
from tests.incidents.support import CONFIG, MONDAY_10, incidents
from tests.integrations.transactions.backoffice_sql import make_backoffice_table

ROOT = Path(__file__).resolve().parents[2]


def _wave() -> list[Transaction]:
    """A week of normal traffic (2 % failing) for stark and pix; stark failing half the time in
    the last half hour, pix as usual."""
    out: list[Transaction] = []
    n = 0

    def tx(provider: str, at_minutes_ago: float, failed: bool) -> Transaction:
        nonlocal n
        n += 1
        return Transaction(
            id=f"T{n:05d}",
            type=TxType.DEPOSIT,
            amount=Decimal("100.00"),
            currency="BRL",
            status=TxStatus.FAILED if failed else TxStatus.COMPLETED,
            created_at=MONDAY_10 - timedelta(minutes=at_minutes_ago),
            provider_reference=f"E{n:08d}",
            provider=provider,
            failure_code="provider_timeout" if failed else None,
        )

    for provider in ("stark", "pix"):
        for i in range(200):  # the 7 days before the window
            out.append(tx(provider, 60 + i * 45, failed=i % 50 == 0))
    for i in range(40):  # the window
        out.append(tx("stark", i * 0.5, failed=i % 2 == 0))
        out.append(tx("pix", i * 0.5, failed=i == 0))
    return out


def _services(db: Database, source: object) -> Services:
    return Services(
        settings=Settings(database_url=db.url, config=CONFIG),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
        clock=Clock(MONDAY_10),
        transactions=source,  # type: ignore[arg-type]
    )


async def _only_stark_opens(services: Services) -> None:
    opened = await health.poll(services)
    [inc] = await incidents(services.db)
    assert opened == [inc.id]
    assert (inc.provider, inc.category, inc.source) == ("stark", None, "health")
    assert inc.health is not None and inc.health["failed"] == 20
    assert await health.poll(services) == []  # open already: not twice


async def test_sql_adapter_counts_in_one_query(db: Database) -> None:
    config = make_backoffice_table(db.url, _wave())
    source = SqlTransactions(db.url, config)
    try:
        await _only_stark_opens(_services(db, source))
    finally:
        await source.close()


async def test_http_adapter_reads_provider_health(
    db: Database, fake_backoffice: FakeBackoffice
) -> None:
    fake_backoffice.add(*_wave())
    fake_backoffice.serves_health = True
    source = fake_backoffice.adapter()
    try:
        await _only_stark_opens(_services(db, source))
    finally:
        await source.close()
    asked = [r for r in fake_backoffice.requests if r.path == "/providers/health"]
    assert asked and all(r.args["since"].endswith("Z") for r in asked)


async def test_a_back_office_without_health_is_skipped(
    db: Database, fake_backoffice: FakeBackoffice
) -> None:
    fake_backoffice.add(*_wave())  # serves_health stays False: 404
    source = fake_backoffice.adapter()
    try:
        services = _services(db, source)
        assert await health.read(services) is None
        assert await health.poll(services) == []
        assert await health.poll(_services(db, Unconfigured("transactions"))) == []
    finally:
        await source.close()
    assert await incidents(db) == []


@pytest.mark.parametrize(
    ("window", "week", "spikes"),
    [
        ([ProviderHealth("x", 40, 20)], [ProviderHealth("x", 1000, 40)], 1),
        ([ProviderHealth("x", 40, 9)], [ProviderHealth("x", 1000, 9)], 0),  # < min_failures
        ([ProviderHealth("x", 100, 12)], [ProviderHealth("x", 1100, 112)], 0),  # usual rate
    ],
)
def test_spike_rule(window: list[ProviderHealth], week: list[ProviderHealth], spikes: int) -> None:
    assert len(health.spikes(window, week, CONFIG.incidents)) == spikes
