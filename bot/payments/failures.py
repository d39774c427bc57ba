"""What a back office's failure code means, and what the analyst does next.

The codes are the ones payment back offices really emit: Stripe's decline and payout failure
codes, Adyen's refusal reasons, and the local ones of a Brazilian Pix / crypto desk. Texts are
English message ids (``N_``); the edge translates them with the reader's catalog. Lookup is
case-insensitive and treats ``-`` and spaces like ``_`` ("Not enough balance", "do-not-honor").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import N_
from bot.i18n import Gettext


@dataclass(frozen=True)
class Explanation:
    """A failure code in plain language: what happened and the analyst's next step.

    ``summary`` and ``next_step`` are message ids; the generic one for an unknown code has a
    ``{code}`` placeholder, so show them with ``render(_)``.
    """

    code: str
    summary: str
    next_step: str
    known: bool = True

    def render(self, _: Gettext) -> tuple[str, str]:
        """The summary and next step translated with ``_`` and filled with the raw code."""
        return _(self.summary).format(code=self.code), _(self.next_step).format(code=self.code)


# canonical code: (summary, next step, other names the same failure goes by)
_CATALOGUE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "insufficient_funds": (
        N_("The customer's account or card did not have enough balance."),
        N_("Ask the customer to check the balance with their bank, then retry; nothing was taken."),
        ("not_enough_balance", "insufficient_balance", "balance_insufficient"),
    ),
    "provider_timeout": (
        N_("The payment provider did not answer in time, so the final result is unknown."),
        N_(
            "Check the status with the provider using the provider reference before any retry, "
            "so the customer is not paid or charged twice."
        ),
        ("timeout", "psp_timeout", "acquirer_timeout", "gateway_timeout", "issuer_unavailable"),
    ),
    "kyc_pending": (
        N_("The customer's identity verification (KYC) is not complete, so the payment is held."),
        N_(
            "Ask for the missing KYC documents: an ID document (front and back), a selfie holding "
            "it, and a proof of address from the last 3 months."
        ),
        ("kyc_required", "kyc_incomplete", "verification_required"),
    ),
    "name_mismatch": (
        N_("The name on the bank account does not match the name of the account holder."),
        N_(
            "Ask for a bank statement showing the account in the customer's own name; payments "
            "to or from third parties are not accepted."
        ),
        ("incorrect_account_holder_name", "account_holder_mismatch", "beneficiary_name_mismatch"),
    ),
    "account_closed": (
        N_("The destination bank account is closed."),
        N_("Ask the customer for another bank account in their own name and retry the payment."),
        (),
    ),
    "account_frozen": (
        N_("The bank has frozen or restricted the destination account."),
        N_(
            "Ask the customer to sort it out with their bank, or to give another account in "
            "their name."
        ),
        ("bank_account_restricted", "account_restricted", "bank_ownership_changed"),
    ),
    "invalid_account": (
        N_("The bank account details are wrong, or the account does not exist."),
        N_(
            "Ask the customer to confirm the bank, branch and account number (or IBAN), then retry."
        ),
        ("invalid_account_number", "no_account", "invalid_iban", "unknown_account"),
    ),
    "limit_exceeded": (
        N_(
            "The amount or the number of payments is over a limit (the customer's, the bank's or "
            "the provider's)."
        ),
        N_(
            "Check the customer's limits in the back office; offer a smaller amount or a limit "
            "review."
        ),
        (
            "withdrawal_amount_exceeded",
            "withdrawal_count_exceeded",
            "amount_limit_exceeded",
            "daily_limit_exceeded",
            "card_velocity_exceeded",
        ),
    ),
    "card_declined": (
        N_("The card issuer declined the payment without giving a reason."),
        N_("Ask the customer to contact their card issuer, or to pay with another method."),
        ("declined", "generic_decline", "refused", "not_permitted"),
    ),
    "do_not_honor": (
        N_(
            'The card issuer refused the payment ("do not honor"), usually a block on the '
            "bank's side."
        ),
        N_("Ask the customer to call their bank to allow the payment, then retry."),
        (),
    ),
    "expired_card": (
        N_("The card has expired."),
        N_("Ask the customer to update the card details or to pay with another card."),
        ("card_expired",),
    ),
    "invalid_card": (
        N_("The card number, expiry date or security code was entered wrong."),
        N_("Ask the customer to enter the card details again carefully."),
        (
            "incorrect_cvc",
            "invalid_cvc",
            "cvc_declined",
            "incorrect_number",
            "invalid_card_number",
            "invalid_expiry_year",
        ),
    ),
    "blocked_card": (
        N_("The card is blocked: reported lost or stolen, or restricted by the issuer."),
        N_(
            "Do not retry the card; ask for another payment method and look at the account for "
            "fraud signals."
        ),
        ("lost_card", "stolen_card", "restricted_card", "pickup_card"),
    ),
    "fraud_suspected": (
        N_("The provider or our risk checks flagged the payment as possible fraud."),
        N_(
            "Do not retry it; send the case to compliance with the evidence, and tell the customer "
            "nothing about the fraud check."
        ),
        ("fraudulent", "fraud", "risk_declined", "suspected_fraud"),
    ),
    "duplicate": (
        N_("The payment was refused as a duplicate of an earlier one."),
        N_(
            "Find the earlier payment with the same amount and reference and confirm it went "
            "through before retrying anything."
        ),
        ("duplicate_transaction", "duplicate_payment"),
    ),
    "pix_key_not_found": (
        N_("The Pix key does not exist or is not registered at any bank."),
        N_(
            "Ask the customer to confirm the Pix key (CPF, phone, e-mail or random key) in their "
            "bank's app."
        ),
        ("pix_key_invalid", "dict_key_not_found", "invalid_pix_key"),
    ),
    "beneficiary_bank_unavailable": (
        N_("The beneficiary's bank is not answering (offline or in maintenance)."),
        N_(
            "Retry later; if it lasts more than a few hours, ask the provider about the bank's "
            "status."
        ),
        ("bank_unavailable", "destination_bank_unavailable", "receiving_bank_unavailable"),
    ),
    "aml_review": (
        N_("The payment is held for an anti-money-laundering review."),
        N_(
            "Leave the decision to compliance; tell the customer only that the payment is under a "
            "routine review."
        ),
        ("aml_hold", "compliance_review", "aml_check"),
    ),
    "chargeback": (
        N_("The customer's bank reversed the payment after a dispute (chargeback)."),
        N_(
            "Get the dispute reason from the provider and gather the evidence (receipts, logs) "
            "before the response deadline."
        ),
        ("dispute", "disputed"),
    ),
    "invalid_currency": (
        N_("The provider or the destination account does not accept this currency."),
        N_(
            "Ask the customer for an account that accepts this currency, or pay in a supported one."
        ),
        ("currency_not_supported", "unsupported_currency"),
    ),
    "processing_error": (
        N_("The provider had an internal error while processing the payment."),
        N_(
            "Retry once; if it fails again, open a case with the provider quoting the provider "
            "reference."
        ),
        ("could_not_process", "acquirer_error", "provider_error"),
    ),
    "debit_not_authorized": (
        N_("The customer's bank did not authorize the debit."),
        N_("Ask the customer to authorize the debit with their bank, then retry."),
        ("not_authorized", "authorization_revoked"),
    ),
}

_UNKNOWN_SUMMARY = N_(
    "The source reports failure code “{code}”, which Baton has no explanation for yet."
)
_UNKNOWN_NEXT = N_(
    "Look the code up in the provider's documentation, or ask the provider quoting the provider "
    "reference."
)

_NAMES: dict[str, str] = {
    name: code for code, (_s, _n, aliases) in _CATALOGUE.items() for name in (code, *aliases)
}


def normalize(code: str) -> str:
    """The catalogue spelling of a code: lower case, ``-`` and spaces as ``_``."""
    return re.sub(r"[\s\-]+", "_", code.strip().lower())


def explain(code: str | None) -> Explanation | None:
    """Explain a failure code; None when there is no code, a generic text when it is unknown."""
    if code is None or not code.strip():
        return None
    canonical = _NAMES.get(normalize(code))
    if canonical is None:
        return Explanation(code.strip(), _UNKNOWN_SUMMARY, _UNKNOWN_NEXT, known=False)
    summary, next_step, _aliases = _CATALOGUE[canonical]
    return Explanation(canonical, summary, next_step)
