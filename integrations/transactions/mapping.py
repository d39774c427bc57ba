"""A back office's row or JSON object → Baton's Transaction, through [transactions] maps.

Shared by both adapters. Errors name the Baton field and the source's key, never the value:
values are customer data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision

from bot.config.transactions import REQUIRED_FIELDS, TX_FIELDS, TransactionsConfig
from bot.domain import Transaction, TxStatus, TxType

log = logging.getLogger(__name__)

# A status word no map knows: shown as still in progress, so nobody reads it as settled or lost.
UNMAPPED_STATUS = TxStatus.PROCESSING
# A type word no map knows: shown as a deposit, so a customer's deposit is never called
# "not received" only because the back office used a word Baton was not told about.
UNMAPPED_TYPE = TxType.DEPOSIT


class MappingError(ValueError):
    """A row Baton cannot read; the message names the field, not the value."""


class RowMapper:
    """Reads rows for one TransactionsConfig; warns once per unmapped word."""

    def __init__(self, config: TransactionsConfig, *, minor_units: bool) -> None:
        self.config = config
        self.minor_units = minor_units
        self._status = _lookup_table(config.status_values, TxStatus)
        self._type = _lookup_table(config.type_values, TxType)
        self._warned: set[tuple[str, str]] = set()

    def to_transaction(self, row: Mapping[Any, Any]) -> Transaction:
        """Turn one source row (keyed by the source's names) into a Transaction."""
        values: dict[str, Any] = {}
        for name in TX_FIELDS:
            key = self.config.column(name)
            value = row.get(key)
            if isinstance(value, str) and not value.strip():
                value = None
            if value is None and name in REQUIRED_FIELDS:
                raise MappingError(f"a transaction has no {name} ({key!r})")
            values[name] = value
        currency = self._text("currency", values["currency"]).upper()
        if not (3 <= len(currency) <= 5 and currency.isalnum()):
            raise MappingError(
                f"currency ({self.config.column('currency')!r}) is not a currency code"
            )
        return Transaction(
            id=self._text("id", values["id"]),
            type=self._word("type", values["type"], self._type, UNMAPPED_TYPE),
            amount=self._amount(values["amount"], currency),
            currency=currency,
            status=self._word("status", values["status"], self._status, UNMAPPED_STATUS),
            created_at=self._time("created_at", values["created_at"]),
            provider_reference=self._opt_text("provider_reference", values["provider_reference"]),
            customer_id=self._opt_text("customer_id", values["customer_id"]),
            email=self._opt_text("email", values["email"]),
            provider=self._opt_text("provider", values["provider"]),
            method=self._opt_text("method", values["method"]),
            failure_code=self._opt_text("failure_code", values["failure_code"]),
            updated_at=(
                None
                if values["updated_at"] is None
                else self._time("updated_at", values["updated_at"])
            ),
        )

    def _text(self, name: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise MappingError(f"{name} ({self.config.column(name)!r}) is not text")
        return str(value).strip()

    def _opt_text(self, name: str, value: Any) -> str | None:
        return None if value is None else self._text(name, value)

    def _word(self, name: str, value: Any, table: Mapping[str, Any], fallback: Any) -> Any:
        word = self._text(name, value)
        mapped = table.get(word, table.get(word.lower()))
        if mapped is not None:
            return mapped
        if (name, word) not in self._warned:
            # Status and type words are the back office's vocabulary, not customer data.
            self._warned.add((name, word))
            log.warning(
                "transactions.unmapped_value",
                extra={
                    "field": name,
                    "value": word[:40],
                    "shown_as": fallback.value,
                    "hint": f"add it under [transactions.values.{name}] in BATON_CONFIG",
                },
            )
        return fallback

    def _amount(self, value: Any, currency: str) -> Decimal:
        column = self.config.column("amount")
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            if isinstance(value, float):
                value = repr(value)  # 12.3 stays 12.3, not 12.2999999…
            amount = Decimal(value) if isinstance(value, int | str | Decimal) else None
        except (InvalidOperation, ValueError):
            amount = None
        if amount is None or not amount.is_finite():
            raise MappingError(f"amount ({column!r}) is not a number")
        if self.minor_units:
            if amount != amount.to_integral_value():
                raise MappingError(f"amount ({column!r}) is not a whole number of minor units")
            amount = amount.scaleb(-self.exponent(currency))
        return amount

    def exponent(self, currency: str) -> int:
        """Digits after the point in currency's major unit (JPY 0, BRL 2, unknown codes 2)."""
        configured = self.config.currency_exponents.get(currency)
        return configured if configured is not None else int(get_currency_precision(currency))

    def _time(self, name: str, value: Any) -> datetime:
        column = self.config.column(name)
        if isinstance(value, str):
            text = value.strip()
            try:
                value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
            except ValueError:
                raise MappingError(f"{name} ({column!r}) is not a date and time") from None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = datetime.fromtimestamp(value, tz=UTC)
        if not isinstance(value, datetime):
            raise MappingError(f"{name} ({column!r}) is not a date and time")
        # A back office that stores naive times is read as storing UTC (README "Transactions").
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _lookup_table(
    configured: Mapping[str, Any], enum: type[TxStatus] | type[TxType]
) -> dict[str, Any]:
    """The configured words, plus Baton's own words (any case) as the identity."""
    table: dict[str, Any] = {m.value: m for m in enum}
    table.update({m.value.upper(): m for m in enum})
    table.update(configured)
    return table
