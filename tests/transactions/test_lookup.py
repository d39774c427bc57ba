"""Transactions lookups for people: the key a query names, paging, the role gate, and an audit
entry for every read — found, none, failed, unconfigured and refused — against the HTTP adapter
on the fake back office."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import BatonConfig, Settings
from bot.demo.bundle import Clock
from bot.desk.permissions import Actor, actor_for
from bot.desk.roster import load_roster
from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.errors import UserFacingError, UserFacingNotFound
from bot.services import Services, Unconfigured
from bot.store.db import Database
from bot.store.models import AuditEntry, Escalation
from bot.transactions.lookup import lookup, lookup_for_escalation, parse_query
from integrations.zendesk import ZendeskClient
from tests.fakes.backoffice_server import FakeBackoffice, backoffice_config
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.handlers.slack.support import CARLA, EDUARDA, OUTSIDER

ROOT = Path(__file__).resolve().parents[2]
ROSTER = load_roster(ROOT / "examples" / "roster.toml")
NOW = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)
CUSTOMER = "t.whitfield@mailbox-demo.example"


def withdrawal(n: int) -> Transaction:
    return Transaction(
        id=f"TX-W{n:07d}",
        type=TxType.WITHDRAWAL,
        amount=Decimal("100.00") * n,
        currency="EUR",
        status=TxStatus.COMPLETED if n % 3 else TxStatus.FAILED,
        created_at=NOW - timedelta(days=n),
        provider_reference=f"SEPA{n:012d}X",
        customer_id="C-7001",
        email=CUSTOMER,
        provider="sepa-bank",
        method="bank_transfer",
        failure_code=None if n % 3 else "account_closed",
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
    fake_backoffice.add(*(withdrawal(n) for n in range(1, 8)))
    yield fake_backoffice
    for a in made:
        await a.close()


def make_services(db: Database, transactions: Any, zendesk: FakeZendesk | None = None) -> Services:
    return Services(
        settings=Settings(config=BatonConfig(transactions=backoffice_config(timeout_seconds=1))),
        db=db,
        roster=ROSTER,
        zendesk=(
            ZendeskClient(base_url=zendesk.url, email=EMAIL, token=TOKEN)
            if zendesk
            else Unconfigured("zendesk")
        ),
        slack=Unconfigured("slack"),
        transactions=transactions,
        clock=Clock(NOW),
    )


def analyst() -> Actor:
    return actor_for(ROSTER, CARLA)


async def audit(db: Database) -> list[tuple[str, dict[str, Any]]]:
    async with db.session() as s:
        rows = await s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "transactions.lookup")
            .order_by(AuditEntry.id)
        )
        return [(r.actor, r.detail) for r in rows]


@pytest.mark.parametrize(
    ("query", "by", "value"),
    [
        ("T.Whitfield@Mailbox-Demo.example", LookupBy.EMAIL, "t.whitfield@mailbox-demo.example"),
        ("<mailto:ana@x.example|ana@x.example>", LookupBy.EMAIL, "ana@x.example"),
        (
            "ref: pi_3NbK2aLkdIwHu7ix1c9ZPq0R",
            LookupBy.PROVIDER_REFERENCE,
            "pi_3NbK2aLkdIwHu7ix1c9ZPq0R",
        ),
        ("id:TX-8F3K29Q1", LookupBy.ID, "TX-8F3K29Q1"),
        ("customer: C-7001", LookupBy.CUSTOMER_ID, "C-7001"),
        ("TX-8F3K29Q1", None, "TX-8F3K29Q1"),
    ],
)
def test_the_key_a_query_names(query: str, by: LookupBy | None, value: str) -> None:
    assert parse_query(query) == (by, value)


async def test_found_by_email_a_page_at_a_time_each_read_audited(
    db: Database, source: FakeBackoffice
) -> None:
    services = make_services(db, source.adapter())
    first = await lookup(services, actor=analyst(), query=CUSTOMER)
    assert first.by is LookupBy.EMAIL and len(first.transactions) == 5
    assert [t.id for t in first.transactions][:2] == ["TX-W0000001", "TX-W0000002"]  # newest first
    assert first.next_cursor is not None
    second = await lookup(services, actor=analyst(), query=CUSTOMER, cursor=first.next_cursor)
    assert [t.id for t in second.transactions] == ["TX-W0000006", "TX-W0000007"]
    assert second.next_cursor is None
    rows = await audit(db)
    assert [(actor, d["by"], d["count"], d["outcome"]) for actor, d in rows] == [
        ("carla", "email", 5, "found"),
        ("carla", "email", 2, "found"),
    ]
    assert rows[0][1]["query"] == CUSTOMER and rows[1][1]["cursor"] == first.next_cursor


async def test_an_unprefixed_value_tries_id_then_reference(
    db: Database, source: FakeBackoffice
) -> None:
    services = make_services(db, source.adapter())
    found = await lookup(services, actor=analyst(), query="SEPA000000000003X")
    assert found.by is LookupBy.PROVIDER_REFERENCE and [t.id for t in found.transactions] == [
        "TX-W0000003"
    ]
    asked = [next(k for k in ("id", "provider_reference") if k in r.args) for r in source.requests]
    assert asked == ["id", "provider_reference"]


async def test_nothing_found_is_audited_as_none(db: Database, source: FakeBackoffice) -> None:
    services = make_services(db, source.adapter())
    found = await lookup(services, actor=analyst(), query="nobody@example.com")
    assert found.transactions == () and found.next_cursor is None
    [(_actor, detail)] = await audit(db)
    assert detail["outcome"] == "none" and detail["count"] == 0 and detail["by"] == "email"


async def test_a_failing_source_is_a_friendly_error_and_audited(
    db: Database, source: FakeBackoffice
) -> None:
    source.fail(502, times=None)
    services = make_services(db, source.adapter())
    with pytest.raises(UserFacingError) as err:
        await lookup(services, actor=analyst(), query=CUSTOMER)
    assert "not answering" in str(err.value)
    [(_actor, detail)] = await audit(db)
    assert detail["outcome"] == "failed" and detail["error"] == "HTTP 502"


async def test_a_slow_source_gives_up_at_the_timeout(db: Database, source: FakeBackoffice) -> None:
    source.hang(5)
    services = make_services(db, source.adapter(timeout_seconds=5))
    with pytest.raises(UserFacingError) as err:
        await lookup(services, actor=analyst(), query=CUSTOMER)
    assert "within 1 seconds" in str(err.value)
    source.reset()
    [(_actor, detail)] = await audit(db)
    assert detail["outcome"] == "failed" and detail["error"] == "timeout"


async def test_no_source_configured(db: Database) -> None:
    services = make_services(db, Unconfigured("transactions"))
    with pytest.raises(UserFacingError) as err:
        await lookup(services, actor=analyst(), query=CUSTOMER)
    assert "No transactions source is configured" in str(err.value)
    [(_actor, detail)] = await audit(db)
    assert detail["outcome"] == "failed" and detail["error"] == "not configured"


async def test_outsiders_are_refused_and_nothing_is_read(
    db: Database, source: FakeBackoffice
) -> None:
    services = make_services(db, source.adapter())
    with pytest.raises(UserFacingError) as err:
        await lookup(services, actor=actor_for(ROSTER, OUTSIDER), query=CUSTOMER)
    assert "Only analysts, leads and compliance" in str(err.value)
    assert source.requests == []
    [(actor, detail)] = await audit(db)
    assert actor == f"slack:{OUTSIDER}" and detail["outcome"] == "refused"


async def add_escalation(db: Database, *, category: str, enrichment: Any = None) -> int:
    async with db.session() as s:
        esc = Escalation(
            ticket_id=31001,
            open_ticket_id=31001,
            status="routed",
            category=category,
            analyst_key="ana",
            requester_id=7001,
            received_at=NOW,
            enrichment=enrichment,
        )
        s.add(esc)
        await s.flush()
        return esc.id


async def test_for_an_escalation_by_the_email_its_findings_name(
    db: Database, source: FakeBackoffice
) -> None:
    services = make_services(db, source.adapter())
    esc_id = await add_escalation(
        db,
        category="withdrawal",
        enrichment={"state": "no_match", "asked": {"email": CUSTOMER, "amount": "4800"}},
    )
    found = await lookup_for_escalation(services, actor=analyst(), escalation_id=esc_id)
    assert found.by is LookupBy.EMAIL and len(found.transactions) == 5
    async with db.session() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.escalation_id == esc_id))
    assert entry is not None and entry.ticket_id == 31001 and entry.detail["outcome"] == "found"


async def test_for_an_escalation_without_findings_the_ticket_names_the_customer(
    db: Database, source: FakeBackoffice, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(31001, requester_id=7001, email=CUSTOMER)
    services = make_services(db, source.adapter(), zendesk=fake_zendesk)
    esc_id = await add_escalation(db, category="withdrawal")
    found = await lookup_for_escalation(services, actor=analyst(), escalation_id=esc_id)
    assert len(found.transactions) == 5 and source.requests[0].args["email"] == CUSTOMER


async def test_compliance_cases_only_for_compliance_leads_and_their_analyst(
    db: Database, source: FakeBackoffice
) -> None:
    services = make_services(db, source.adapter())
    esc_id = await add_escalation(
        db, category="aml", enrichment={"state": "found", "asked": {"email": CUSTOMER}}
    )
    with pytest.raises(UserFacingError):
        await lookup_for_escalation(services, actor=analyst(), escalation_id=esc_id)
    assert source.requests == []
    found = await lookup_for_escalation(
        services, actor=actor_for(ROSTER, EDUARDA), escalation_id=esc_id
    )
    assert found.transactions
    outcomes = [d["outcome"] for _a, d in await audit(db)]
    assert outcomes == ["refused", "found"]
    with pytest.raises(UserFacingNotFound):
        await lookup_for_escalation(services, actor=analyst(), escalation_id=999)
