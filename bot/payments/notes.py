"""The "Transactions:" paragraph of Baton's internal notes (English, like every ticket note)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, is_currency

from bot.domain import Transaction, TxStatus
from bot.payments.failures import explain
from bot.payments.findings import Findings, FindingState, MatchedBy

_HEADLINES = {
    MatchedBy.ID: "found by the transaction id in the ticket",
    MatchedBy.PROVIDER_REFERENCE: "found by the provider reference in the ticket",
    MatchedBy.AMOUNT_AND_DATE: "found by amount and date among the customer's transactions",
}
_ENGLISH = str  # the catalogue's texts are English message ids: shown as they are


def money(amount: Decimal, currency: str) -> str:
    """An amount as an English note writes it (BRL 2,500.00; 2350 USDT for tokens)."""
    code = currency.upper()
    if is_currency(code):
        return str(format_currency(amount, code, format="¤¤ #,##0.00", locale="en"))
    return f"{amount.normalize():f} {code}"


def paragraph(findings: Findings, *, tz: ZoneInfo) -> list[str]:
    """The lines about transactions in a routing note or the follow-up note."""
    state = findings.state
    if state is FindingState.PENDING:
        return [
            "Transactions: lookup pending (the transactions source did not answer in time); "
            "the findings will follow in a note."
        ]
    if state is FindingState.UNAVAILABLE:
        return ["Transactions: not looked up (no transactions source is available)."]
    asked = _asked(findings.asked)
    if state is FindingState.NOT_RECEIVED:
        return not_received(findings.asked)
    if state is FindingState.FOUND and findings.matched_by in _HEADLINES:
        head = f"Transactions: {_HEADLINES[MatchedBy(findings.matched_by)]}:"
    elif state is FindingState.FOUND:
        head = "Transactions: the ticket names no transaction; the customer's latest:"
    elif findings.transactions:
        head = f"Transactions: nothing matches {asked}; the customer's latest:"
    elif findings.asked.keys() & {"reference", "amount"}:
        return [f"Transactions: nothing in the source matches {asked}."]
    else:
        return ["Transactions: the customer has no recent transactions in the source."]
    return [head, *(line for tx in findings.transactions for line in tx_lines(tx, tz=tz))]


def not_received(asked_map: Mapping[str, str]) -> list[str]:
    """The call-out for a deposit the source does not have, and what to ask the provider."""
    refs = asked_map.get("reference")
    ask = ["the end-to-end id / reference " + refs if refs else "the payer's proof of transfer"]
    if asked_map.get("amount") and asked_map.get("currency"):
        ask.append("the amount " + money(Decimal(asked_map["amount"]), asked_map["currency"]))
    if asked_map.get("date"):
        ask.append("the date " + asked_map["date"])
    return [
        "Transactions: NOT RECEIVED FROM THE PROVIDER. The transactions source has no deposit "
        f"matching what the customer reports ({_asked(asked_map)}).",
        "Ask the provider whether they received or settled this payment, quoting "
        + ", ".join(ask)
        + "; ask for its status and the payer's bank and account. Ask the customer for the "
        "bank's receipt showing the end-to-end id if the ticket has none.",
    ]


def tx_lines(tx: Transaction, *, tz: ZoneInfo) -> list[str]:
    """One transaction in a note, with the failure explained when it failed."""
    at = tx.created_at.astimezone(tz)
    parts = [
        f"{tx.type.value} {money(tx.amount, tx.currency)}",
        tx.status.value + (f" ({tx.failure_code})" if tx.failure_code else ""),
        f"{at:%Y-%m-%d %H:%M} ({tz.key})",
    ]
    via = " / ".join(v for v in (tx.provider, tx.method) if v)
    if via:
        parts.append(via)
    parts.append(f"id {tx.id}")
    if tx.provider_reference:
        parts.append(f"provider ref {tx.provider_reference}")
    lines = ["  • " + ", ".join(parts)]
    found = explain(tx.failure_code) if tx.status in (TxStatus.FAILED, TxStatus.REVERSED) else None
    if found is not None:
        summary, next_step = found.render(_ENGLISH)
        lines.append(f"    {summary} Next step: {next_step}")
    return lines


def _asked(asked: Mapping[str, str]) -> str:
    """What the ticket named, in a few words."""
    bits = []
    if asked.get("amount") and asked.get("currency"):
        bits.append(money(Decimal(asked["amount"]), asked["currency"]))
    if asked.get("date"):
        bits.append("on " + asked["date"])
    if asked.get("reference"):
        bits.append("ref " + asked["reference"])
    return " ".join(bits) if bits else "what the ticket names"


def enriched_note(findings: Findings, *, tz: ZoneInfo) -> str:
    """The follow-up note when a lookup that was pending at routing completes."""
    if findings.state is FindingState.UNAVAILABLE:
        return (
            "Baton: gave up on the transactions lookup that was pending at routing (the "
            "transactions source did not answer); look the customer up in the back office."
        )
    head = "Baton: the transactions lookup that was pending at routing has completed."
    return "\n".join([head, *paragraph(findings, tz=tz)])
