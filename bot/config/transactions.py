"""[transactions] in BATON_CONFIG: how a back office names its transactions (SPEC §8).

Both adapters read through the same description: Baton field → the source's column or JSON key,
the source's status and type words → Baton's, and whether amounts are integer minor units.
`TransactionsFile` is the section's model (BATON_CONFIG's model holds it), checked once at start,
so a typo stops the start with the key it sits under; `build` turns it into the config below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from bot.domain import Transaction, TxStatus, TxType
from bot.schema import FileModel, Refusal, Text, nearest, word

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


def _baton_field(name: str) -> str:
    if name not in TX_FIELDS:
        close = nearest(name, TX_FIELDS)
        hint = f", did you mean {close}?" if close else ""
        raise ValueError(f"not a Baton field{hint} (known: {', '.join(TX_FIELDS)})")
    return name


def _table_name(table: str) -> str:
    parts = table.split(".")
    if len(parts) not in (1, 2) or not all(p.strip() for p in parts):
        raise ValueError(
            'expected a table name, optionally schema-qualified ("backoffice.payments")'
        )
    return table


StatusWord = Annotated[TxStatus, BeforeValidator(word(TxStatus, "not a Baton status"))]
TypeWord = Annotated[TxType, BeforeValidator(word(TxType, "not a Baton type"))]


class SqlFile(FileModel):
    table: Annotated[str, AfterValidator(_table_name)] | None = None
    amount_minor_units: bool | None = None


class HttpFile(FileModel):
    amount_minor_units: bool | None = None


class ValuesFile(FileModel):
    """[transactions.values]: the source's words for statuses and types."""

    status: dict[str, StatusWord] = Field(default_factory=dict)
    type: dict[str, TypeWord] = Field(default_factory=dict)


class TransactionsFile(FileModel):
    """[transactions] in BATON_CONFIG; every key optional."""

    timeout_seconds: Annotated[float, Field(gt=0)] | None = None
    fields: dict[Annotated[str, AfterValidator(_baton_field)], Text] = Field(default_factory=dict)
    sql: SqlFile = SqlFile()
    http: HttpFile = HttpFile()
    values: ValuesFile = ValuesFile()
    currency_exponents: dict[str, Annotated[int, Field(ge=0, le=18)]] = Field(default_factory=dict)


def build(model: TransactionsFile) -> TransactionsConfig:
    """The TransactionsConfig a checked [transactions] table describes (defaults for the rest)."""
    mapped = {f: f for f in TX_FIELDS} | dict(model.fields)
    taken: dict[str, str] = {}
    for key, name in mapped.items():
        if name in taken and key in model.fields:
            raise Refusal(("transactions", "fields", key), f"already used for {taken[name]}")
        taken.setdefault(name, key)
    given: dict[str, Any] = {}
    if model.timeout_seconds is not None:
        given["timeout_seconds"] = float(model.timeout_seconds)
    return TransactionsConfig(
        **given,
        fields=mapped,
        sql=SqlSource(**model.sql.model_dump(exclude_none=True)),
        http=HttpSource(**model.http.model_dump(exclude_none=True)),
        status_values=dict(model.values.status),
        type_values=dict(model.values.type),
        currency_exponents={code.upper(): e for code, e in model.currency_exponents.items()},
    )
