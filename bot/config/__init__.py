"""Settings from the environment (and a `.env` file), validated once at start.

The models in bot/config/models.py say what each variable and each BATON_CONFIG key may be; the
frozen dataclasses here are what the rest of Baton reads, and hold the defaults.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot import resources
from bot.config import approvals as approvals_settings
from bot.config import incidents as incidents_settings
from bot.config import jira as jira_settings
from bot.config import reports as reports_settings
from bot.config import transactions as transactions_config
from bot.config.approvals import ApprovalsConfig
from bot.config.incidents import IncidentsConfig
from bot.config.jira import JiraConfig
from bot.config.models import BatonConfigFile, EnvSettings
from bot.config.reports import ReportsConfig
from bot.config.transactions import TransactionsConfig
from bot.domain import Category
from bot.errors import ConfigError
from bot.schema import FileModel, Loc, checking, section_naming

DEFAULT_DATABASE_URL = "sqlite:///baton.db"
DEFAULT_ROSTER = "examples/roster.toml"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

DEFAULT_CATEGORY_TAGS: dict[str, Category] = {
    "esc_withdrawal": Category.WITHDRAWAL,
    "esc_deposit_missing": Category.DEPOSIT_MISSING,
    "esc_tx_failed": Category.TX_FAILED,
    "esc_kyc": Category.KYC,
    "esc_fraud": Category.FRAUD,
    "esc_aml": Category.AML,
    "esc_account": Category.ACCOUNT,
}

# Minutes from escalation to resolution the desk commits to, per category (VIP halves them).
DEFAULT_SLA_MINUTES: dict[Category, int] = {
    Category.WITHDRAWAL: 240,
    Category.DEPOSIT_MISSING: 240,
    Category.TX_FAILED: 240,
    Category.KYC: 480,
    Category.FRAUD: 120,
    Category.AML: 120,
    Category.ACCOUNT: 480,
}


@dataclass(frozen=True)
class Tags:
    """Tag names agents use and Baton writes; configurable under [tags] in BATON_CONFIG."""

    escalate: str = "esc_senior"
    vip: str = "vip"
    language_prefix: str = "lang_"
    routed: str = "baton_routed"
    incomplete: str = "baton_incomplete"
    resolved: str = "baton_resolved"
    unassigned: str = "baton_unassigned"
    categories: Mapping[str, Category] = field(default_factory=lambda: dict(DEFAULT_CATEGORY_TAGS))
    extra_vip: frozenset[str] = frozenset()
    vip_organizations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Delivery:
    """How long and how often Baton retries work a service refused; [delivery] in BATON_CONFIG."""

    # A row is given up (dead-lettered, leads told) only after this long of failing.
    retry_hours: float = 24.0
    # Exponential backoff per row stops growing here, so a recovered service is used soon.
    max_backoff_seconds: float = 300.0
    # While a service is down, one probe every this many seconds tells when it is back.
    probe_seconds: float = 30.0
    # The Zendesk plan's API requests per minute (Suite Growth and Professional: 400; Team 200,
    # Enterprise 700). Every process draws from one budget; a lower X-Rate-Limit wins.
    zendesk_requests_per_minute: int = 400

    @property
    def retry_budget(self) -> timedelta:
        return timedelta(hours=self.retry_hours)


@dataclass(frozen=True)
class Timers:
    """SLA and claim clocks in minutes (fractions allowed); [timers] in BATON_CONFIG."""

    # Routed and nobody claimed it: re-route to the next best analyst on shift.
    claim_timeout_vip: float = 10.0
    claim_timeout: float = 30.0
    # First analyst action (claim, draft, reply, Jira) due, counted on the desk's clock.
    first_response_vip: float = 15.0
    first_response: float = 60.0
    # The fraction of a deadline at which its owner is reminded; in (0, 1).
    remind_at: float = 0.8

    def claim_span(self, *, vip: bool) -> timedelta:
        return timedelta(minutes=self.claim_timeout_vip if vip else self.claim_timeout)

    def first_response_span(self, *, vip: bool) -> timedelta:
        return timedelta(minutes=self.first_response_vip if vip else self.first_response)


@dataclass(frozen=True)
class BatonConfig:
    """The optional BATON_CONFIG TOML: taxonomy, SLA minutes, channels, Jira projects."""

    tags: Tags = field(default_factory=Tags)
    sla_minutes: Mapping[Category, int] = field(default_factory=lambda: dict(DEFAULT_SLA_MINUTES))
    vip_sla_factor: float = 0.5
    jira_projects: Mapping[str, str] = field(
        default_factory=lambda: {"payments": "PAY", "product": "PROD", "compliance": "COMP"}
    )
    delivery: Delivery = field(default_factory=Delivery)
    timers: Timers = field(default_factory=Timers)
    transactions: TransactionsConfig = field(default_factory=TransactionsConfig)
    jira: JiraConfig = field(default_factory=JiraConfig)
    approvals: ApprovalsConfig = field(default_factory=ApprovalsConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    incidents: IncidentsConfig = field(default_factory=IncidentsConfig)
    # [coaching]: root cause -> advice, replacing bot/resolutions/coaching.py's playbook entry.
    coaching: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    roster_path: Path = Path(DEFAULT_ROSTER)
    config_path: Path | None = None
    config: BatonConfig = field(default_factory=BatonConfig)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_routing_channel: str | None = None
    slack_vip_channel: str | None = None
    slack_compliance_channel: str | None = None
    slack_leads_channel: str | None = None
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: str | None = None
    zendesk_webhook_secret: str | None = None
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: str | None = None
    jira_webhook_secret: str | None = None
    # "cloud" (API token, basic auth with JIRA_EMAIL) or "datacenter" (personal access token).
    jira_deployment: str = "cloud"
    transactions_url: str | None = None
    transactions_database_url: str | None = None
    transactions_api_token: str | None = None
    dashboard_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Where money movements wait for approval; None: the leads channel (SPEC §14).
    slack_approvals_channel: str | None = None
    # Seals button values, keys document fingerprints and signs dashboard sessions. Never logged.
    secret_key: str | None = None

    @property
    def approvals_channel(self) -> str | None:
        return self.slack_approvals_channel or self.slack_leads_channel

    @property
    def zendesk_configured(self) -> bool:
        return bool(self.zendesk_url and self.zendesk_email and self.zendesk_api_token)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def jira_configured(self) -> bool:
        # Data Center's personal access token needs no e-mail; Cloud's API token does.
        email_ok = bool(self.jira_email) or self.jira_deployment == "datacenter"
        return bool(self.jira_url and self.jira_api_token and email_ok)

    def __repr__(self) -> str:
        # Never let a secret reach a log line through repr().
        return f"Settings(database_url={redact_url(self.database_url)!r}, port={self.port})"


def redact_url(url: str) -> str:
    """Hide the password in a URL, for logs and messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url


