"""The Resolve modal: a pure builder (an escalation, a stored resolution, gettext in; a view out).

Block ids are ``ids.ResolveField`` values (the resolution form's fields too), so the errors
``bot.resolutions.form.parse`` returns land under their inputs; each input's action id is its
field's ``input_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import i18n
from bot.domain import RESOLUTION_STATUSES, CustomerOutcome, Lacked, RootCause
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.ids import AlertAction, ResolveField, ResolveView
from bot.slack_messages.modals import modal as envelope
from bot.store.models import Escalation, ResolutionRow


def root_cause_label(_: i18n.Gettext, value: RootCause) -> str:
    labels = {
        RootCause.PROVIDER_DELAY: _("Provider delay"),
        RootCause.PROVIDER_FAILURE: _("Provider failure"),
        RootCause.CUSTOMER_ERROR: _("Customer error"),
        RootCause.KYC_INCOMPLETE: _("KYC incomplete"),
        RootCause.DOCUMENT_SUSPICIOUS: _("Document suspicious"),
        RootCause.INTERNAL_BUG: _("Internal bug"),
        RootCause.PROCESS_GAP: _("Process gap"),
        RootCause.FRAUD_CONFIRMED: _("Fraud confirmed"),
        RootCause.OTHER: _("Other"),
    }
    return labels[value]


def outcome_label(_: i18n.Gettext, value: CustomerOutcome) -> str:
    labels = {
        CustomerOutcome.FUNDS_CREDITED: _("Funds credited"),
        CustomerOutcome.WITHDRAWAL_PAID: _("Withdrawal paid"),
        CustomerOutcome.REFUNDED: _("Refunded"),
        CustomerOutcome.DOCUMENTS_APPROVED: _("Documents approved"),
        CustomerOutcome.DOCUMENTS_REJECTED: _("Documents rejected"),
        CustomerOutcome.ACCOUNT_RESTRICTED: _("Account restricted"),
        CustomerOutcome.INFORMATION_GIVEN: _("Information given"),
        CustomerOutcome.NO_ACTION_NEEDED: _("No action needed"),
    }
    return labels[value]


def lacked_label(_: i18n.Gettext, value: Lacked) -> str:
    labels = {
        Lacked.ACCESS: _("Access"),
        Lacked.KNOWLEDGE: _("Knowledge"),
        Lacked.AUTHORITY: _("Authority"),
        Lacked.INFORMATION: _("Information"),
    }
    return labels[value]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(
    field: ResolveField, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": str(field),
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": field.input_id},
    }
    if optional:
        block["optional"] = True
    return block


def _select(options: list[dict[str, Any]], initial: str | None, placeholder: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "placeholder": {"type": "plain_text", "text": placeholder},
        "options": options,
    }
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def modal(
    _: i18n.Gettext, *, escalation_id: int, ticket_id: int, stored: ResolutionRow | None = None
) -> dict[str, Any]:
    """The Resolve modal for an escalation, prefilled with its stored resolution if any."""
    causes = [_option(root_cause_label(_, r), r.value) for r in RootCause]
    outcomes = [_option(outcome_label(_, o), o.value) for o in CustomerOutcome]
    yes_no = [_option(_("Yes"), "yes"), _option(_("No"), "no")]
    lacked = [_option(lacked_label(_, x), x.value) for x in Lacked]
    statuses = [
        _option(_("Solved"), RESOLUTION_STATUSES[0]),
        _option(_("Pending"), RESOLUTION_STATUSES[1]),
    ]
    avoidable = None if stored is None else ("yes" if stored.avoidable else "no")
    radios: dict[str, Any] = {"type": "radio_buttons", "options": yes_no}
    if avoidable:
        radios["initial_option"] = yes_no[0 if avoidable == "yes" else 1]
    boxes: dict[str, Any] = {"type": "checkboxes", "options": lacked}
    picked = [o for o in lacked if stored is not None and o["value"] in (stored.lacked or [])]
    if picked:
        boxes["initial_options"] = picked
    summary: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": limits.INPUT_VALUE,
    }
    if stored is not None:
        summary["initial_value"] = limits.fit(stored.summary, limits.INPUT_VALUE)
    title = _("Amend resolution") if stored is not None else _("Resolve")
    return envelope(
        callback_id=str(ResolveView.CALLBACK),
        private_metadata=str(escalation_id),
        title=title,
        submit=_("Resolve"),
        close=_("Cancel"),
        blocks=[
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _("How did ticket #{ticket} end?").format(ticket=ticket_id),
                },
            },
            _input(
                ResolveField.ROOT_CAUSE,
                _("Root cause"),
                _select(causes, stored.root_cause if stored else None, _("Pick a root cause")),
            ),
            _input(ResolveField.SUMMARY, _("What was wrong and what you did"), summary),
            _input(
                ResolveField.OUTCOME,
                _("Customer outcome"),
                _select(outcomes, stored.outcome if stored else None, _("Pick an outcome")),
            ),
            _input(
                ResolveField.AVOIDABLE, _("Could the outsourcing team have handled it?"), radios
            ),
            _input(ResolveField.LACKED, _("If yes, what did they lack?"), boxes, optional=True),
            _input(
                ResolveField.STATUS,
                _("Set the Zendesk ticket to"),
                _select(statuses, stored.zendesk_status if stored else "solved", _("Status")),
            ),
        ],
    )


def _resolve_button(_: i18n.Gettext, esc_id: int) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": str(AlertAction.RESOLVE),  # the same modal as on an alert
        "text": {"type": "plain_text", "text": _("Resolve")},
        "value": str(esc_id),
    }


def needs_root_cause_blocks(
    _: i18n.Gettext,
    rows: Sequence[Escalation],
    *,
    locale: str | None,
    tz: str,
    room: int = limits.MESSAGE_BLOCKS - 1,
) -> list[dict[str, Any]]:
    """One line per escalation closed in Zendesk without a root cause, each with Resolve.

    At most ``room`` blocks: past it, the rest are listed in one last section, without buttons.
    """
    lines = []
    for esc in rows:
        when = (
            i18n.format_datetime(esc.resolved_at, locale=locale, tz=tz) if esc.resolved_at else "-"
        )
        line = _("Ticket #{ticket} ({category}), closed in Zendesk {when}").format(
            ticket=esc.ticket_id, category=esc.category or "-", when=when
        )
        lines.append((esc.id, line))
    shown = lines if len(lines) <= room else lines[: max(room - 1, 0)]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": line},
            "accessory": _resolve_button(_, esc_id),
        }
        for esc_id, line in shown
    ]
    rest = "\n".join(line for _id, line in lines[len(shown) :])
    if rest and room:
        text = limits.fit(rest, limits.SECTION_TEXT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks


def needs_root_cause(
    _: i18n.Gettext, rows: Sequence[Escalation], *, locale: str | None, tz: str
) -> tuple[str, list[dict[str, Any]]]:
    """The weekly DM: escalations of yours closed in Zendesk that still need a root cause."""
    text = _("These escalations were closed in Zendesk and still need a root cause:")
    head = {"type": "section", "text": {"type": "mrkdwn", "text": f":memo: {text}"}}
    blocks = [head, *needs_root_cause_blocks(_, rows, locale=locale, tz=tz)]
    return limits.message(mask(text), mask_deep(blocks))


HOME_ROOM = 30  # blocks of the App Home's "Needs a root cause" section, its header included


def home_section(
    _: i18n.Gettext, rows: Sequence[Escalation], *, locale: str | None, tz: str
) -> list[dict[str, Any]]:
    """The App Home's "Needs a root cause" section (nothing when there is none)."""
    if not rows:
        return []
    title = {"type": "header", "text": {"type": "plain_text", "text": _("Needs a root cause")}}
    found = needs_root_cause_blocks(_, rows, locale=locale, tz=tz, room=HOME_ROOM - 1)
    blocks: list[dict[str, Any]] = mask_deep([title, *found])
    return blocks
