"""The demo's sample back office agrees with the bundled escalations, and the demo shows findings.

The sample data is examples/backoffice/transactions.csv (written by examples/make_transactions.py);
examples/config.toml maps its names and words. A ticket that names a transaction finds it, a
stuck withdrawal or failed payment finds the record that explains it, and the deposits that
never arrived are deliberately absent.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.config import load_batonconfig
from bot.demo.backoffice import backoffice_url, load_backoffice
from bot.demo.run import run_demo
from bot.domain import LookupBy, TxStatus, TxType
from bot.payments.asked import references_in
from bot.payments.failures import explain
from integrations.transactions import SqlTransactions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CSV = EXAMPLES / "backoffice" / "transactions.csv"
CONFIG = load_batonconfig(EXAMPLES / "config.toml").transactions
PAYMENT_TAGS = {"esc_withdrawal": "WDR", "esc_deposit_missing": "DEP", "esc_tx_failed": "DEP"}

# What each payment ticket is about, as the back office must have it:
# (reference the ticket quotes or None, kind, state, amount in major units, currency).
STORIES: dict[int, tuple[str | None, str, str, str, str]] = {
    31001: ("TX-8F3K29Q1", "WDR", "PROC", "4800", "EUR"),  # SEPA "sent", not at the bank
    31002: (None, "WDR", "PEND", "2350", "USDT"),  # pending since Friday
    31004: ("pi_3MtwBwLkdIwHu7ix28a3tqPa", "DEP", "FAIL", "1200", "USD"),  # do_not_honor
    31006: (None, "DEP", "FAIL", "8000", "CNY"),  # bank transfer refused: name mismatch
    31009: (None, "WDR", "FAIL", "6500", "USD"),  # the wire nobody explained
    31012: (None, "WDR", "PAID", "15000", "RUB"),  # complete at the PSP
    31013: ("TX-7Q2M44ZD", "DEP", "FAIL", "750", "USD"),  # provider timeout
    31016: (None, "DEP", "FAIL", "25000", "MXN"),  # insufficient funds
    31018: ("WD-2026111703", "WDR", "FAIL", "3000", "USDT"),  # rejected
    31019: (None, "WDR", "PAID", "1850", "USDT"),  # the partial payout
    31022: ("DEP-2026111904", "DEP", "PEND", "0.85", "BTC"),  # on chain, not credited
    31023: (None, "WDR", "REV", "7800", "BRL"),  # returned by the bank
    31027: ("DEP-2026112117", "DEP", "PROC", "20000", "CNY"),  # UnionPay, not settled
    31028: ("TX-R5N8W2KC", "DEP", "FAIL", "50000", "RUB"),  # do_not_honor
}
# The failure codes the complaints are about.
CODES = {
    31004: "do_not_honor",
    31006: "name_mismatch",
    31009: "beneficiary_bank_unavailable",
    31013: "provider_timeout",
    31016: "insufficient_funds",
    31023: "name_mismatch",
    31028: "do_not_honor",
}
# Deposits the customer reports that the back office never received: (ticket, amount, ccy, day).
ABSENT = {
    31003: ("E18236120202611151234s0a1b2c3d4e", Decimal("2500"), "BRL", "2026-11-15"),
    31026: (None, Decimal("1200"), "USD", "2026-11-20"),
}


def escalations() -> list[dict[str, Any]]:
    lines = (EXAMPLES / "escalations.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def tickets() -> dict[int, dict[str, Any]]:
    return {int(str(d["id"])): d for d in escalations()}


def payment_tickets() -> dict[int, dict[str, Any]]:
    return {n: d for n, d in tickets().items() if PAYMENT_TAGS.keys() & set(d["tags"])}


def email_of(ticket: dict[str, Any]) -> str:
    return str(ticket["requester"]["email"])


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def amount(row: dict[str, str]) -> Decimal:
    exponent = CONFIG.currency_exponents.get(row["ccy"], 2)
    return Decimal(row["amount_cents"]).scaleb(-exponent)


def created(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["created"].replace("Z", "+00:00"))


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_transactions", EXAMPLES / "make_transactions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_the_file_is_what_the_generator_writes(rows: list[dict[str, str]]) -> None:
    # Regenerating gives the same file: the data can be changed by changing the script.
    assert generator().build() == rows


def test_a_few_hundred_transactions_of_about_sixty_customers(rows: list[dict[str, str]]) -> None:
    assert 400 <= len(rows) <= 700
    assert 50 <= len({r["client_id"] for r in rows}) <= 70
    assert len({r["txn_ref"] for r in rows}) == len(rows)
    assert {r["ccy"] for r in rows} >= {"BRL", "USD", "EUR", "CNY", "RUB", "USDT"}
    assert {r["method"] for r in rows} >= {"pix", "card", "sepa", "spei", "unionpay", "skrill"}
    # Two months before the bundled tickets (16-22 Nov 2026).
    first, last = min(map(created, rows)), max(map(created, rows))
    assert first < datetime(2026, 9, 20, tzinfo=UTC) and last < datetime(2026, 11, 23, tzinfo=UTC)


def test_the_back_office_speaks_its_own_words_and_the_config_maps_them(
    rows: list[dict[str, str]],
) -> None:
    header = list(rows[0])
    assert set(CONFIG.fields.values()) == set(header)  # every column is mapped, by its own name
    assert {r["state"] for r in rows} == set(CONFIG.status_values)
    assert {r["kind"] for r in rows} == set(CONFIG.type_values)
    assert set(CONFIG.status_values.values()) == set(TxStatus)
    assert set(CONFIG.type_values.values()) == set(TxType)
    assert all(re.fullmatch(r"-?\d+", r["amount_cents"]) for r in rows)  # minor units


def test_every_failure_code_is_in_the_catalogue(rows: list[dict[str, str]]) -> None:
    used = {r["error_code"] for r in rows if r["error_code"]}
    unknown = [code for code in used if not getattr(explain(code), "known", False)]
    assert not unknown
    assert len(used) >= 10
    # Failures carry a code; completed payments do not.
    assert all(r["error_code"] for r in rows if r["state"] == "FAIL")
    assert not any(r["error_code"] for r in rows if r["state"] == "PAID" and r["kind"] != "CBK")


def test_every_requester_is_a_customer_with_one_id(rows: list[dict[str, str]]) -> None:
    ids: dict[str, set[str]] = {}
    for r in rows:
        ids.setdefault(r["client_email"], set()).add(r["client_id"])
    for ticket in tickets().values():
        assert len(ids.get(email_of(ticket), ())) == 1, email_of(ticket)
    emails: dict[str, set[str]] = {}
    for r in rows:
        emails.setdefault(r["client_id"], set()).add(r["client_email"])
    assert all(len(e) == 1 for e in emails.values())


def test_every_payment_ticket_is_a_story_or_a_deliberate_absence() -> None:
    assert set(payment_tickets()) == set(STORIES) | set(ABSENT)


@pytest.mark.parametrize("number", sorted(STORIES))
def test_the_complaint_finds_its_transaction(number: int, rows: list[dict[str, str]]) -> None:
    ticket = tickets()[number]
    ref, kind, state, value, ccy = STORIES[number]
    text = f"{ticket['subject']} {ticket['description']}"
    mine = [r for r in rows if r["client_email"] == email_of(ticket)]
    matches = [
        r
        for r in mine
        if (r["kind"], r["state"], amount(r), r["ccy"]) == (kind, state, Decimal(value), ccy)
        and created(r) <= datetime.fromisoformat(str(ticket["created_at"]))
    ]
    assert matches, f"#{number}: no {kind} {state} {value} {ccy}"
    if ref is not None:
        assert ref in text
        assert any(ref in (r["txn_ref"], r["psp_ref"]) for r in matches)
    if number in CODES:
        assert {r["error_code"] for r in matches} == {CODES[number]}


@pytest.mark.parametrize("number", sorted(ABSENT))
def test_the_missing_deposit_is_absent_from_the_back_office(
    number: int, rows: list[dict[str, str]]
) -> None:
    ticket = tickets()[number]
    ref, value, ccy, day = ABSENT[number]
    mine = [r for r in rows if r["client_email"] == email_of(ticket)]
    assert mine  # a known customer, with ordinary deposits that did arrive
    assert any(r["kind"] == "DEP" and r["state"] == "PAID" for r in mine)
    if ref is not None:
        assert ref in str(ticket["description"])
        assert not any(ref in (r["txn_ref"], r["psp_ref"]) for r in rows)
    around = datetime.fromisoformat(day).replace(tzinfo=UTC)
    near = [
        r
        for r in mine
        if r["kind"] == "DEP"
        and r["ccy"] == ccy
        and abs(created(r) - around) < timedelta(days=4)
        and abs(amount(r) - value) <= value / 10
    ]
    assert not near


def test_every_reference_a_payment_ticket_names_is_found_but_the_absent_ones(
    rows: list[dict[str, str]],
) -> None:
    known = {r["txn_ref"] for r in rows} | {r["psp_ref"] for r in rows if r["psp_ref"]}
    absent = {ref for ref, *_ in ABSENT.values() if ref}
    named = {
        ref
        for t in payment_tickets().values()
        for ref in references_in(f"{t['subject']} {t['description']}")
    }
    assert named >= absent and len(named) >= 8
    assert named - absent <= known
    assert not absent & known


# -- the demo ------------------------------------------------------------------------------


async def test_the_sql_adapter_reads_the_loaded_sample(tmp_path: Path) -> None:
    url = backoffice_url(f"sqlite:///{tmp_path}/demo.db")
    assert url == f"sqlite:///{tmp_path}/demo-backoffice.db"
    count = await asyncio.to_thread(load_backoffice, url, CONFIG)
    source = SqlTransactions(url, CONFIG)
    try:
        await source.check()
        (btc,) = (await source.find(LookupBy.ID, "DEP-2026111904")).transactions
        assert (btc.type, btc.status, btc.amount, btc.currency) == (
            TxType.DEPOSIT,
            TxStatus.PENDING,
            Decimal("0.85"),
            "BTC",
        )
        okafor = await source.find(LookupBy.PROVIDER_REFERENCE, "pi_3MtwBwLkdIwHu7ix28a3tqPa")
        assert [tx.failure_code for tx in okafor.transactions] == ["do_not_honor"] * 3
        page = await source.find(LookupBy.EMAIL, "renata.prado1985@gmail-demo.example", limit=5)
        assert len(page.transactions) == 5 and page.next_cursor
        assert page.transactions[0].created_at > page.transactions[-1].created_at
        customer = page.transactions[0].customer_id
        assert customer and (await source.find(LookupBy.CUSTOMER_ID, customer)).transactions
    finally:
        await source.close()
    assert count > 400


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    asyncio.run(
        run_demo(database_url=f"sqlite:///{folder}/demo.db", escalations=None, echo=lines.append)
    )
    yield "\n".join(lines), folder


def blocks(out: str) -> dict[int, str]:
    """Each ticket's rows in the routing table, up to the next ticket."""
    table = out.split("\nWhat Baton would send")[0]
    parts = re.split(r"^ {2}(\d{5}) ", table, flags=re.MULTILINE)
    return {int(n): text for n, text in zip(parts[1::2], parts[2::2], strict=True)}


