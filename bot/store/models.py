"""SQLAlchemy tables: escalations, decisions, availability, audit, inbox, outbox, health, and the
Slack requests already seen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}  # noqa: RUF012


class Escalation(Base):
    """One escalation of one Zendesk ticket, from intake to resolution."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # Equals ticket_id while the escalation is open, NULL once resolved: a unique column that
    # makes "one open escalation per ticket" a database guarantee, on SQLite and PostgreSQL alike.
    open_ticket_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str | None] = mapped_column(String(30))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text, default="")
    requester_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    agent_id: Mapped[int | None] = mapped_column(BigInteger)  # the outsourcing agent who escalated
    analyst_key: Mapped[str | None] = mapped_column(String(64), index=True)
    missing: Mapped[list[Any] | None] = mapped_column(JSON)
    ticket_created_at: Mapped[datetime | None]
    # The customer's clock starts at received_at (first arrival); the desk's at desk_started_at
    # (the escalation became complete: a bounced ticket's wait for the agent is not the desk's).
    # Indexed: reports select a period's escalations by arrival (bench/report.py).
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    desk_started_at: Mapped[datetime | None]
    routed_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    last_action_at: Mapped[datetime | None]  # the owner's latest action (claim, draft, reply, …)
    resolved_at: Mapped[datetime | None]
    # Stored deadlines (bot/escalations/deadlines.py): resolution, first analyst action, claim.
    sla_due_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    claim_due_at: Mapped[datetime | None]
    # What the transactions lookup found for a payment escalation (bot/payments/findings),
    # as JSON; NULL for other categories. state "pending" while the source is down or slow.
    enrichment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # KYC checks (bot/documents)
    # The Jira issues of this escalation as the alerts show them: [{key, url, status}, ...]
    # (bot/jira/links.py keeps it in step with jira_links).
    jira_issues: Mapped[list[Any] | None] = mapped_column(JSON)
    # The provider incident it is linked to ("INC-3"), as its alerts show it (bot/incidents).
    incident_ref: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RoutingDecisionRow(Base):
    """Every routing decision with its reasons: the answer to "why did this go to Ana?"."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    analyst_key: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    language_needed: Mapped[str | None] = mapped_column(String(10))
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    next_shift_at: Mapped[datetime | None]
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityRow(Base):
    """An away mark or a cover override."""

    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analyst_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # away | cover
    covering_for: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when: every action on an escalation and every read of transactions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class InboxEvent(Base):
    """A webhook stored durably before it is acknowledged; the worker processes it once."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # zendesk | jira
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(100))
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The event as the webhook read it (bot/events), its dataclass's fields.
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The raw body, only in rows stored before the webhooks parsed it (read with the same parser).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The retry budget counts from here (received_at until an operator retries it by hand).
    retry_from: Mapped[datetime | None]
    # Claimed before others when work waits (bot/store/queue): 1 for a VIP escalation.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_inbox_events_status_available", "status", "available_at"),)


class OutboxMessage(Base):
    """One outbound action (Zendesk update, Slack message, Jira call), delivered at most once."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    service: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(50))
    # Rows sharing a key (one Zendesk ticket, one escalation's Slack messages) are delivered
    # one at a time, in the order they were enqueued; NULL: no order to keep.
    ordering_key: Mapped[str | None] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sending|done|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The retry budget counts from here (created_at until an operator retries it by hand).
    retry_from: Mapped[datetime | None]
    # Claimed before others when work waits (bot/store/queue): 1 for a VIP escalation's.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_outbox_status_available", "status", "available_at"),)


class Timer(Base):
    """One reminder, breach, claim time-out or handover, due at a stored time; fired once.

    Rows go through the shared queue (bot/store/queue.py): claimed with a lease; the
    firing and its effects commit together (bot/timers/runner.py).
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # (kind, escalation, deadline) or (handover, shift end): the same timer is stored once.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    deadline_at: Mapped[datetime]  # the deadline it is about (a handover: the shift end)
    # When it fires ("available_at": the queue's name for it). Pending while it waits.
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|firing|done|…
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)  # what it did, for operators and the demo
    last_error: Mapped[str | None] = mapped_column(Text)
    retry_from: Mapped[datetime | None]

    __table_args__ = (Index("ix_timers_status_available", "status", "available_at"),)


class JiraLink(Base):
    """A Jira issue Baton created for an escalation: at most one per escalation and project."""

    __tablename__ = "jira_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    project: Mapped[str] = mapped_column(String(40))
    issue_key: Mapped[str] = mapped_column(String(60), unique=True)
    issue_id: Mapped[str] = mapped_column(String(40), unique=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("escalation_id", "project"),)


