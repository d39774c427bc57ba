"""Transactions in Slack: one line per transaction, and the `/baton txn` answer with paging.

Pure builders: data and a gettext callable in, masked mrkdwn and Block Kit out. Everything that
came from the back office (provider, method, references) is customer text: masked and escaped.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal, is_currency

from bot import i18n
from bot.domain import Transaction, TxStatus, TxType
from bot.masking import mask
from bot.slack_messages.text import customer

STATUS_ICONS = {
    TxStatus.PENDING: ":hourglass_flowing_sand:",
    TxStatus.PROCESSING: ":arrows_counterclockwise:",
    TxStatus.COMPLETED: ":white_check_mark:",
    TxStatus.FAILED: ":x:",
    TxStatus.REVERSED: ":leftwards_arrow_with_hook:",
    TxStatus.CANCELLED: ":no_entry_sign:",
}
# Statuses whose failure code is worth explaining to the analyst.
EXPLAINED = frozenset({TxStatus.FAILED, TxStatus.REVERSED})


def type_label(kind: TxType, _: i18n.Gettext) -> str:
    """The translated name of a transaction type."""
    labels = {
        TxType.DEPOSIT: _("Deposit"),
        TxType.WITHDRAWAL: _("Withdrawal"),
        TxType.CREDIT: _("Credit"),
        TxType.DEBIT: _("Debit"),
        TxType.REFUND: _("Refund"),
        TxType.CHARGEBACK: _("Chargeback"),
    }
    return labels.get(kind, str(kind))


def status_label(status: TxStatus, _: i18n.Gettext) -> str:
    """The translated name of a transaction status."""
    labels = {
        TxStatus.PENDING: _("Pending"),
        TxStatus.PROCESSING: _("Processing"),
        TxStatus.COMPLETED: _("Completed"),
        TxStatus.FAILED: _("Failed"),
        TxStatus.REVERSED: _("Reversed"),
        TxStatus.CANCELLED: _("Cancelled"),
    }
    return labels.get(status, str(status))


def money(amount: Decimal, currency: str, *, locale: str | None) -> str:
    """An amount with its currency, as the analyst's locale writes it ("R$ 1.234,50").

    Currencies babel does not know (USDT and other tokens) are the number and the code, with
    every decimal the source gave: a token amount must not be rounded to cents.
    """
    where = i18n.babel_locale(locale)
    code = currency.upper()
    if is_currency(code):
        return str(format_currency(amount, code, locale=where))
    number = format_decimal(amount, locale=where, decimal_quantization=False)
    return f"{number} {customer(code)}"


def _explanation(tx: Transaction, _: i18n.Gettext) -> str | None:
    """Why a failed or reversed transaction failed, and what to do next (None: nothing known)."""
    if tx.status not in EXPLAINED or not tx.failure_code:
        return None
    # HOOK (helper B): bot.transactions.failures.explain(code) -> Explanation(code, summary,
    # next_step) with N_ msgids; until it lands the raw code is shown.
    return _("Failure code {code}").format(code=customer(tx.failure_code))


def tx_line(tx: Transaction, *, _: i18n.Gettext, locale: str | None, tz: str) -> str:
    """One transaction as masked mrkdwn: what, how much, status, provider, when, references.

    A failed or reversed one gets a second line with the failure explained and the next step.
    """
    status = f"{STATUS_ICONS.get(tx.status, '')} {status_label(tx.status, _)}".strip()
    parts = [
        f"*{type_label(tx.type, _)}*",
        money(tx.amount, tx.currency, locale=locale),
        status,
    ]
    via = " / ".join(customer(v) for v in (tx.provider, tx.method) if v)
    if via:
        parts.append(via)
    parts.append(i18n.format_datetime(tx.created_at, locale=locale, tz=tz))
    refs = f"`{customer(tx.id)}`"
    if tx.provider_reference:
        refs += " · " + _("provider ref {reference}").format(
            reference=f"`{customer(tx.provider_reference)}`"
        )
    parts.append(refs)
    line = " · ".join(parts)
    if tx.updated_at is not None and tx.updated_at != tx.created_at:
        updated = i18n.format_datetime(tx.updated_at, locale=locale, tz=tz)
        line += " · " + _("updated {time}").format(time=updated)
    why = _explanation(tx, _)
    if why:
        line += f"\n      ↳ {why}"
    return mask(line)
