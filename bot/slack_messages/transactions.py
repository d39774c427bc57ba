"""Transactions in Slack: one line per transaction, and the `/baton txn` answer with paging.

Pure builders: data and a gettext callable in, masked mrkdwn and Block Kit out. Everything that
came from the back office (provider, method, references) is customer text: masked and escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal, is_currency

from bot import i18n
from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.masking import mask, mask_deep
from bot.payments import failures
from bot.slack_messages import limits
from bot.slack_messages.ids import TxnAction
from bot.slack_messages.text import customer, escape

Block = dict[str, Any]


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
    if tx.status not in EXPLAINED:
        return None
    found = failures.explain(tx.failure_code)
    if found is None:
        return None
    summary, next_step = found.render(_)
    # The catalogue's texts are Baton's; the code inside an unknown one's text is the source's.
    return _("{summary} Next: {next_step}").format(
        summary=escape(summary), next_step=escape(next_step)
    )


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


def key_label(by: LookupBy, _: i18n.Gettext) -> str:
    """The translated name of the key a lookup used."""
    labels = {
        LookupBy.ID: _("transaction id"),
        LookupBy.PROVIDER_REFERENCE: _("provider reference"),
        LookupBy.CUSTOMER_ID: _("customer id"),
        LookupBy.EMAIL: _("e-mail"),
    }
    return labels.get(by, str(by))


def _mrkdwn(kind: str, text: str) -> Block:
    if kind == "context":
        text = limits.fit(text, limits.CONTEXT_TEXT)
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": limits.fit(text, limits.SECTION_TEXT)},
    }


def answer(
    _: i18n.Gettext,
    *,
    value: str,
    by: LookupBy | None,
    transactions: Sequence[Transaction],
    first: int = 1,
    more: str | None = None,
    ticket: int | None = None,
    locale: str | None,
    tz: str,
) -> tuple[str, list[Block]]:
    """The `/baton txn` answer as (fallback text, blocks), masked: one page of transactions.

    ``value`` is what was searched by ``by`` (None: tried as every key); ``first`` the
    position of the page's first transaction (1, 6, …); ``more`` the value of the "More"
    button (None: this is the last page); ``ticket`` names the escalation when the lookup
    came from an alert's button.
    """
    searched = f"`{customer(value)}`"
    key = key_label(by, _) if by is not None else "-"
    if ticket is not None:
        title = _("Transactions of ticket #{ticket}'s customer: {value} (by {key})").format(
            ticket=ticket, value=searched, key=key
        )
    else:
        title = _("Transactions for {value} (by {key})").format(value=searched, key=key)
    if not transactions:
        if by is None:
            text = _("No transactions found for {value}.").format(value=searched)
        else:
            text = _("No transactions found for {value} (searched by {key}).").format(
                value=searched, key=key
            )
        hint = _(
            "Search by a transaction id, a provider reference, a customer id or an e-mail: "
            "`/baton txn <value>`"
        )
        blocks = [_mrkdwn("section", f":mag: {text}"), _mrkdwn("context", hint)]
        return limits.message(mask(text), mask_deep(blocks))
    lines = [tx_line(tx, _=_, locale=locale, tz=tz) for tx in transactions]
    last = first + len(transactions) - 1
    shown = _("Showing {first}–{last}, newest first").format(first=first, last=last)
    blocks = [_mrkdwn("section", f":mag: *{title}*")]
    blocks += [_mrkdwn("section", line) for line in lines]
    if more is not None and limits.length(more) <= limits.BUTTON_VALUE:
        button = {
            "type": "button",
            "action_id": str(TxnAction.MORE),
            "text": {"type": "plain_text", "text": _("More")},
            "value": more,
        }
        blocks += [_mrkdwn("context", shown), {"type": "actions", "elements": [button]}]
    else:
        blocks.append(_mrkdwn("context", shown))
    return limits.message(mask("\n".join([title, *lines])), mask_deep(blocks))