class AlertMessage(Base):
    """Where an escalation's Slack alert lives, so it is updated in place, not re-posted."""

    __tablename__ = "alert_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # channel | dm | compliance | leads
    channel: Mapped[str] = mapped_column(String(40))
    ts: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceHealth(Base):
    """Whether a service (zendesk, slack, jira) is failing, shared by every worker."""

    __tablename__ = "service_health"

    service: Mapped[str] = mapped_column(String(20), primary_key=True)
    failing_since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row, since the last success
    # Nothing is sent to the service before this (a Retry-After, or the next probe of an outage).
    paused_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)  # leads told it is down
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServiceBudget(Base):
    """A service's requests left in its current rate-limit window, drawn by every process."""

    __tablename__ = "service_budgets"

    service: Mapped[str] = mapped_column(String(20), primary_key=True)
    per_minute: Mapped[int] = mapped_column(Integer)  # the limit the window started with
    window_starts: Mapped[datetime]  # when Baton refilled it: older answers are of another
    window_ends: Mapped[datetime]
    left: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DraftRow(Base):
    """A reply draft between the analyst's clicks: what was previewed or edited is what is sent."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    language_source: Mapped[str] = mapped_column(String(20))  # tag | text | locale | default | …
    language_note: Mapped[str | None] = mapped_column(Text)  # an N_ message id ({locale})
    requester_locale: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="preview")  # preview | sent | noted
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ResolutionRow(Base):
    """How an escalation ended (SPEC §10): one per escalation, amended when resolved again."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), unique=True)
    root_cause: Mapped[str] = mapped_column(String(30), index=True)  # bot.domain.RootCause
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(30))  # bot.domain.CustomerOutcome
    # Could the outsourcing team have handled it, and if so what they lacked (bot.domain.Lacked).
    avoidable: Mapped[bool] = mapped_column(Boolean, default=False)
    lacked: Mapped[list[Any]] = mapped_column(JSON, default=list)
    zendesk_status: Mapped[str] = mapped_column(String(20))  # solved | pending
    resolved_by: Mapped[str] = mapped_column(String(64))  # analyst key; "zendesk" when closed there
    resolved_at: Mapped[datetime] = mapped_column(index=True)
    amended_at: Mapped[datetime | None]
    amendments: Mapped[int] = mapped_column(Integer, default=0)


class SeenSlackRequest(Base):
    """A signed Slack request already acted on, kept while its signature could still be
    accepted (its timestamp plus the tolerance), so a replay within that window acts never."""

    __tablename__ = "seen_slack_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 (hex) of X-Slack-Signature: the signature covers timestamp and body.
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


# --- money movements (SPEC §14) ----------------------------------------------------------------


class MoneyRequest(Base):
    """A credit, debit, refund or release asked for from Slack, and every decision on it.

    The amount is the Decimal's text (exact on SQLite and PostgreSQL alike, checked against
    the currency's minor units before it is stored); `approvals` lists who approved, in order.
    """

    __tablename__ = "money_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))  # credit | debit | refund | release
    amount: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    transaction_id: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    # The approvals it needs, fixed when it is asked for: lead, two approvers, compliance.
    needs_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_two: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_compliance: Mapped[bool] = mapped_column(Boolean, default=False)
    # requested | approved | rejected | expired | executing | completed | failed
    state: Mapped[str] = mapped_column(String(12), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    approvals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    backoffice_id: Mapped[str | None] = mapped_column(String(100))
    backoffice_status: Mapped[str | None] = mapped_column(String(20))
    backoffice_message: Mapped[str | None] = mapped_column(Text)
    manual_reference: Mapped[str | None] = mapped_column(String(100))
    # Where its approval message is, so it is edited in place as it is decided.
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))


# --- KYC and document checks (bot/documents, bot/kyc) ------------------------------------------


class DocumentFingerprint(Base):
    """A document number seen on a customer, as its keyed hash (bot/documents/fingerprints):
    the same number on another customer is found without any number stored in clear."""

    __tablename__ = "document_fingerprints"
    __table_args__ = (UniqueConstraint("fingerprint", "requester_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # HMAC-SHA256, hex
    kind: Mapped[str] = mapped_column(String(24))  # cpf, cn_ric, mrz:UTO:P, ...
    requester_id: Mapped[int] = mapped_column(BigInteger)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- dashboard (SPEC §16): sign-in sessions, failed sign-ins, Zendesk agents' names ----------


class DashboardSession(Base):
    """A signed-in dashboard browser: the cookie holds a random token, this row its hash."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 (hex)
    # The roster key of whoever signed in with Slack; "wallboard" for the token's read-only view.
    who: Mapped[str] = mapped_column(String(64))
    slack_id: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SignInFailure(Base):
    """One failed dashboard sign-in, by client address, counted to rate-limit guessing."""

    __tablename__ = "dashboard_signin_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ZendeskAgent(Base):
    """An outsourcing agent's Zendesk name, read from the Zendesk users API and kept."""

    __tablename__ = "zendesk_agents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- provider incidents (bot/incidents, SPEC §13) ---------------------------------------------


class Incident(Base):
    """A provider failing: the escalations it caused, worked and answered as one."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(60), index=True)  # lower case
    category: Mapped[str | None] = mapped_column(String(30))  # None: every payment category
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | resolving | resolved
    # "provider:category" while open, NULL once resolved: one open incident per group, a
    # database guarantee however many workers detect the same wave at once.
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(12))  # escalations | health | hand
    began_at: Mapped[datetime]  # the first linked escalation's arrival, or the health window
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(64))  # "baton" or an analyst key
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the figures that opened it
    jira_key: Mapped[str | None] = mapped_column(String(60))
    jira_url: Mapped[str | None] = mapped_column(Text)
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))
    root_cause: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str | None] = mapped_column(Text)
    reply_template: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    replies_total: Mapped[int] = mapped_column(Integer, default=0)  # bulk replies enqueued
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"


class IncidentLink(Base):
    """An escalation in an incident; kept when unlinked, so the grouping never re-joins it."""

    __tablename__ = "incident_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    # Equals escalation_id while linked, NULL once unlinked: one incident per escalation.
    active_escalation_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    linked_at: Mapped[datetime]
    linked_by: Mapped[str] = mapped_column(String(64))
    unlinked_at: Mapped[datetime | None]
    # The paused resolution clock: from paused_at, with sla_left_seconds left on it.
    paused_at: Mapped[datetime | None]
    sla_left_seconds: Mapped[float | None] = mapped_column(Float)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # once resumed
