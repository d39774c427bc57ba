"""The services container: built once by the app factory and passed to everything below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.desk.roster import Roster
from bot.errors import NotConfigured
from bot.metrics import Metrics
from bot.ports import (
    AdjustmentsPort,
    JiraPort,
    SignInPort,
    SlackPort,
    TransactionsPort,
    ZendeskPort,
)
from bot.store.db import Database
from bot.store.models import utcnow


class Unconfigured:
    """Stands in for a service whose credentials are unset: every call says so."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __getattr__(self, name: str) -> Callable[..., Any]:
        async def not_configured(*_args: Any, **_kwargs: Any) -> Any:
            raise NotConfigured(self.service)

        return not_configured


@dataclass
class Services:
    settings: Settings
    db: Database
    roster: Roster
    zendesk: ZendeskPort
    slack: SlackPort
    metrics: Metrics = field(default_factory=Metrics)
    clock: Callable[[], datetime] = utcnow
    # The transactions source (SQL or HTTP adapter); Unconfigured when neither URL is set.
    transactions: TransactionsPort = field(default_factory=lambda: Unconfigured("transactions"))
    # Jira (integrations/jira.py); Unconfigured when JIRA_URL or its credentials are unset.
    jira: JiraPort = field(default_factory=lambda: Unconfigured("jira"))
    # The back office's writes (the HTTP adapter's POST /adjustments); None: a read-only
    # source, where an approved money movement is executed by hand and its reference recorded.
    adjustments: AdjustmentsPort | None = None
    # Sign in with Slack for the dashboard; Unconfigured without SLACK_CLIENT_ID and SECRET.
    signin: SignInPort = field(default_factory=lambda: Unconfigured("slack sign-in"))
