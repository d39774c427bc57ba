"""Baton's own plain data types: what integrations translate vendor objects into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum


class Category(StrEnum):
    """What an escalation is about, from the agent's category tag."""

    WITHDRAWAL = "withdrawal"
    DEPOSIT_MISSING = "deposit_missing"
    TX_FAILED = "tx_failed"
    KYC = "kyc"
    FRAUD = "fraud"
    AML = "aml"
    ACCOUNT = "account"

    @property
    def is_compliance(self) -> bool:
        return self in (Category.AML, Category.FRAUD)


class Role(StrEnum):
    ANALYST = "analyst"
    LEAD = "lead"
    COMPLIANCE = "compliance"


class EscalationStatus(StrEnum):
    RECEIVED = "received"
    INCOMPLETE = "incomplete"
    UNASSIGNED = "unassigned"
    ROUTED = "routed"
    CLAIMED = "claimed"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not EscalationStatus.RESOLVED


# Customer languages Baton supports, as short codes; drafts map them to catalog locales.
LANGUAGES: tuple[str, ...] = ("en", "pt", "es", "zh", "ru")


@dataclass(frozen=True)
class Shift:
    """A daily shift in the roster's local time; end <= start means it crosses midnight."""

    name: str
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Analyst:
    key: str
    name: str
    slack_id: str
    email: str
    shift: Shift
    languages: tuple[str, ...]
    # Days off per rota week, weekday numbers (Mon=0); week i of the cycle uses days_off[i % len].
    days_off: tuple[frozenset[int], ...] = (frozenset({5, 6}),)
    roles: frozenset[Role] = frozenset({Role.ANALYST})
    zendesk_id: int | None = None
    jira_account_id: str | None = None
    locale: str = "en"

    def speaks(self, language: str | None) -> bool:
        return language is None or language in self.languages

    def has_role(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Availability:
    """An away mark or a cover override, as stored; ends_at None means until cancelled."""

    analyst_key: str
    kind: str  # "away" or "cover"
    starts_at: datetime
    ends_at: datetime | None = None
    covering_for: str | None = None

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


@dataclass(frozen=True)
class Requester:
    id: int
    name: str = ""
    email: str = ""
    locale: str | None = None
    time_zone: str | None = None
    organization_id: int | None = None
    organization_name: str | None = None
    organization_tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ticket:
    """A Zendesk ticket as Baton sees it."""

    id: int
    subject: str
    description: str
    tags: frozenset[str]
    requester: Requester
    created_at: datetime
    status: str = "open"
    assignee_id: int | None = None
    submitter_id: int | None = None
    comments: tuple[str, ...] = ()
    has_attachments: bool = False
    updated_at: datetime | None = None

    @property
    def text(self) -> str:
        return "\n".join((self.subject, self.description, *self.comments))


@dataclass(frozen=True)
class TicketFacts:
    """What routing needs to know about a ticket."""

    ticket_id: int
    category: Category
    vip: bool
    language: str | None
    requester_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Load:
    """An analyst's open work, for spreading new escalations."""

    open_count: int = 0
    open_vip: int = 0
    last_assigned_at: datetime | None = None

    @property
    def weighted(self) -> int:
        # A VIP escalation counts double: it needs faster and more careful handling.
        return self.open_count + self.open_vip


@dataclass(frozen=True)
class RoutingDecision:
    analyst: Analyst | None
    reasons: tuple[str, ...]
    language_needed: str | None = None
    next_shift_at: datetime | None = None
    candidates: tuple[str, ...] = field(default=())

    @property
    def routed(self) -> bool:
        return self.analyst is not None


class TxType(StrEnum):
    """What a transaction is, in Baton's words (a back office's own words map to these)."""

    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    CREDIT = "credit"
    DEBIT = "debit"
    REFUND = "refund"
    CHARGEBACK = "chargeback"


class TxStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    REVERSED = "reversed"
    CANCELLED = "cancelled"


class LookupBy(StrEnum):
    """The keys a transactions source is searched by (SPEC §8)."""

    ID = "id"
    PROVIDER_REFERENCE = "provider_reference"
    CUSTOMER_ID = "customer_id"
    EMAIL = "email"


@dataclass(frozen=True)
class Transaction:
    """One payment as Baton sees it, whatever the back office calls its fields."""

    id: str
    type: TxType
    amount: Decimal  # in major units (12.34), whatever the source stores
    currency: str  # ISO 4217, upper case
    status: TxStatus
    created_at: datetime  # aware
    provider_reference: str | None = None
    customer_id: str | None = None
    email: str | None = None
    provider: str | None = None
    method: str | None = None  # pix, card, bank_transfer, e_wallet, crypto, …
    failure_code: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TransactionPage:
    """One page of a lookup, newest first; next_cursor is opaque (None: no more)."""

    transactions: tuple[Transaction, ...]
    next_cursor: str | None = None


class RootCause(StrEnum):
    """Why an escalation happened: the fixed taxonomy of SPEC §10."""

    PROVIDER_DELAY = "provider_delay"
    PROVIDER_FAILURE = "provider_failure"
    CUSTOMER_ERROR = "customer_error"
    KYC_INCOMPLETE = "kyc_incomplete"
    DOCUMENT_SUSPICIOUS = "document_suspicious"
    INTERNAL_BUG = "internal_bug"
    PROCESS_GAP = "process_gap"
    FRAUD_CONFIRMED = "fraud_confirmed"
    OTHER = "other"


class CustomerOutcome(StrEnum):
    """What the customer got in the end."""

    FUNDS_CREDITED = "funds_credited"
    WITHDRAWAL_PAID = "withdrawal_paid"
    REFUNDED = "refunded"
    DOCUMENTS_APPROVED = "documents_approved"
    DOCUMENTS_REJECTED = "documents_rejected"
    ACCOUNT_RESTRICTED = "account_restricted"
    INFORMATION_GIVEN = "information_given"
    NO_ACTION_NEEDED = "no_action_needed"


class Lacked(StrEnum):
    """What the outsourcing team lacked when an escalation was avoidable."""

    ACCESS = "access"
    KNOWLEDGE = "knowledge"
    AUTHORITY = "authority"
    INFORMATION = "information"


# The Zendesk statuses a resolution may set (the Resolve modal's choice; solved first).
RESOLUTION_STATUSES = ("solved", "pending")


# Provider incidents (SPEC §13).


@dataclass(frozen=True)
class ProviderHealth:
    """A provider's transactions in the source since a time: how many, how many failed."""

    provider: str
    total: int
    failed: int


@dataclass(frozen=True)
class IncidentSummary:
    """An incident as lists, messages and the dashboard show it."""

    id: int
    ref: str  # "INC-3"
    provider: str
    category: str | None  # None: every payment category
    status: str  # open | resolved
    source: str  # escalations | health | hand
    since: datetime
    count: int  # escalations linked
    amounts: dict[str, Decimal]  # per currency, of the linked transactions
    analysts: tuple[str, ...]  # analyst keys on its escalations
    jira_key: str | None = None
    jira_url: str | None = None
    replies_total: int = 0
    replies_done: int = 0
    root_cause: str | None = None
    resolved_at: datetime | None = None
    jira_resolution: str | None = None  # Jira resolved its issue (while open)
