"""What a money request is: its type, reason, state, and an amount checked for its currency."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from babel.numbers import get_currency_precision, is_currency

from bot.errors import N_, UserFacingError


class Kind(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"
    REFUND = "refund"
    RELEASE = "release"


class Reason(StrEnum):
    """The fixed list of SPEC §14."""

    GOODWILL = "goodwill"
    PROVIDER_ERROR = "provider_error"
    DUPLICATE_CHARGE = "duplicate_charge"
    FAILED_WITHDRAWAL_RETURN = "failed_withdrawal_return"
    CHARGEBACK_REVERSAL = "chargeback_reversal"
    FEE_REFUND = "fee_refund"
    OTHER = "other"


class State(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"  # waiting for the outbox (or, read-only source: a manual reference)
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTING = "executing"
    COMPLETED = "completed"
    FAILED = "failed"  # the back office refused it (its message is kept)


WAITING = (State.REQUESTED,)
MAX_AMOUNT = Decimal("1e12")  # far above any real movement: a typo of several zeros is refused


def currency_of(text: str) -> str:
    """An ISO 4217 code, upper case; UserFacingError for a code babel does not know."""
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha() or not is_currency(code):
        raise UserFacingError(
            N_("Unknown currency {currency}: use an ISO code such as BRL or USD."),
            currency=text[:10],
        )
    return code


def parse_amount(text: str, currency: str) -> Decimal:
    """The amount as a Decimal in major units, refused unless positive and in minor units."""
    cleaned = text.strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or "e" in cleaned.lower():
        raise UserFacingError(
            N_("{amount} is not an amount: write it like 123.45."), amount=cleaned[:20]
        )
    if amount <= 0:
        raise UserFacingError(N_("The amount must be more than zero."))
    if amount >= MAX_AMOUNT:
        raise UserFacingError(N_("{amount} is too large for one movement."), amount=cleaned[:20])
    places = get_currency_precision(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise UserFacingError(
            N_("{currency} has {places} decimal places: {amount} has more."),
            currency=currency,
            places=places,
            amount=cleaned[:20],
        )
    return amount.quantize(Decimal(1).scaleb(-places))


def reason_of(text: str) -> Reason:
    """A reason from the fixed list; UserFacingError naming the list otherwise."""
    try:
        return Reason(text.strip().lower())
    except ValueError:
        raise UserFacingError(
            N_("Unknown reason {reason}: use one of {reasons}."),
            reason=text[:30],
            reasons=", ".join(r.value for r in Reason),
        ) from None
