"""What the automatic lookup found for an escalation, stored as JSON on the escalation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.domain import Transaction, TxStatus, TxType

MAX_MATCHES = 3


class FindingState(StrEnum):
    FOUND = "found"
    # The customer reports a deposit the source does not have: ask the provider.
    NOT_RECEIVED = "not_received"
    NO_MATCH = "no_match"
    # The source was down or slow; the lookup is retried through the outbox.
    PENDING = "pending"
    # No source configured, or the retries gave up.
    UNAVAILABLE = "unavailable"


class MatchedBy(StrEnum):
    ID = "id"
    PROVIDER_REFERENCE = "provider_reference"
    AMOUNT_AND_DATE = "amount_and_date"
    RECENT = "recent"


@dataclass(frozen=True)
class Findings:
    """The transactions matched to a ticket (best first, at most three) and what the ticket named.

    ``asked`` holds what the ticket named and the keys used (reference, amount, currency, date,
    email, customer_id), so a pending lookup can be repeated and the provider asked.
    """

    state: FindingState
    transactions: tuple[Transaction, ...] = ()
    matched_by: str | None = None
    asked: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the escalations.enrichment column)."""
        return {
            "state": self.state.value,
            "transactions": [_tx_to_json(tx) for tx in self.transactions],
            "matched_by": self.matched_by,
            "asked": dict(self.asked),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Findings:
        """Read back what ``to_json`` wrote."""
        return cls(
            state=FindingState(data["state"]),
            transactions=tuple(_tx_from_json(tx) for tx in data.get("transactions") or ()),
            matched_by=data.get("matched_by"),
            asked={str(k): str(v) for k, v in (data.get("asked") or {}).items()},
        )


def _tx_to_json(tx: Transaction) -> dict[str, Any]:
    return {
        "id": tx.id,
        "type": tx.type.value,
        "amount": str(tx.amount),
        "currency": tx.currency,
        "status": tx.status.value,
        "created_at": tx.created_at.isoformat(),
        "provider_reference": tx.provider_reference,
        "customer_id": tx.customer_id,
        "email": tx.email,
        "provider": tx.provider,
        "method": tx.method,
        "failure_code": tx.failure_code,
        "updated_at": tx.updated_at.isoformat() if tx.updated_at else None,
    }


def _tx_from_json(data: Mapping[str, Any]) -> Transaction:
    updated = data.get("updated_at")
    return Transaction(
        id=data["id"],
        type=TxType(data["type"]),
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        status=TxStatus(data["status"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        provider_reference=data.get("provider_reference"),
        customer_id=data.get("customer_id"),
        email=data.get("email"),
        provider=data.get("provider"),
        method=data.get("method"),
        failure_code=data.get("failure_code"),
        updated_at=datetime.fromisoformat(updated) if updated else None,
    )
