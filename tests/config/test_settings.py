"""Settings: every SPEC name read, bad values refused with a message that says which."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_batonconfig, load_settings
from bot.domain import Category
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ROSTER = str(ROOT / "examples" / "roster.toml")


def test_defaults_need_nothing_but_a_roster() -> None:
    s = load_settings({"BATON_ROSTER": ROSTER})
    assert s.database_url == "sqlite:///baton.db"
    assert s.port == 3000
    assert s.slack_api_url == "https://slack.com/api/"
    assert not (s.zendesk_configured or s.slack_configured or s.jira_configured)


def test_reads_every_setting() -> None:
    env = {
        "DATABASE_URL": "postgresql://baton:pw@db:5432/baton",
        "PORT": "8080",
        "BATON_ROSTER": ROSTER,
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9999/api/",
        "SLACK_ROUTING_CHANNEL": "C1",
        "SLACK_VIP_CHANNEL": "C2",
        "SLACK_COMPLIANCE_CHANNEL": "C3",
        "SLACK_LEADS_CHANNEL": "C4",
        "ZENDESK_URL": "http://127.0.0.1:8081/",
        "ZENDESK_EMAIL": "bot@example.com",
        "ZENDESK_API_TOKEN": "t",
        "ZENDESK_WEBHOOK_SECRET": "w",
        "JIRA_URL": "https://acme.atlassian.net",
        "JIRA_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": "j",
        "JIRA_WEBHOOK_SECRET": "jw",
        "TRANSACTIONS_DATABASE_URL": "sqlite:///tx.db",
        "BATON_DASHBOARD_TOKEN": "d",
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "cs",
        "BATON_SECRET_KEY": "k" * 32,
    }
    s = load_settings(env)
    assert s.secret_key == "k" * 32 and s.slack_client_id == "1.2"
    assert s.approvals_channel == "C4"  # SLACK_APPROVALS_CHANNEL unset: the leads channel
    assert "k" * 32 not in repr(s)
    assert s.port == 8080 and s.zendesk_url == "http://127.0.0.1:8081"
    assert s.zendesk_configured and s.slack_configured and s.jira_configured
    assert s.slack_leads_channel == "C4" and s.transactions_database_url == "sqlite:///tx.db"
    assert "pw" not in repr(s)  # secrets never reach a log line through repr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "not supported"),
        ({"PORT": "eighty"}, "PORT='eighty': not a port number"),
        ({"PORT": "70000"}, "PORT"),
        ({"BATON_ROSTER": "/nowhere/roster.toml"}, "BATON_ROSTER=/nowhere/roster.toml: file not"),
        ({"ZENDESK_URL": "acme.zendesk.com"}, "ZENDESK_URL"),
        ({"BATON_CONFIG": "/nowhere/config.toml"}, "BATON_CONFIG=/nowhere/config.toml"),
        ({"BATON_SECRET_KEY": "short"}, "BATON_SECRET_KEY=.hidden.: too short"),
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_settings({"BATON_ROSTER": ROSTER, **env})


def test_batonconfig_overrides_taxonomy_and_sla(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text(
        '[tags]\nescalate = "escalar"\nextra_vip = ["high_roller"]\n'
        '[tags.categories]\nesc_pix = "deposit_missing"\n[sla_minutes]\nkyc = 60\n'
    )
    cfg = load_batonconfig(path)
    assert cfg.tags.escalate == "escalar"
    assert cfg.tags.categories["esc_pix"] is Category.DEPOSIT_MISSING
    assert cfg.tags.categories["esc_aml"] is Category.AML  # defaults kept
    assert cfg.sla_minutes[Category.KYC] == 60
    assert "high_roller" in cfg.tags.extra_vip


def test_batonconfig_unknown_category_is_named(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('[tags.categories]\nesc_x = "chargebacks"\n')
    with pytest.raises(ConfigError, match="esc_x = 'chargebacks': unknown category"):
        load_batonconfig(path)


def test_example_config_is_valid() -> None:
    cfg = load_batonconfig(ROOT / "examples" / "config.toml")
    assert "Aurora Capital VIP" in cfg.tags.vip_organizations
    assert isinstance(Settings().config.tags.routed, str)


# --- BATON_CONFIG: the model refuses, one line naming the key ----------------------------------


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_batonconfig(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"BATON_CONFIG={path}: ")
    return message.removeprefix(f"BATON_CONFIG={path}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # An unknown key anywhere, with the nearest known one.
        (
            "vip_sla_facter = 0.5\n",
            "line 1: vip_sla_facter: unknown key, did you mean vip_sla_factor?",
        ),
        ('[tags]\nescalat = "x"\n', "line 2: [tags] escalat: unknown key, did you mean escalate?"),
        (
            "\n[timers]\nclaim_timeuot = 3\n",
            "line 3: [timers] claim_timeuot: unknown key, did you mean claim_timeout?",
        ),
        (
            "[delivery]\nretry_hour = 3\n",
            "line 2: [delivery] retry_hour: unknown key, did you mean retry_hours?",
        ),
        ("[tag]\n", "line 1: tag: unknown key, did you mean tags?"),
        (
            "[sla_minutes]\nwithdrawl = 10\n",
            "line 2: [sla_minutes] withdrawl: unknown category, did you mean withdrawal? "
            "(known: withdrawal,",
        ),
        (
            "[coaching]\nkyc_incomplet = 'x'\n",
            "[coaching] kyc_incomplet: unknown root cause, did you mean kyc_incomplete?",
        ),
        # A string where a list is meant is not a set of letters.
        (
            '[tags]\nextra_vip = "gold"\n',
            "[tags] extra_vip = 'gold': expected a list, "
            'e.g. ["gold"] (one string is not a list)',
        ),
        (
            '[tags]\nvip_organizations = "Aurora"\n',
            "[tags] vip_organizations = 'Aurora': expected a list",
        ),
        # Numbers as strings, bools as numbers.
        ('vip_sla_factor = "0.5"\n', "vip_sla_factor = '0.5': expected a number, without quotes"),
        (
            '[sla_minutes]\nkyc = "60"\n',
            "[sla_minutes] kyc = '60': expected a whole number, without quotes",
        ),
        (
            "[delivery]\nretry_hours = true\n",
            "[delivery] retry_hours = True: expected a number, not true or false",
        ),
        ("[sla_minutes]\nkyc = 1.5\n", "[sla_minutes] kyc = 1.5: expected a whole number"),
        # Out of range.
        ("vip_sla_factor = 0\n", "vip_sla_factor = 0: expected a number greater than 0"),
        ("vip_sla_factor = 1.5\n", "vip_sla_factor = 1.5: expected a number at most 1"),
        ("[sla_minutes]\nkyc = 0\n", "[sla_minutes] kyc = 0: expected a number greater than 0"),
        ("[sla_minutes]\naml = -30\n", "[sla_minutes] aml = -30: expected a number greater than 0"),
        (
            "[delivery]\nprobe_seconds = -1\n",
            "[delivery] probe_seconds = -1: expected a number greater than 0",
        ),
        (
            "[delivery]\nzendesk_requests_per_minute = 0\n",
            "[delivery] zendesk_requests_per_minute = 0: expected a number greater than 0",
        ),
        (
            "[delivery]\nzendesk_requests_per_minute = 2.5\n",
            "[delivery] zendesk_requests_per_minute = 2.5: expected a whole number",
        ),
        ('[tags]\nrouted = " "\n', "[tags] routed = ' ': expected text, not empty"),
        ("tags = 5\n", "line 1: tags = 5: expected a table"),
    ],
)
def test_batonconfig_refusals_name_the_line_key_and_expectation(
    tmp_path: Path, text: str, message: str
) -> None:
    got = refusal(tmp_path, text)
    assert message in got, got
    assert "Traceback" not in got and "pydantic" not in got


def test_vip_sla_factor_one_is_allowed_and_a_list_stays_a_list(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('vip_sla_factor = 1\n[tags]\nextra_vip = ["gold"]\n', encoding="utf-8")
    cfg = load_batonconfig(path)
    assert cfg.vip_sla_factor == 1.0 and cfg.tags.extra_vip == frozenset({"gold"})


def test_every_model_key_is_a_dataclass_field() -> None:
    """The models check keys; the dataclasses hold the defaults: the two name the same keys."""
    from dataclasses import fields

    from bot.config import BatonConfig, Delivery, Tags, Timers
    from bot.config.models import BatonConfigFile, DeliveryFile, EnvSettings, TagsFile, TimersFile

    pairs = [(BatonConfigFile, BatonConfig), (TagsFile, Tags), (TimersFile, Timers)]
    for model, dataclass in [*pairs, (DeliveryFile, Delivery)]:
        assert set(model.model_fields) == {f.name for f in fields(dataclass)}, model
    settings = {f.name for f in fields(Settings)} - {"config"}
    assert set(EnvSettings.model_fields) == settings


# --- the environment -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DATABASE_URL", "TRANSACTIONS_DATABASE_URL"])
def test_postgres_scheme_is_read_as_postgresql(name: str) -> None:
    from bot.config.database import async_url, sync_url

    s = load_settings({"BATON_ROSTER": ROSTER, name: "postgres://baton:pw@db:5432/baton"})
    url = s.database_url if name == "DATABASE_URL" else s.transactions_database_url
    assert url == "postgresql://baton:pw@db:5432/baton"
    assert async_url(url).drivername == "postgresql+psycopg"
    assert sync_url(url).drivername == "postgresql+psycopg"


def test_a_bad_database_url_is_named_without_its_password() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"BATON_ROSTER": ROSTER, "DATABASE_URL": "mysql://u:s3cret@db/baton"})
    assert str(err.value) == (
        "DATABASE_URL='mysql://u:***@db/baton': backend 'mysql' is not supported; "
        "use sqlite or postgresql"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "3000x"}, "PORT='3000x': not a port number (1-65535)"),
        ({"PORT": "0"}, "PORT='0': not a port number (1-65535)"),
        (
            {"JIRA_URL": "ftp://jira.example.com"},
            "JIRA_URL='ftp://jira.example.com': not a valid URL: expected http or https://host[:port]",
        ),
        ({"JIRA_DEPLOYMENT": "server"}, "JIRA_DEPLOYMENT='server': expected cloud or datacenter"),
    ],
)
def test_environment_refusals_are_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"BATON_ROSTER": ROSTER, **env})
    assert str(err.value) == message


def test_blank_variables_are_unset_and_names_are_case_sensitive() -> None:
    s = load_settings({"BATON_ROSTER": ROSTER, "PORT": "  ", "ZENDESK_URL": "", "port": "1"})
    assert s.port == 3000 and s.zendesk_url is None
    assert load_settings({"BATON_ROSTER": ROSTER, "JIRA_DEPLOYMENT": "Cloud"}).jira_deployment == (
        "cloud"
    )


def test_process_environment_and_dotenv_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != "PORT"})
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"PORT=8082\nBATON_ROSTER={ROSTER}\n", encoding="utf-8")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    s = load_settings()
    assert s.port == 8082 and s.slack_api_url == "http://127.0.0.1:9/api/"
    (tmp_path / ".env").write_text(f"PORT=eighty\nBATON_ROSTER={ROSTER}\n", encoding="utf-8")
    monkeypatch.delenv("PORT")
    with pytest.raises(ConfigError, match=r"^PORT='eighty': not a port number"):
        load_settings()


# --- the README and the models cannot drift apart ------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_section(title: str) -> str:
    """The README's text under a heading, up to the next heading of the same or a higher level."""
    import re

    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.MULTILINE)
    assert match, title
    level = len(match[1])
    rest = README[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def toml_blocks(title: str) -> list[str]:
    import re
    import textwrap

    blocks = re.findall(r"^( *)```toml\n(.*?)^\1```", readme_section(title), re.M | re.S)
    assert blocks, title
    return [textwrap.dedent(indent + body) for indent, body in blocks]


def model_paths(model: type, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    from typing import get_origin

    from bot.schema import item_type, model_in, unwrap

    out: set[tuple[str, ...]] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        path = (*prefix, field.alias or name)
        annotation = unwrap(field.annotation)
        # A table ([tags]) or a list of tables ([[analysts]]) has keys of its own.
        listed = get_origin(annotation) is list and model_in(item_type(annotation)) is not None
        inner = model_in(annotation) or (model_in(item_type(annotation)) if listed else None)
        if inner is not None:
            out |= model_paths(inner, path)
        else:
            out.add(path)
    return out


def data_paths(data: object, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if isinstance(data, dict):
        return {p for k, v in data.items() for p in data_paths(v, (*prefix, k))} | {prefix}
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        return {p for v in data for p in data_paths(v, prefix)}
    return {prefix}


def test_readme_lists_every_batonconfig_key_and_its_examples_are_valid(tmp_path: Path) -> None:
    import tomllib

    from bot.config.models import BatonConfigFile

    written: set[tuple[str, ...]] = set()
    titles = ("`BATON_CONFIG`", "Set up Jira", "Connect the transactions source")
    for i, block in enumerate(b for title in titles for b in toml_blocks(title)):
        path = tmp_path / f"readme-{i}.toml"
        path.write_text(block, encoding="utf-8")
        load_batonconfig(path)  # every example the README shows is accepted
        written |= data_paths(tomllib.loads(block))
    missing = {p for p in model_paths(BatonConfigFile) if p not in written}
    assert not missing, f"README does not show: {sorted('.'.join(p) for p in missing)}"


def test_readme_lists_every_roster_key_and_its_example_is_valid() -> None:
    import tomllib

    from bot.desk.roster import parse_roster
    from bot.desk.roster_file import RosterFile

    (block,) = toml_blocks("The roster (`BATON_ROSTER`)")
    parse_roster(block, source="README")
    written = data_paths(tomllib.loads(block))
    missing = {p for p in model_paths(RosterFile) if p not in written}
    assert not missing, f"README does not show: {sorted('.'.join(p) for p in missing)}"


def test_readme_settings_table_is_the_settings_model() -> None:
    import re

    from bot.config.models import EnvSettings

    table = readme_section("Configure").split("### ")[0]
    named = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(re.findall(r"^\| ([^|]+)\|", table, re.M)))
    )
    model = {f.alias for f in EnvSettings.model_fields.values()}
    # Read by prometheus_client itself when it is imported, before any settings exist.
    assert named - model == {"PROMETHEUS_MULTIPROC_DIR"}
    assert model - named == set()