def load_batonconfig(path: Path) -> BatonConfig:
    """Read the optional BATON_CONFIG TOML file, checked against its model."""
    where = f"BATON_CONFIG={path}"
    if not path.is_file():
        raise ConfigError(f"{where}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
        data: dict[str, Any] = tomllib.loads(text)
    except OSError as err:
        raise ConfigError(f"{where}: cannot be read: {err.strerror or err}") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{where}: not valid TOML: {err}") from err
    with checking(where, model=BatonConfigFile, data=data, naming=section_naming, text=text):
        return _batonconfig(BatonConfigFile.model_validate(data))


def _batonconfig(model: BatonConfigFile) -> BatonConfig:
    """The BatonConfig a checked file describes: what it sets over the defaults."""
    base = BatonConfig()
    tags = model.tags.model_dump(exclude_unset=True, exclude={"categories"})
    for key in ("extra_vip", "vip_organizations"):
        if key in tags:
            tags[key] = frozenset(tags[key])
    given: dict[str, Any] = {}
    if model.vip_sla_factor is not None:
        given["vip_sla_factor"] = float(model.vip_sla_factor)
    return BatonConfig(
        tags=Tags(**tags, categories={**base.tags.categories, **model.tags.categories}),
        sla_minutes={**base.sla_minutes, **model.sla_minutes},
        jira_projects={**base.jira_projects, **model.jira_projects},
        delivery=Delivery(**_numbers(model.delivery)),
        timers=Timers(**_floats(model.timers)),
        transactions=transactions_config.build(model.transactions),
        jira=jira_settings.build(model.jira),
        approvals=approvals_settings.build(model.approvals),
        reports=reports_settings.build(model.reports),
        incidents=incidents_settings.build(model.incidents),
        coaching={cause.value: advice for cause, advice in model.coaching.items()},
        **given,
    )


def _floats(model: FileModel) -> dict[str, float]:
    return {k: float(v) for k, v in model.model_dump(exclude_unset=True).items()}


def _numbers(model: FileModel) -> dict[str, Any]:
    """The keys given, floats as floats and whole numbers (counts) as they are."""
    return {
        k: v if isinstance(v, int) else float(v)
        for k, v in model.model_dump(exclude_unset=True).items()
    }


def _show_env(name: str, value: Any) -> str:
    # A URL may carry a password; a secret is never echoed back at all.
    if name.endswith(("_SECRET", "_TOKEN", "_KEY")):
        return "(hidden)"
    return repr(redact_url(value) if isinstance(value, str) and "URL" in name else value)


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build Settings from env (default: os.environ plus a `.env` file) and validate them."""
    if env is None and dotenv:
        from dotenv import load_dotenv

        # Into os.environ, so PROMETHEUS_MULTIPROC_DIR from .env reaches the metrics too.
        load_dotenv(Path.cwd() / ".env", override=False)
    names = {f.alias for f in EnvSettings.model_fields.values()}
    given = {k: v for k, v in (os.environ if env is None else env).items() if k in names}
    with checking("", model=EnvSettings, data=given, naming=_env, show=_show_env, equals="="):
        # pydantic-settings reads the process environment itself; a mapping is validated as is.
        read = EnvSettings() if env is None else EnvSettings.model_validate(given)

    roster_path = Path(read.roster_path or resources.default_roster())
    if not roster_path.is_file():
        raise ConfigError(
            f"BATON_ROSTER={roster_path}: file not found (set BATON_ROSTER to your roster TOML)"
        )
    config_path = Path(read.config_path) if read.config_path else None
    config = load_batonconfig(config_path) if config_path else BatonConfig()

    # Cloud authenticates with an e-mail and an API token; Data Center with a token alone.
    deployment = read.jira_deployment or ("cloud" if read.jira_email else "datacenter")
    values = read.model_dump(
        exclude_none=True, exclude={"roster_path", "config_path", "jira_deployment"}
    )
    return Settings(
        **values,
        roster_path=roster_path,
        config_path=config_path,
        config=config,
        jira_deployment=deployment,
    )


def _env(loc: Loc, data: Any) -> tuple[str, str]:
    return "", str(loc[0]) if loc else ""
