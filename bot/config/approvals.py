"""The `[approvals]` part of BATON_CONFIG: when a money movement needs a lead, two approvers,
and how long a request waits before it expires (SPEC §14).

`ApprovalsFile` is the section's model (checked at start as part of BATON_CONFIG's); `build`
turns it into the `ApprovalsConfig` the rest of Baton reads. Thresholds are per currency: a
currency left out of a table never needs that approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import is_currency
from pydantic import AfterValidator, BeforeValidator, Field

from bot.schema import FileModel

DEFAULT_LEAD_ABOVE: dict[str, Decimal] = {
    "BRL": Decimal(1000),
    "USD": Decimal(200),
    "EUR": Decimal(200),
    "CNY": Decimal(1500),
    "RUB": Decimal(20000),
}
DEFAULT_TWO_APPROVERS_ABOVE: dict[str, Decimal] = {
    "BRL": Decimal(20000),
    "USD": Decimal(4000),
    "EUR": Decimal(4000),
    "CNY": Decimal(30000),
    "RUB": Decimal(400000),
}


@dataclass(frozen=True)
class ApprovalsConfig:
    expire_hours: float = 24.0
    lead_above: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_LEAD_ABOVE))
    two_approvers_above: Mapping[str, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_TWO_APPROVERS_ABOVE)
    )


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not is_currency(value.upper()):
        raise ValueError("expected an ISO 4217 currency code such as BRL or USD")
    return value.upper()


def _amount(value: Any) -> Decimal:
    # TOML gives ints and floats; a float is read through its text so 0.1 stays 0.1.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("expected an amount such as 1000")
    try:
        amount = Decimal(str(value))
    except ArithmeticError as err:
        raise ValueError("expected an amount such as 1000") from err
    if not amount.is_finite() or amount < 0:
        raise ValueError("expected an amount of 0 or more")
    return amount


Currency = Annotated[str, AfterValidator(_currency)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]


class ApprovalsFile(FileModel):
    """`[approvals]` in BATON_CONFIG; every key optional."""

    expire_hours: Annotated[float, Field(gt=0, le=24 * 30)] | None = None
    lead_above: dict[Currency, Amount] | None = None
    two_approvers_above: dict[Currency, Amount] | None = None


def build(model: ApprovalsFile) -> ApprovalsConfig:
    """The ApprovalsConfig a checked `[approvals]` table describes (defaults for the rest)."""
    base = ApprovalsConfig()
    return ApprovalsConfig(
        expire_hours=float(model.expire_hours or base.expire_hours),
        lead_above=dict(model.lead_above) if model.lead_above is not None else base.lead_above,
        two_approvers_above=(
            dict(model.two_approvers_above)
            if model.two_approvers_above is not None
            else base.two_approvers_above
        ),
    )
