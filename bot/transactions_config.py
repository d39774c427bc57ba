"""[transactions] in BATON_CONFIG: how a back office names its transactions (SPEC §8).

Both adapters read through the same description: Baton field → the source's column or JSON key,
the source's status and type words → Baton's, and whether amounts are integer minor units.
Everything is checked here, once, so a typo stops the start with the key it sits under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from bot.domain import Transaction, TxStatus, TxType
from bot.errors import ConfigError

_E = TypeVar("_E", TxStatus, TxType)

# Baton's own field names, in the order of the Transaction dataclass.
TX_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Transaction))
# A row without these cannot be shown; the rest may be missing or null.
REQUIRED_FIELDS: frozenset[str] = frozenset(
    {"id", "type", "amount", "currency", "status", "created_at"}
)


@dataclass(frozen=True)
class SqlSource:
    """[transactions.sql]: the table (optionally schema-qualified) and how it stores amounts."""

    table: str = "transactions"
    amount_minor_units: bool = False

    @property
    def schema_and_name(self) -> tuple[str | None, str]:
        schema, _, name = self.table.rpartition(".")
        return (schema or None), name


@dataclass(frozen=True)
class HttpSource:
    """[transactions.http]: how the API's JSON carries amounts."""

    amount_minor_units: bool = False


@dataclass(frozen=True)
class TransactionsConfig:
    """The parsed [transactions] section; every key optional."""

    # A lookup slower than this gives up (enrichment says "pending"; /baton txn says so).
    timeout_seconds: float = 2.0
    # Baton field -> the source's column / JSON key; every Baton field present.
    fields: Mapping[str, str] = field(default_factory=lambda: {f: f for f in TX_FIELDS})
    sql: SqlSource = field(default_factory=SqlSource)
    http: HttpSource = field(default_factory=HttpSource)
    # The source's word -> Baton's; a word that is already Baton's needs no entry.
    status_values: Mapping[str, TxStatus] = field(default_factory=dict)
    type_values: Mapping[str, TxType] = field(default_factory=dict)
    # Minor-unit exponents for currencies babel does not know (USDT, BTC…), or to override it.
    currency_exponents: Mapping[str, int] = field(default_factory=dict)

    def column(self, baton_field: str) -> str:
        """The source's name for a Baton field."""
        return self.fields[baton_field]


_SECTIONS = ("timeout_seconds", "fields", "sql", "http", "values", "currency_exponents")


def parse_transactions(where: str, raw: Any) -> TransactionsConfig:
    """Read the [transactions] table; where names the file in messages ("BATON_CONFIG=…")."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: [transactions] must be a table")
    _known(where, "[transactions]", raw, _SECTIONS)
    timeout = raw.get("timeout_seconds", 2)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(
            f"{where}: [transactions] timeout_seconds = {timeout!r}: expected a positive number"
        )
    values = _table(where, "[transactions.values]", raw.get("values", {}))
    _known(where, "[transactions.values]", values, ("status", "type"))
    return TransactionsConfig(
        timeout_seconds=float(timeout),
        fields=_fields(where, raw.get("fields", {})),
        sql=_sql(where, raw.get("sql", {})),
        http=_http(where, raw.get("http", {})),
        status_values=_values(where, "status", values.get("status", {}), TxStatus),
        type_values=_values(where, "type", values.get("type", {}), TxType),
        currency_exponents=_exponents(where, raw.get("currency_exponents", {})),
    )


def _table(where: str, section: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: {section} must be a table")
    return raw


def _known(where: str, section: str, raw: Mapping[str, Any], known: tuple[str, ...]) -> None:
    if unknown := sorted(set(raw) - set(known)):
        raise ConfigError(f"{where}: unknown {section} keys: {unknown} (known: {', '.join(known)})")


def _fields(where: str, raw: Any) -> dict[str, str]:
    section = "[transactions.fields]"
    raw = _table(where, section, raw)
    if unknown := sorted(set(raw) - set(TX_FIELDS)):
        raise ConfigError(
            f"{where}: {section} {unknown[0]}: not a Baton field (known: {', '.join(TX_FIELDS)})"
        )
    mapped = {f: f for f in TX_FIELDS}
    for key, name in raw.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: {section} {key} = {name!r}: expected a column or key name")
        mapped[key] = name.strip()
    taken: dict[str, str] = {}
    for key, name in mapped.items():
        if name in taken and key in raw:
            raise ConfigError(
                f"{where}: {section} {key} = {name!r}: already used for {taken[name]}"
            )
        taken.setdefault(name, key)
    return mapped


def _sql(where: str, raw: Any) -> SqlSource:
    section = "[transactions.sql]"
    raw = _table(where, section, raw)
    _known(where, section, raw, ("table", "amount_minor_units"))
    table = raw.get("table", SqlSource.table)
    parts = table.split(".") if isinstance(table, str) else []
    if len(parts) not in (1, 2) or not all(p.strip() for p in parts):
        raise ConfigError(
            f"{where}: {section} table = {table!r}: expected a table name, "
            'optionally schema-qualified ("backoffice.payments")'
        )
    return SqlSource(table=table, amount_minor_units=_bool(where, section, raw))


def _http(where: str, raw: Any) -> HttpSource:
    section = "[transactions.http]"
    raw = _table(where, section, raw)
    _known(where, section, raw, ("amount_minor_units",))
    return HttpSource(amount_minor_units=_bool(where, section, raw))


def _bool(where: str, section: str, raw: Mapping[str, Any]) -> bool:
    value = raw.get("amount_minor_units", False)
    if not isinstance(value, bool):
        raise ConfigError(
            f"{where}: {section} amount_minor_units = {value!r}: expected true or false"
        )
    return value


def _values(where: str, kind: str, raw: Any, enum: type[_E]) -> dict[str, _E]:
    section = f"[transactions.values.{kind}]"
    raw = _table(where, section, raw)
    out: dict[str, _E] = {}
    for word, baton in raw.items():
        try:
            out[str(word)] = enum(baton)
        except ValueError as err:
            known = ", ".join(m.value for m in enum)
            raise ConfigError(
                f"{where}: {section} {word} = {baton!r}: not a Baton {kind} (known: {known})"
            ) from err
    return out


def _exponents(where: str, raw: Any) -> dict[str, int]:
    section = "[transactions.currency_exponents]"
    raw = _table(where, section, raw)
    out: dict[str, int] = {}
    for code, exponent in raw.items():
        if isinstance(exponent, bool) or not isinstance(exponent, int) or not 0 <= exponent <= 18:
            raise ConfigError(
                f"{where}: {section} {code} = {exponent!r}: expected a whole number 0-18"
            )
        out[str(code).upper()] = exponent
    return out
