"""Money requests in Slack: the approval message (Approve / Reject), the requester's DMs, and
the request and rejection modals. Pure builders: a ``MoneyCard`` and a gettext in, Block Kit out.

The approvals channel sees amounts, never customer data: the customer id shows only its last
characters, and the note (an analyst's words) is masked and escaped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot import i18n
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.ids import MoneyAction, MoneyView
from bot.slack_messages.modals import modal
from bot.slack_messages.text import customer, escape
from bot.slack_messages.transactions import money

KINDS = ("credit", "debit", "refund", "release")
REASONS = (
    "goodwill",
    "provider_error",
    "duplicate_charge",
    "failed_withdrawal_return",
    "chargeback_reversal",
    "fee_refund",
    "other",
)


@dataclass(frozen=True)
class MoneyCard:
    """What a money request's messages show."""

    id: int
    kind: str
    amount: Decimal
    currency: str
    ticket_id: int
    customer_id: str
    transaction_id: str | None
    reason: str
    note: str
    state: str
    requested_by: str  # a display name (or roster key)
    approved_by: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # Need values still wanted (lead, compliance, approver)
    rejected_by: str | None = None
    reject_reason: str | None = None
    backoffice_message: str | None = None
    reference: str | None = None  # the back office's id, or the manual reference


def kind_label(_: i18n.Gettext, kind: str) -> str:
    labels = {
        "credit": _("Credit"),
        "debit": _("Debit"),
        "refund": _("Refund"),
        "release": _("Release of a held withdrawal"),
    }
    return labels.get(kind, kind)


def reason_label(_: i18n.Gettext, reason: str) -> str:
    labels = {
        "goodwill": _("goodwill"),
        "provider_error": _("provider error"),
        "duplicate_charge": _("duplicate charge"),
        "failed_withdrawal_return": _("failed withdrawal returned"),
        "chargeback_reversal": _("chargeback reversal"),
        "fee_refund": _("fee refund"),
        "other": _("other"),
    }
    return labels.get(reason, reason)


