"""The failure-code catalogue: every code explained and translated; tolerant lookup; round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot import i18n
from bot.domain import Transaction, TxStatus, TxType
from bot.payments.failures import _CATALOGUE, explain
from bot.payments.findings import Findings, FindingState

ENGLISH = i18n.translator("en")


@pytest.mark.parametrize("code", list(_CATALOGUE))
@pytest.mark.parametrize("locale", [loc for loc in i18n.LOCALES if loc != "en"])
def test_every_code_has_both_texts_translated(code: str, locale: str) -> None:
    found = explain(code)
    assert found is not None and found.known and found.code == code
    summary, next_step = found.render(i18n.translator(locale))
    assert summary and next_step and summary != next_step
    # A translated catalog entry differs from the English source text.
    assert summary != found.summary and next_step != found.next_step


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("INSUFFICIENT_FUNDS", "insufficient_funds"),
        ("Not enough balance", "insufficient_funds"),  # Adyen's refusal reason
        ("do-not-honor", "do_not_honor"),
        (" Expired Card ", "expired_card"),
        ("incorrect_account_holder_name", "name_mismatch"),  # Stripe's payout failure code
        ("invalid_account_number", "invalid_account"),
        ("Withdrawal amount exceeded", "limit_exceeded"),
        ("fraudulent", "fraud_suspected"),
        ("PIX-KEY-NOT-FOUND", "pix_key_not_found"),
        ("could_not_process", "processing_error"),
    ],
)
def test_lookup_is_case_and_separator_tolerant(raw: str, code: str) -> None:
    found = explain(raw)
    assert found is not None and found.code == code and found.known


def test_specific_next_steps_say_what_to_do() -> None:
    timeout = explain("provider_timeout")
    name = explain("name_mismatch")
    kyc = explain("kyc_pending")
    assert timeout and "provider reference" in timeout.render(ENGLISH)[1]
    assert name and "bank statement" in name.render(ENGLISH)[1]
    assert kyc and "proof of address" in kyc.render(ENGLISH)[1]


def test_unknown_code_shows_the_raw_code_in_every_language() -> None:
    found = explain("ERR_77x")
    assert found is not None and not found.known
    for locale in i18n.LOCALES:
        summary, _next = found.render(i18n.translator(locale))
        assert "ERR_77x" in summary


def test_no_code_no_explanation() -> None:
    assert explain(None) is None
    assert explain("  ") is None


def test_findings_round_trip_through_json() -> None:
    tx = Transaction(
        id="TX-8F3K29Q1",
        type=TxType.WITHDRAWAL,
        amount=Decimal("2500.00"),
        currency="BRL",
        status=TxStatus.FAILED,
        created_at=datetime(2026, 11, 12, 14, 3, tzinfo=UTC),
        provider_reference="E18236120202611121403s0a1b2c3d4e",
        email="ana@example.com",
        provider="pix",
        method="pix",
        failure_code="name_mismatch",
    )
    findings = Findings(
        FindingState.FOUND, (tx,), "id", {"reference": "TX-8F3K29Q1", "email": "ana@example.com"}
    )
    assert Findings.from_json(findings.to_json()) == findings
    assert Findings.from_json({"state": "pending"}) == Findings(FindingState.PENDING)
