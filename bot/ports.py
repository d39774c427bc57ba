"""The interfaces each integration implements: a real client, and fakes in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from bot.config import Tags
    from bot.domain import LookupBy, ProviderHealth, Ticket, TransactionPage

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
class Attachment:
    """A file on a ticket's comment, as the comments list names it (read through content_url)."""

    id: int
    file_name: str
    content_type: str
    size: int
    content_url: str
    malware: str | None = None  # malware_scan_result: malware_found, not_scanned, ...


@dataclass(frozen=True)
class TicketFiles:
    """A ticket's comments (their text) and the files attached to them, oldest first."""

    comments: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


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


@dataclass(frozen=True)
class RateSeen:
    """What one answer said of the account's request budget (its rate-limit headers)."""

    at: datetime  # when the answer came
    limit: int | None = None  # requests per window: X-Rate-Limit, ratelimit-limit
    remaining: int | None = None  # left in the window: X-Rate-Limit-Remaining, ratelimit-remaining
    reset_seconds: float | None = None  # until the window refills: ratelimit-reset, Retry-After
    refused: bool = False  # a 429: nothing is left until reset_seconds


class ZendeskPort(Protocol):
    async def get_ticket(self, ticket_id: int) -> Ticket:
        """Read a ticket with its requester and organization."""
        ...

    async def with_comments(self, ticket: Ticket) -> Ticket:
        """The ticket with every comment's text (public and private) and attachments seen."""
        ...

    async def update_ticket(self, update: TicketUpdate) -> dict[str, Any]:
        """Apply one update; returns a small result dict (e.g. the audit id)."""
        ...

    async def files(self, ticket_id: int) -> TicketFiles:
        """The comments' text and every attachment (Baton's own notes left out)."""
        ...

    async def download(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        """An attachment's bytes from its content_url; over max_bytes raises TooLarge."""
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

    async def user_names(self, user_ids: list[int]) -> dict[int, str]:
        """The Zendesk names of these users (agents), those Zendesk knows."""
        ...

    def rate_seen(self) -> RateSeen | None:
        """What the latest answer said of the rate limit (None: nothing said yet)."""
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


@dataclass(frozen=True)
class SlackView:
    """A modal Slack opened: its id, and the hash that guards updating it (hash_conflict)."""

    id: str
    hash: str


class SlackPort(Protocol):
    """Slack's Web API as Baton uses it (integrations/slack.py), failures as IntegrationError."""

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

    async def find_message(self, channel: str, key: str) -> str | None:
        """The ts of a recent message carrying key in its metadata (the history), if any."""
        ...

    async def user_locale(self, user_id: str) -> str | None:
        """The user's Slack locale ("pt-BR", users.info), if Slack tells."""
        ...

    async def views_open(self, trigger_id: str, view: dict[str, Any]) -> SlackView:
        """Open a modal within its trigger's 3 seconds."""
        ...

    async def views_update(self, view_id: str, view_hash: str, view: dict[str, Any]) -> None:
        """Replace an open modal, unless it changed since view_hash."""
        ...

    async def views_publish(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish a user's App Home tab."""
        ...

    async def respond(
        self, response_url: str, *, text: str, blocks: list[dict[str, Any]], replace: bool
    ) -> None:
        """Answer an interaction later through its response_url (ephemeral to the user)."""
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

    async def provider_health(self, *, since: datetime) -> list[ProviderHealth] | None:
        """Each provider's transactions since a time, and how many failed (None: no health)."""
        ...

    async def close(self) -> None:
        """Release connections (engine, HTTP session)."""
        ...


@dataclass(frozen=True)
class Adjustment:
    """One approved money movement, as `POST {TRANSACTIONS_URL}/adjustments` takes it (§14)."""

    idempotency_key: str  # baton-adjustment-<request id>: the same key, the first answer
    type: str  # credit | debit | refund | release
    customer_id: str
    amount: str  # the Decimal's text, e.g. "123.45"
    currency: str
    transaction_id: str | None
    reason: str
    note: str
    ticket_id: int
    requested_by: str
    approved_by: tuple[str, ...]


@dataclass(frozen=True)
class AdjustmentResult:
    """The back office's answer: its id, completed | pending | rejected, and its message."""

    id: str
    status: str
    message: str | None = None


class AdjustmentsPort(Protocol):
    """A back office that moves money (the HTTP adapter); failures as IntegrationError."""

    async def adjust(self, adjustment: Adjustment) -> AdjustmentResult:
        """Apply one adjustment once: a repeat with the same key returns the first answer."""
        ...


# Jira: what Baton asks of it, as its own dataclasses and a Protocol (integrations/jira.py).

JIRA_SERVICE = "jira"


@dataclass(frozen=True)
class IssueDraft:
    """An issue to create: project key, issue type (a name, or an id in digits), the text."""

    project: str
    issue_type: str
    summary: str
    description: tuple[str, ...]  # paragraphs of plain text
    labels: tuple[str, ...]
    link_title: str | None = None  # the Zendesk ticket, shown as the description's first line
    link_url: str | None = None
    priority: str | None = None  # a priority name (VIP), or None for the project's default


@dataclass(frozen=True)
class JiraIssue:
    key: str
    id: str
    url: str  # the issue's page (browse URL), for people


@dataclass(frozen=True)
class JiraServerInfo:
    base_url: str
    version: str
    deployment_type: str  # "Cloud" or "Server"/"DataCenter" as Jira says it
    title: str

    @property
    def cloud(self) -> bool:
        return self.deployment_type == "Cloud"


@dataclass(frozen=True)
class JiraWebhookSetup:
    webhook_id: str
    created: bool
    url: str
    events: tuple[str, ...]
    jql: str


class JiraPort(Protocol):
    async def create_issue(self, draft: IssueDraft) -> JiraIssue:
        """Create one issue (no lookups of names, no reload)."""
        ...

    async def find_issue(self, *, project: str, label: str) -> JiraIssue | None:
        """The oldest issue of project carrying label, if any (the deployment's search)."""
        ...

    async def add_remote_link(self, *, issue_key: str, url: str, title: str, check: bool) -> bool:
        """Link the issue to url; with check, skip it when a link to url exists. True: added."""
        ...

    async def add_comment(self, *, issue_key: str, text: str, marker: str, check: bool) -> bool:
        """Comment on the issue (text ends with marker); with check, skip if marker is there."""
        ...

    async def server_info(self) -> JiraServerInfo:
        """What the server says it is (one request)."""
        ...

    async def setup_webhook(
        self, *, url: str, secret: str | None, events: tuple[str, ...], jql: str
    ) -> JiraWebhookSetup:
        """Create or update Baton's webhook through the admin webhook API (idempotent)."""
        ...


# Sign in with Slack (OpenID Connect) for the dashboard: integrations/slack.SlackSignIn.


@dataclass(frozen=True)
class SignedIn:
    """Who Slack says signed in, from openid.connect.token and openid.connect.userInfo."""

    slack_id: str
    team_id: str | None
    name: str
    locale: str | None
    nonce: str | None  # the id_token's nonce: must be the one sent to /authorize


class SignInPort(Protocol):
    async def sign_in(self, *, code: str, redirect_uri: str) -> SignedIn:
        """Exchange an authorization code for the person it names."""
        ...
