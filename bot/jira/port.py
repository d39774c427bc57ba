"""What Baton asks of Jira, as its own dataclasses and a Protocol (integrations/jira.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SERVICE = "jira"


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
