"""[transactions] in BATON_CONFIG and the TRANSACTIONS_* settings: read, or refused by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_services, close_services
from bot.config import load_batonconfig, load_settings
from bot.domain import TxStatus, TxType
from bot.errors import ConfigError
from bot.services import Unconfigured
from integrations.transactions import HttpTransactions, SqlTransactions, from_settings

ROOT = Path(__file__).resolve().parent.parent.parent
ROSTER = str(ROOT / "examples" / "roster.toml")

SPEC_EXAMPLE = """
[transactions]
timeout_seconds = 2

[transactions.fields]
id = "txn_ref"
provider_reference = "psp_ref"
customer_id = "client_id"
email = "client_email"
type = "kind"
amount = "amount_cents"
currency = "ccy"
status = "state"
provider = "psp"
method = "method"
failure_code = "error_code"
created_at = "created"
updated_at = "updated"

[transactions.sql]
table = "backoffice.payments"
amount_minor_units = true

[transactions.values.status]
PAID = "completed"
PEND = "pending"
FAIL = "failed"

[transactions.values.type]
DEP = "deposit"
WDR = "withdrawal"
"""


def _load(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_spec_example_reads(tmp_path: Path) -> None:
    tx = load_batonconfig(_load(tmp_path, SPEC_EXAMPLE)).transactions
    assert tx.timeout_seconds == 2.0
    assert tx.column("amount") == "amount_cents" and tx.column("created_at") == "created"
    assert tx.sql.schema_and_name == ("backoffice", "payments") and tx.sql.amount_minor_units
    assert tx.status_values == {
        "PAID": TxStatus.COMPLETED,
        "PEND": TxStatus.PENDING,
        "FAIL": TxStatus.FAILED,
    }
    assert tx.type_values == {"DEP": TxType.DEPOSIT, "WDR": TxType.WITHDRAWAL}
    assert not tx.http.amount_minor_units


def test_left_out_fields_default_to_batons_names(tmp_path: Path) -> None:
    tx = load_batonconfig(_load(tmp_path, '[transactions.fields]\nid = "ref"\n')).transactions
    assert tx.column("id") == "ref" and tx.column("email") == "email"
    assert tx.sql.table == "transactions" and not tx.sql.amount_minor_units
    assert tx.status_values == {} and tx.timeout_seconds == 2.0
    assert load_batonconfig(_load(tmp_path, "")).transactions == tx.__class__()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[transactions.values.status]\nPAID = "done"',
            "[transactions.values.status] PAID = 'done': not a Baton status (known: pending,",
        ),
        (
            '[transactions.values.type]\nDEP = "payin"',
            "[transactions.values.type] DEP = 'payin': not a Baton type (known: deposit,",
        ),
        ('[transactions.fields]\namount_cents = "x"', "[transactions.fields] amount_cents: not a"),
        ('[transactions.fields]\nid = ""', "[transactions.fields] id = ''"),
        (
            '[transactions.fields]\nid = "ref"\nprovider_reference = "ref"',
            "provider_reference = 'ref': already used for id",
        ),
        (
            "[transactions]\ntimeout = 2",
            "[transactions] timeout: unknown key, did you mean timeout_seconds?",
        ),
        ("[transactions]\ntimeout_seconds = 0", "timeout_seconds = 0: expected a number greater"),
        (
            "[transactions.sql]\nminor_units = true",
            "[transactions.sql] minor_units: unknown key, did you mean amount_minor_units?",
        ),
        ('[transactions.sql]\namount_minor_units = "yes"', "amount_minor_units = 'yes'"),
        ('[transactions.sql]\ntable = "a.b.c"', "table = 'a.b.c'"),
        (
            '[transactions.values.states]\nPAID = "completed"',
            "line 1: [transactions.values] states: unknown key, did you mean status?",
        ),
        ("[transactions.currency_exponents]\nUSDT = -1", "[transactions.currency_exponents] USDT"),
    ],
)
def test_a_bad_key_is_refused_by_name(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_batonconfig(_load(tmp_path, toml))
    assert message in str(err.value)
    assert "BATON_CONFIG=" in str(err.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[transactions.fields]\namont = "x"',
            "line 2: [transactions.fields] amont: not a Baton field, did you mean amount? (known: ",
        ),
        (
            "[transactions]\ntimeout_seconds = '2'",
            "line 2: [transactions] timeout_seconds = '2': expected a number, without quotes",
        ),
        (
            "[transactions]\ntimeout_seconds = true",
            "[transactions] timeout_seconds = True: expected a number, not true or false",
        ),
        ("[transactions.http]\namount_minor_units = 1", "amount_minor_units = 1: expected true or"),
        (
            "[transactions.currency_exponents]\nBTC = '8'",
            "[transactions.currency_exponents] BTC = '8': expected a whole number, without quotes",
        ),
        (
            "[transactions.values.status]\nPAID = 'complete'",
            "PAID = 'complete': not a Baton status, did you mean completed? (known: ",
        ),
        ("[transactions]\nsql = 'payments'", "[transactions] sql = 'payments': expected a table"),
    ],
)
def test_types_are_not_coerced_and_typos_get_the_nearest_name(
    tmp_path: Path, toml: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_batonconfig(_load(tmp_path, toml))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_postgres_scheme_for_the_transactions_database() -> None:
    env = {"BATON_ROSTER": ROSTER, "TRANSACTIONS_DATABASE_URL": "postgres://bo@db:5432/backoffice"}
    sql = load_settings(env, dotenv=False)
    assert sql.transactions_database_url == "postgresql://bo@db:5432/backoffice"
    assert isinstance(from_settings(sql), SqlTransactions)


def test_settings_pick_the_adapter_and_keep_the_token_out_of_repr() -> None:
    base = {"BATON_ROSTER": ROSTER}
    assert from_settings(load_settings(base, dotenv=False)) is None
    http = load_settings(
        {
            **base,
            "TRANSACTIONS_URL": "http://127.0.0.1:8082/api/",
            "TRANSACTIONS_API_TOKEN": "bo-secret-1",
        },
        dotenv=False,
    )
    assert http.transactions_api_token == "bo-secret-1" and "bo-secret-1" not in repr(http)
    adapter = from_settings(http)
    assert isinstance(adapter, HttpTransactions) and adapter.base_url == "http://127.0.0.1:8082/api"
    sql = load_settings({**base, "TRANSACTIONS_DATABASE_URL": "sqlite:///bo.db"}, dotenv=False)
    assert isinstance(from_settings(sql), SqlTransactions)


def test_both_sources_at_once_are_refused() -> None:
    env = {
        "BATON_ROSTER": ROSTER,
        "TRANSACTIONS_URL": "http://127.0.0.1:8082",
        "TRANSACTIONS_DATABASE_URL": "sqlite:///bo.db",
    }
    with pytest.raises(ConfigError, match="TRANSACTIONS_URL and TRANSACTIONS_DATABASE_URL"):
        load_settings(env, dotenv=False)


async def test_build_services_wires_the_source_and_closes_it(tmp_path: Path) -> None:
    env = {
        "BATON_ROSTER": ROSTER,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
        "TRANSACTIONS_URL": "http://127.0.0.1:8082",
    }
    services = build_services(load_settings(env, dotenv=False))
    assert isinstance(services.transactions, HttpTransactions)
    services.transactions._client()  # a session exists now
    await close_services(services)
    assert services.transactions._session is None
    bare = build_services(load_settings({**env, "TRANSACTIONS_URL": ""}, dotenv=False))
    assert isinstance(bare.transactions, Unconfigured)
    await close_services(bare)