def test_the_demo_loads_the_back_office_next_to_its_database(demo: tuple[str, Path]) -> None:
    out, folder = demo
    assert (folder / "demo-backoffice.db").exists()
    with CSV.open(encoding="utf-8") as f:
        count = sum(1 for _ in f) - 1
    assert f"a back office of {count} transactions" in out


def test_the_demo_prints_the_findings_of_each_routed_payment_escalation(
    demo: tuple[str, Path],
) -> None:
    out, _ = demo
    table = blocks(out)
    routed = {n for n, text in table.items() if "— incomplete" not in text}
    for number in payment_tickets().keys() & routed:
        assert "Transactions:" in table[number], number
    for number in tickets().keys() - payment_tickets().keys():
        assert "Transactions:" not in table[number], number
    # The ones that name an id or a provider reference find it by that.
    for number, (ref, *_rest) in STORIES.items():
        if ref and number in routed:
            assert ref in table[number] and "found by the" in table[number], number


def test_failed_payments_are_explained_with_the_next_step(demo: tuple[str, Path]) -> None:
    table = blocks(demo[0])
    for number in (31013, 31016, 31028):
        found = explain(CODES[number])
        assert found is not None
        text = " ".join(table[number].split())
        assert " ".join(str(found.summary).split()) in text, number
        assert "Next step: " + " ".join(str(found.next_step).split()) in text, number


def test_the_absent_deposits_are_called_out_as_not_received(demo: tuple[str, Path]) -> None:
    table = blocks(demo[0])
    for number, (ref, *_rest) in ABSENT.items():
        assert "NOT RECEIVED FROM THE PROVIDER" in table[number], number
        if ref:
            assert ref in table[number]
    others = set(table) - set(ABSENT)
    assert not any("NOT RECEIVED" in table[n] for n in others)


def test_the_held_withdrawal_gets_a_neutral_draft_and_compliance_gets_its_cases(
    demo: tuple[str, Path],
) -> None:
    out, _ = demo
    drafts = out.split("\nWhat Baton would send")[-1]
    (line,) = [ln for ln in drafts.splitlines() if ln.startswith("  #31018 to ")]
    assert line.endswith("looking_into_it")  # held for an AML review: no "rejected" reply
    table = blocks(out)
    # Eduarda (compliance) is on shift on Tuesday and Thursday afternoon: she gets both.
    for number in (31010, 31020):
        assert "Eduarda Rocha" in table[number] and "compliance role" in table[number], number
    assert "no compliance analyst on shift" in " ".join(table[31021].split())
