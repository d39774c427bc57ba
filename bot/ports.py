"""The interfaces each integration implements: a real client, and fakes in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.config import Tags
    from bot.domain import LookupBy, Ticket, TransactionPage

# The "event" of the trigger body Zendesk sends when a ticket Baton handles is solved or closed
# (the escalation trigger's "event" is the escalation tag itself).
TICKET_SOLVED_EVENT = "ticket_solved"


@dataclass(frozen=True)
class TicketUpdate:
    """One Zendesk ticket update: everything a routing (or another action) writes at once."""

    ticket_id: int
    assignee_id: int | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    priority: str | None = None
    status: str | None = None
    internal_note: str | None = None
    public_reply: str | None = None
    # A marker written into the comment so a retried delivery can tell it already landed.
    marker: str | None = None
    # The comment's author (an analyst's Zendesk id); None: the API user.
    author_id: int | None = None


@dataclass(frozen=True)
class TicketComment:
    """One comment as Zendesk lists it (what a retried public reply looks for)."""

    id: int
    body: str
    public: bool
    author_id: int | None = None


@dataclass(frozen=True)
class WebhookSetup:
    webhook_id: str
    trigger_id: int  # the escalation trigger
    created_webhook: bool
    created_trigger: bool
    signing_secret: str | None = None
    solved_trigger_id: int | None = None  # the trigger for escalated tickets solved or closed
    created_solved_trigger: bool = False
    compliance_trigger_id: int | None = None  # a compliance tag on a ticket Baton holds
    created_compliance_trigger: bool = False


class ZendeskPort(Protocol):
    async def get_ticket(self, ticket_id: int) -> Any:
        """Read a ticket with its requester (a bot.domain.Ticket)."""
        ...

    async def with_comments(self, ticket: Ticket) -> Ticket:
        """The ticket with every comment's text (public and private) and attachments seen."""
        ...

    async def update_ticket(self, update: TicketUpdate) -> dict[str, Any]:
        """Apply one update; returns a small result dict (e.g. the audit id)."""
        ...

    async def has_marker(self, ticket_id: int, marker: str) -> bool:
        """Whether a comment carrying marker is already on the ticket."""
        ...

    async def latest_comments(self, ticket_id: int, *, limit: int = 20) -> list[TicketComment]:
        """The ticket's newest comments, newest first."""
        ...

    async def setup_webhook(self, *, endpoint_url: str, tags: Tags) -> WebhookSetup:
        """Create or update the webhook and the three triggers that call it (idempotent)."""
        ...


@dataclass(frozen=True)
class SlackPost:
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    ts: str | None = None  # set: update that message in place (chat.update)
    metadata_key: str | None = None  # idempotency key carried in message metadata


@dataclass(frozen=True)
class SlackFile:
    """A file to share in Slack (a chart image)."""

    filename: str
    content: bytes
    title: str
    alt_text: str = ""


class SlackPort(Protocol):
    async def post(self, message: SlackPost) -> dict[str, Any]:
        """Post (or update, when ts is set) a message; returns {"channel", "ts"}."""
        ...

    async def upload_files(
        self, channel: str, files: list[SlackFile], *, comment: str | None = None
    ) -> list[str]:
        """Share files in a channel (files_upload_v2); returns their file ids."""
        ...

    async def open_dm(self, user_id: str) -> str:
        """Open a DM with a user; returns its channel id."""
        ...


class TransactionsPort(Protocol):
    """A transactions source (integrations/transactions: the SQL and the HTTP adapter).

    Failures raise IntegrationError("transactions", …): retryable for timeouts, refused
    connections and 5xx; not retryable for a source that answers nonsense.
    """

    async def find(
        self, by: LookupBy, value: str, *, limit: int = 10, cursor: str | None = None
    ) -> TransactionPage:
        """Transactions whose `by` field equals value, newest first, a page at a time."""
        ...

    async def close(self) -> None:
        """Release connections (engine, HTTP session)."""
        ...