def state_label(_: i18n.Gettext, state: str) -> str:
    labels = {
        "requested": _("waiting for approval"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "expired": _("expired without a decision"),
        "executing": _("being executed"),
        "completed": _("done"),
        "failed": _("refused by the back office"),
    }
    return labels.get(state, state)


def needs_text(_: i18n.Gettext, missing: Sequence[str]) -> str:
    words = {"lead": _("a lead"), "compliance": _("compliance"), "approver": _("an approver")}
    return ", ".join(words.get(m, m) for m in missing)


def masked_customer(customer_id: str) -> str:
    """The customer id's last four characters: enough to tell two apart, not to look one up."""
    tail = customer_id[-4:] if len(customer_id) > 4 else ""
    return f"…{escape(tail)}" if tail else "…"


def headline(card: MoneyCard, _: i18n.Gettext, *, locale: str | None) -> str:
    return _("{kind} of {amount} for ticket #{ticket} (request {id})").format(
        kind=kind_label(_, card.kind),
        amount=money(card.amount, card.currency, locale=locale),
        ticket=card.ticket_id,
        id=card.id,
    )


def approval(
    card: MoneyCard, _: i18n.Gettext, *, locale: str | None, sealed: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The approvals channel's message; sealed (the buttons' value) only while it waits."""
    lines = [
        f"*{headline(card, _, locale=locale)}*",
        _("Customer {customer} · reason: {reason}").format(
            customer=masked_customer(card.customer_id), reason=reason_label(_, card.reason)
        ),
        _("Asked by {person}").format(person=escape(card.requested_by)),
    ]
    if card.transaction_id:
        lines.append(_("Transaction {txn}").format(txn=customer(card.transaction_id)))
    if card.note:
        lines.append(_("Note: {note}").format(note=customer(card.note)))
    if card.approved_by:
        people = ", ".join(escape(p) for p in card.approved_by)
        lines.append(_("Approved by {people}").format(people=people))
    status = _("Status: {state}").format(state=state_label(_, card.state))
    if card.state == "requested" and card.missing:
        status += " · " + _("still needs {needs}").format(needs=needs_text(_, card.missing))
    if card.rejected_by:
        status += " · " + _("rejected by {person}: {why}").format(
            person=escape(card.rejected_by), why=customer(card.reject_reason or "")
        )
    if card.backoffice_message:
        status += " · " + _("the back office says: {message}").format(
            message=customer(card.backoffice_message)
        )
    if card.reference:
        status += " · " + _("reference {ref}").format(ref=escape(card.reference))
    lines.append(status)
    body = "\n".join(lines)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": limits.fit(body, 2900)}}
    ]
    if sealed is not None and card.state == "requested":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"money_actions:{card.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": str(MoneyAction.APPROVE),
                        "style": "primary",
                        "text": {"type": "plain_text", "text": _("Approve")},
                        "value": sealed,
                    },
                    {
                        "type": "button",
                        "action_id": str(MoneyAction.REJECT),
                        "style": "danger",
                        "text": {"type": "plain_text", "text": _("Reject")},
                        "value": sealed,
                    },
                ],
            }
        )
    return limits.message(mask(headline(card, _, locale=locale)), mask_deep(blocks))


def alert_line(card: MoneyCard, _: i18n.Gettext, *, locale: str | None) -> str:
    """The alert's line about the escalation's latest money movement."""
    return ":moneybag: " + _("{what}: {state}.").format(
        what=headline(card, _, locale=locale), state=state_label(_, card.state)
    )


def requester_dm(card: MoneyCard, _: i18n.Gettext, *, locale: str | None) -> str:
    """What the requester is told when their request moves on."""
    what = headline(card, _, locale=locale)
    if card.state == "rejected":
        text = _("{what} was rejected by {person}: {why}").format(
            what=what,
            person=escape(card.rejected_by or ""),
            why=customer(card.reject_reason or ""),
        )
    elif card.state == "approved" and card.reference is None:
        text = _("{what} is approved: execute it in the back office, then record its reference.")
        text = text.format(what=what)
    elif card.state == "failed":
        text = _("{what} was refused by the back office: {message}").format(
            what=what, message=customer(card.backoffice_message or "")
        )
    else:
        text = _("{what}: {state}.").format(what=what, state=state_label(_, card.state))
    return mask(text)


def request_form(
    _: i18n.Gettext,
    *,
    escalation_id: int,
    ticket_id: int,
    kind: str,
    amount: str,
    currency: str,
    metadata: str,
) -> dict[str, Any]:
    """The Money button's form, prefilled from the escalation's matched transaction."""

    def options(values: Sequence[str], label: Any) -> list[dict[str, Any]]:
        return [{"text": {"type": "plain_text", "text": label(_, v)}, "value": v} for v in values]

    def select(block: MoneyView, title: str, values: Sequence[str], label: Any, first: str) -> Any:
        opts = options(values, label)
        return {
            "type": "input",
            "block_id": str(block),
            "label": {"type": "plain_text", "text": title},
            "element": {
                "type": "static_select",
                "action_id": block.input_id,
                "options": opts,
                "initial_option": next(o for o in opts if o["value"] == first),
            },
        }

    def text_input(block: MoneyView, title: str, initial: str, *, optional: bool) -> Any:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": block.input_id}
        if initial:
            element["initial_value"] = initial
        return {
            "type": "input",
            "block_id": str(block),
            "optional": optional,
            "label": {"type": "plain_text", "text": title},
            "element": element,
        }

    blocks = [
        select(MoneyView.KIND, _("Type"), KINDS, kind_label, kind),
        text_input(MoneyView.AMOUNT, _("Amount"), amount, optional=False),
        text_input(MoneyView.CURRENCY, _("Currency"), currency, optional=False),
        select(MoneyView.REASON, _("Reason"), REASONS, reason_label, "other"),
        text_input(MoneyView.NOTE, _("Note"), "", optional=True),
    ]
    title = _("Money for #{ticket}").format(ticket=ticket_id)
    return modal(
        callback_id=str(MoneyView.REQUEST),
        title=title,
        blocks=blocks,
        submit=_("Ask for approval"),
        close=_("Cancel"),
        private_metadata=metadata,
    )


def reject_form(_: i18n.Gettext, *, request_id: int, metadata: str) -> dict[str, Any]:
    """Reject asks why: the requester reads the reason."""
    block = {
        "type": "input",
        "block_id": str(MoneyView.WHY),
        "label": {"type": "plain_text", "text": _("Why is it rejected?")},
        "element": {
            "type": "plain_text_input",
            "action_id": MoneyView.WHY.input_id,
            "multiline": True,
            "max_length": 500,
        },
    }
    return modal(
        callback_id=str(MoneyView.REJECT),
        title=_("Reject request {id}").format(id=request_id),
        blocks=[block],
        submit=_("Reject"),
        close=_("Cancel"),
        private_metadata=metadata,
    )
