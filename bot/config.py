"""Settings from the environment (and a `.env` file), validated once at start."""

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
from bot.domain import Category, RootCause
from bot.errors import ConfigError
from bot.jira.settings import JiraConfig, parse_jira
from bot.transactions_config import TransactionsConfig, parse_transactions

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


def _check_url(name: str, value: str | None, schemes: tuple[str, ...] = ("http", "https")) -> None:
    if value is None:
        return
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(
            f"{name}={value!r} is not a valid URL: expected {' or '.join(schemes)}://host[:port]"
        )


def check_database_url(name: str, value: str) -> None:
    """Raise ConfigError unless value looks like a SQLAlchemy URL we can use."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as err:
        raise ConfigError(
            f"{name}={redact_url(value)!r} is not a database URL "
            "(examples: sqlite:///baton.db, postgresql://user@host:5432/baton)"
        ) from err
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"{name}: backend {url.get_backend_name()!r} is not supported; use sqlite or postgresql"
        )


def load_batonconfig(path: Path) -> BatonConfig:
    """Read the optional BATON_CONFIG TOML file."""
    if not path.is_file():
        raise ConfigError(f"BATON_CONFIG={path}: file not found")
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"BATON_CONFIG={path}: not valid TOML: {err}") from err
    base = BatonConfig()
    tags = base.tags
    raw_tags = data.get("tags", {})
    if raw_tags:
        categories = dict(tags.categories)
        for tag, cat in raw_tags.pop("categories", {}).items():
            try:
                categories[tag] = Category(cat)
            except ValueError as err:
                known = ", ".join(c.value for c in Category)
                raise ConfigError(
                    f"BATON_CONFIG={path}: [tags.categories] {tag} = {cat!r}: "
                    f"unknown category (known: {known})"
                ) from err
        simple = {k: v for k, v in raw_tags.items() if k in Tags.__dataclass_fields__}
        unknown = set(raw_tags) - set(simple)
        if unknown:
            raise ConfigError(f"BATON_CONFIG={path}: unknown [tags] keys: {sorted(unknown)}")
        for key in ("extra_vip", "vip_organizations"):
            if key in simple:
                simple[key] = frozenset(simple[key])
        tags = Tags(**{**simple, "categories": categories})
    sla = dict(base.sla_minutes)
    for cat, minutes in data.get("sla_minutes", {}).items():
        try:
            sla[Category(cat)] = int(minutes)
        except ValueError as err:
            raise ConfigError(f"BATON_CONFIG={path}: [sla_minutes] {cat}: {err}") from err
    jira = {**base.jira_projects, **data.get("jira_projects", {})}
    delivery = _delivery(path, data.get("delivery", {}))
    timers = _timers(path, data.get("timers", {}))
    return BatonConfig(
        tags=tags,
        sla_minutes=sla,
        vip_sla_factor=float(data.get("vip_sla_factor", base.vip_sla_factor)),
        jira_projects=jira,
        delivery=delivery,
        timers=timers,
        transactions=parse_transactions(f"BATON_CONFIG={path}", data.get("transactions", {})),
        jira=parse_jira(path, data.get("jira", {})),
        coaching=_coaching(path, data.get("coaching", {})),
    )


def _coaching(path: Path, raw: Mapping[str, Any]) -> dict[str, str]:
    """Read [coaching]: advice per root cause (bot.domain.RootCause values), non-empty text."""
    known = {r.value for r in RootCause}
    out: dict[str, str] = {}
    for key, text in raw.items():
        if key not in known:
            raise ConfigError(f"BATON_CONFIG={path}: [coaching] {key}: unknown root cause")
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"BATON_CONFIG={path}: [coaching] {key}: give the advice as text")
        out[key] = " ".join(text.split())
    return out


def _timers(path: Path, raw: Mapping[str, Any]) -> Timers:
    """Read [timers]: positive minutes (0.5 is 30 seconds), remind_at a fraction in (0, 1)."""
    known = set(Timers.__dataclass_fields__)
    if unknown := set(raw) - known:
        raise ConfigError(
            f"BATON_CONFIG={path}: unknown [timers] keys: {sorted(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    values: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(
                f"BATON_CONFIG={path}: [timers] {key} = {value!r}: expected a positive number"
            )
        values[key] = float(value)
    if not values.get("remind_at", Timers.remind_at) < 1:
        raise ConfigError(
            f"BATON_CONFIG={path}: [timers] remind_at = {values['remind_at']!r}: expected a "
            "fraction between 0 and 1 (0.8 reminds the owner at 80% of a deadline)"
        )
    return Timers(**values)


def _delivery(path: Path, raw: Mapping[str, Any]) -> Delivery:
    """Read [delivery]: positive numbers, known keys only."""
    known = set(Delivery.__dataclass_fields__)
    if unknown := set(raw) - known:
        raise ConfigError(
            f"BATON_CONFIG={path}: unknown [delivery] keys: {sorted(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    values: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(
                f"BATON_CONFIG={path}: [delivery] {key} = {value!r}: expected a positive number"
            )
        values[key] = float(value)
    return Delivery(**values)


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build Settings from env (default: os.environ plus a `.env` file) and validate them."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)
        env = os.environ

    def get(name: str) -> str | None:
        value = env.get(name)
        return value.strip() if value and value.strip() else None

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    check_database_url("DATABASE_URL", database_url)
    tx_db = get("TRANSACTIONS_DATABASE_URL")
    if tx_db:
        check_database_url("TRANSACTIONS_DATABASE_URL", tx_db)

    port_raw = get("PORT") or "3000"
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise ConfigError(f"PORT={port_raw!r} is not a port number (1-65535)")

    roster_path = Path(get("BATON_ROSTER") or resources.default_roster())
    if not roster_path.is_file():
        raise ConfigError(
            f"BATON_ROSTER={roster_path}: file not found "
            f"(run from the project folder, or set BATON_ROSTER to your roster TOML)"
        )
    config_path = Path(p) if (p := get("BATON_CONFIG")) else None
    config = load_batonconfig(config_path) if config_path else BatonConfig()

    for name in ("SLACK_API_URL", "ZENDESK_URL", "JIRA_URL", "TRANSACTIONS_URL"):
        _check_url(name, get(name))
    if tx_db and get("TRANSACTIONS_URL"):
        # Two sources would answer differently; which one is meant is the operator's call.
        raise ConfigError(
            "TRANSACTIONS_URL and TRANSACTIONS_DATABASE_URL are both set: "
            "set one (the back-office API or its database), not both"
        )

    # Cloud authenticates with an e-mail and an API token; Data Center with a token alone.
    default_deployment = "cloud" if get("JIRA_EMAIL") else "datacenter"
    deployment = (get("JIRA_DEPLOYMENT") or default_deployment).lower()
    if deployment not in ("cloud", "datacenter"):
        raise ConfigError(f"JIRA_DEPLOYMENT={deployment!r}: expected cloud or datacenter")

    return Settings(
        database_url=database_url,
        port=int(port_raw),
        roster_path=roster_path,
        config_path=config_path,
        config=config,
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=get("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
        slack_routing_channel=get("SLACK_ROUTING_CHANNEL"),
        slack_vip_channel=get("SLACK_VIP_CHANNEL"),
        slack_compliance_channel=get("SLACK_COMPLIANCE_CHANNEL"),
        slack_leads_channel=get("SLACK_LEADS_CHANNEL"),
        zendesk_url=(get("ZENDESK_URL") or "").rstrip("/") or None,
        zendesk_email=get("ZENDESK_EMAIL"),
        zendesk_api_token=get("ZENDESK_API_TOKEN"),
        zendesk_webhook_secret=get("ZENDESK_WEBHOOK_SECRET"),
        jira_url=(get("JIRA_URL") or "").rstrip("/") or None,
        jira_email=get("JIRA_EMAIL"),
        jira_api_token=get("JIRA_API_TOKEN"),
        jira_webhook_secret=get("JIRA_WEBHOOK_SECRET"),
        jira_deployment=deployment,
        transactions_url=(get("TRANSACTIONS_URL") or "").rstrip("/") or None,
        transactions_database_url=tx_db,
        transactions_api_token=get("TRANSACTIONS_API_TOKEN"),
        dashboard_token=get("BATON_DASHBOARD_TOKEN"),
    )
