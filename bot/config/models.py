"""The models of the settings (environment) and of BATON_CONFIG, checked once at start.

Each model says every key there is, its type and its range; bot/config.py turns a checked model
into the frozen dataclasses the rest of Baton reads, which keep the defaults. A key left out is
left unset here (None, or an empty table), so the dataclass's default applies.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config.approvals import ApprovalsFile
from bot.config.incidents import IncidentsFile
from bot.config.jira import JiraFile
from bot.config.reports import ReportsFile
from bot.config.transactions import TransactionsFile
from bot.domain import Category, RootCause
from bot.schema import FileModel, Text, word

Minutes = Annotated[float, Field(gt=0)]
CategoryName = Annotated[Category, BeforeValidator(word(Category, "unknown category"))]
RootCauseName = Annotated[RootCause, BeforeValidator(word(RootCause, "unknown root cause"))]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class TagsFile(FileModel):
    """[tags]: every tag name Baton reads or writes."""

    escalate: Text | None = None
    vip: Text | None = None
    language_prefix: Text | None = None
    routed: Text | None = None
    incomplete: Text | None = None
    resolved: Text | None = None
    unassigned: Text | None = None
    categories: dict[Text, CategoryName] = Field(default_factory=dict)
    extra_vip: list[Text] | None = None
    vip_organizations: list[Text] | None = None


class DeliveryFile(FileModel):
    """[delivery]: how long and how often a refused action is retried."""

    retry_hours: Annotated[float, Field(gt=0)] | None = None
    max_backoff_seconds: Annotated[float, Field(gt=0)] | None = None
    probe_seconds: Annotated[float, Field(gt=0)] | None = None
    zendesk_requests_per_minute: Annotated[int, Field(gt=0, le=100_000)] | None = None


class TimersFile(FileModel):
    """[timers]: minutes (0.5 is 30 seconds); remind_at a fraction of each deadline."""

    claim_timeout_vip: Minutes | None = None
    claim_timeout: Minutes | None = None
    first_response_vip: Minutes | None = None
    first_response: Minutes | None = None
    remind_at: Annotated[float, Field(gt=0, lt=1)] | None = None


class BatonConfigFile(FileModel):
    """The whole BATON_CONFIG TOML file; every key optional."""

    vip_sla_factor: Annotated[float, Field(gt=0, le=1)] | None = None
    tags: TagsFile = TagsFile()
    sla_minutes: dict[CategoryName, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    jira_projects: dict[Text, Text] = Field(default_factory=dict)
    jira: JiraFile = JiraFile()
    reports: ReportsFile = ReportsFile()
    timers: TimersFile = TimersFile()
    delivery: DeliveryFile = DeliveryFile()
    transactions: TransactionsFile = TransactionsFile()
    approvals: ApprovalsFile = ApprovalsFile()
    incidents: IncidentsFile = IncidentsFile()
    coaching: dict[RootCauseName, Annotated[Text, AfterValidator(_one_line)]] = Field(
        default_factory=dict
    )


# --- the environment ---------------------------------------------------------------------------


def _port(value: Any) -> int:
    value = str(value)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError("not a port number (1-65535)")
    return int(value)


def _web_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("not a valid URL: expected http or https://host[:port]")
    return value


def _database_url(value: str) -> str:
    """A SQLAlchemy URL of a backend Baton runs on; Heroku-style postgres:// is postgresql://."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if value.startswith(("postgres://", "postgres+")):
        value = "postgresql" + value.removeprefix("postgres")
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError as err:
        raise ValueError(
            "not a database URL (examples: sqlite:///baton.db, postgresql://user@host:5432/baton)"
        ) from err
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"backend {backend!r} is not supported; use sqlite or postgresql")
    return value


def _deployment(value: str) -> str:
    if value.lower() not in ("cloud", "datacenter"):
        raise ValueError("expected cloud or datacenter")
    return value.lower()


def _secret_key(value: str) -> str:
    if len(value) < 16:
        raise ValueError("too short: use at least 16 characters (e.g. `openssl rand -hex 32`)")
    return value


DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
WebUrl = Annotated[str, AfterValidator(_web_url)]
# A service's base URL, kept without its trailing slash (Baton appends the paths).
BaseUrl = Annotated[str, AfterValidator(_web_url), AfterValidator(lambda url: url.rstrip("/"))]


class EnvSettings(BaseSettings):
    """Baton's environment variables (README "Configure"); unset or blank is None."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    database_url: DatabaseUrl | None = Field(default=None, alias="DATABASE_URL")
    port: Annotated[int, BeforeValidator(_port)] | None = Field(default=None, alias="PORT")
    roster_path: str | None = Field(default=None, alias="BATON_ROSTER")
    config_path: str | None = Field(default=None, alias="BATON_CONFIG")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: WebUrl | None = Field(default=None, alias="SLACK_API_URL")
    slack_routing_channel: str | None = Field(default=None, alias="SLACK_ROUTING_CHANNEL")
    slack_vip_channel: str | None = Field(default=None, alias="SLACK_VIP_CHANNEL")
    slack_compliance_channel: str | None = Field(default=None, alias="SLACK_COMPLIANCE_CHANNEL")
    slack_leads_channel: str | None = Field(default=None, alias="SLACK_LEADS_CHANNEL")
    zendesk_url: BaseUrl | None = Field(default=None, alias="ZENDESK_URL")
    zendesk_email: str | None = Field(default=None, alias="ZENDESK_EMAIL")
    zendesk_api_token: str | None = Field(default=None, alias="ZENDESK_API_TOKEN")
    zendesk_webhook_secret: str | None = Field(default=None, alias="ZENDESK_WEBHOOK_SECRET")
    jira_url: BaseUrl | None = Field(default=None, alias="JIRA_URL")
    jira_email: str | None = Field(default=None, alias="JIRA_EMAIL")
    jira_api_token: str | None = Field(default=None, alias="JIRA_API_TOKEN")
    jira_webhook_secret: str | None = Field(default=None, alias="JIRA_WEBHOOK_SECRET")
    jira_deployment: Annotated[str, AfterValidator(_deployment)] | None = Field(
        default=None, alias="JIRA_DEPLOYMENT"
    )
    transactions_url: BaseUrl | None = Field(default=None, alias="TRANSACTIONS_URL")
    transactions_database_url: DatabaseUrl | None = Field(
        default=None, alias="TRANSACTIONS_DATABASE_URL"
    )
    transactions_api_token: str | None = Field(default=None, alias="TRANSACTIONS_API_TOKEN")
    dashboard_token: str | None = Field(default=None, alias="BATON_DASHBOARD_TOKEN")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_approvals_channel: str | None = Field(default=None, alias="SLACK_APPROVALS_CHANNEL")
    secret_key: Annotated[str, AfterValidator(_secret_key)] | None = Field(
        default=None, alias="BATON_SECRET_KEY"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        """Surrounding spaces are dropped, and a blank variable counts as unset."""
        if not isinstance(values, dict):
            return values
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        return {k: v for k, v in stripped.items() if v not in ("", None)}

    @model_validator(mode="after")
    def _one_transactions_source(self) -> EnvSettings:
        if self.transactions_url and self.transactions_database_url:
            # Two sources would answer differently; which one is meant is the operator's call.
            raise ValueError(
                "TRANSACTIONS_URL and TRANSACTIONS_DATABASE_URL are both set: "
                "set one (the back-office API or its database), not both"
            )
        return self
