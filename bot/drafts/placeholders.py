"""What a reply draft is filled with, and how it is gathered from an escalation and its ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.documents.findings import DocumentFindings
from bot.documents.findings import State as DocumentState
from bot.domain import Analyst, Category, Ticket, Transaction, TxStatus
from bot.payments import failures
from bot.payments.findings import Findings, FindingState

if TYPE_CHECKING:
    from bot.store.models import Escalation


class Reason(StrEnum):
    """Why a payment failed, in words a customer may read (never the internal code)."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    PROVIDER_ERROR = "provider_error"
    VERIFICATION_PENDING = "verification_pending"
    NAME_MISMATCH = "name_mismatch"
    ACCOUNT_UNAVAILABLE = "account_unavailable"
    LIMIT_EXCEEDED = "limit_exceeded"
    CARD_DECLINED = "card_declined"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Document(StrEnum):
    ID_DOCUMENT = "id_document"
    SELFIE = "selfie"
    PROOF_OF_ADDRESS = "proof_of_address"
    BANK_STATEMENT = "bank_statement"
    PROOF_OF_PAYMENT = "proof_of_payment"


class DocumentIssue(StrEnum):
    EXPIRED = "expired"
    UNREADABLE = "unreadable"
    NAME_MISMATCH = "name_mismatch"
    OLD_ADDRESS_PROOF = "old_address_proof"
    INCOMPLETE = "incomplete"
    OTHER = "other"


# Canonical failure code (bot/payments/failures) → the reason the customer is told.
# Codes that would tip a customer off (fraud_suspected, aml_review) or that are the desk's own
# business (chargeback) say nothing specific: Reason.OTHER.
_REASONS: dict[str, Reason] = {
    "insufficient_funds": Reason.INSUFFICIENT_FUNDS,
    "provider_timeout": Reason.PROVIDER_ERROR,
    "processing_error": Reason.PROVIDER_ERROR,
    "beneficiary_bank_unavailable": Reason.PROVIDER_ERROR,
    "kyc_pending": Reason.VERIFICATION_PENDING,
    "name_mismatch": Reason.NAME_MISMATCH,
    "account_closed": Reason.ACCOUNT_UNAVAILABLE,
    "account_frozen": Reason.ACCOUNT_UNAVAILABLE,
    "invalid_account": Reason.ACCOUNT_UNAVAILABLE,
    "pix_key_not_found": Reason.ACCOUNT_UNAVAILABLE,
    "invalid_currency": Reason.ACCOUNT_UNAVAILABLE,
    "limit_exceeded": Reason.LIMIT_EXCEEDED,
    "card_declined": Reason.CARD_DECLINED,
    "do_not_honor": Reason.CARD_DECLINED,
    "expired_card": Reason.CARD_DECLINED,
    "invalid_card": Reason.CARD_DECLINED,
    "blocked_card": Reason.CARD_DECLINED,
    "debit_not_authorized": Reason.CARD_DECLINED,
    "duplicate": Reason.DUPLICATE,
}

# Failure codes meaning compliance is reviewing the payment: whatever the ticket's category, the
# customer may be told only that it is under a routine review (failures.py's next step).
_UNDER_REVIEW = frozenset({"aml_review"})

DEFAULT_KYC_DOCUMENTS = (Document.ID_DOCUMENT, Document.SELFIE, Document.PROOF_OF_ADDRESS)


def missing_documents(esc: Escalation) -> tuple[Document, ...]:
    """The documents the check found still missing (bot/documents); the three when unchecked."""
    checked = DocumentFindings.from_json(esc.documents)
    if checked is None or checked.state is not DocumentState.DONE:
        return DEFAULT_KYC_DOCUMENTS
    return tuple(Document(d) for d in checked.missing)


def reason_for(code: str | None) -> Reason:
    """The customer-safe reason for a back office failure code (OTHER when unknown or none)."""
    explained = failures.explain(code)
    if explained is None or not explained.known:
        return Reason.OTHER
    return _REASONS.get(explained.code, Reason.OTHER)


@dataclass(frozen=True)
class DraftContext:
    """Everything a template may name; a missing value leaves its line out."""

    analyst_name: str  # first name, the signature; "" signs off without a name
    customer_name: str | None = None
    time_zone: str | None = None  # the customer's IANA zone; UTC when unknown
    locale: str | None = None  # the requester's Zendesk locale ("es-MX"): amounts and dates
    amount: Decimal | None = None
    currency: str | None = None  # ISO 4217 or a crypto code ("USDT")
    occurred_at: datetime | None = None  # aware
    reference: str | None = None  # shown verbatim
    method: str | None = None  # pix, card, bank_transfer, crypto, …
    reason: Reason = Reason.OTHER
    documents: tuple[Document, ...] = ()
    document_issue: DocumentIssue = DocumentIssue.OTHER


def findings_of(esc: Escalation) -> Findings | None:
    """The escalation's stored lookup findings, if any."""
    return Findings.from_json(esc.enrichment) if esc.enrichment else None


def held_for_review(findings: Findings | None) -> bool:
    """Whether any transaction the lookup found is held for an anti-money-laundering review."""
    if findings is None:
        return False
    for tx in findings.transactions:
        explained = failures.explain(tx.failure_code)
        if explained is not None and explained.known and explained.code in _UNDER_REVIEW:
            return True
    return False


def main_transaction(findings: Findings | None) -> Transaction | None:
    """The best-matched transaction of a finished lookup, if any."""
    if findings is None or findings.state is not FindingState.FOUND or not findings.transactions:
        return None
    return findings.transactions[0]


def first_name(name: str) -> str:
    """The first word of a full name (the analyst's signature)."""
    parts = name.split()
    return parts[0] if parts else name


def context_for(esc: Escalation, ticket: Ticket, analyst: Analyst | None) -> DraftContext:
    """Gather the draft's values from the escalation's findings, the ticket and the analyst."""
    findings = findings_of(esc)
    tx = main_transaction(findings)
    amount: Decimal | None = None
    currency: str | None = None
    occurred_at: datetime | None = None
    reference: str | None = None
    method: str | None = None
    reason = Reason.OTHER
    if tx is not None:
        amount, currency, occurred_at = tx.amount, tx.currency, tx.created_at
        reference, method = tx.provider_reference or tx.id, tx.method
        if tx.status in (TxStatus.FAILED, TxStatus.REVERSED, TxStatus.CANCELLED):
            reason = reason_for(tx.failure_code)
    elif findings is not None and findings.asked:
        # Not found in the back office: repeat what the customer told us, as they wrote it.
        asked = findings.asked
        if asked.get("amount"):
            try:
                amount = Decimal(asked["amount"])
            except ArithmeticError:
                amount = None
            currency = asked.get("currency") or None if amount is not None else None
        reference = asked.get("reference") or None
    documents: tuple[Document, ...] = ()
    if esc.category == Category.KYC.value:
        documents = missing_documents(esc)
    elif reason is Reason.NAME_MISMATCH:
        documents = (Document.BANK_STATEMENT,)
    return DraftContext(
        analyst_name=first_name(analyst.name) if analyst is not None else "",
        customer_name=ticket.requester.name.strip() or None,
        time_zone=ticket.requester.time_zone,
        locale=ticket.requester.locale,
        amount=amount,
        currency=currency if amount is not None else None,
        occurred_at=occurred_at,
        reference=reference,
        method=method,
        reason=reason,
        documents=documents,
    )
