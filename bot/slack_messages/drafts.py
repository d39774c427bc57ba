"""Reply drafts in Slack: the ephemeral preview, the Edit modal, and the "sent" notice.

Pure builders: a stored draft and a gettext in, Block Kit out. The draft is the customer's
reply, shown to the analyst alone (ephemeral): amounts, dates and references stay as the
customer will read them, while card, document and account numbers are masked here like any
other text Baton shows in Slack (``text.customer``), and the text is escaped once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot import i18n
from bot.errors import N_
from bot.masking import mask
from bot.slack_messages import limits
from bot.slack_messages.ids import DraftAction, DraftView
from bot.slack_messages.modals import modal
from bot.slack_messages.text import customer, escape
from bot.store.models import DraftRow

Block = dict[str, Any]
SUBJECT_MAX = 250  # what the Edit modal lets the analyst write as a subject


# Each language in its own words: the analyst picks the customer's language, not a translation.
LANGUAGE_NAMES = {
    "en": "English",
    "pt": "Português (Brasil)",
    "es": "Español",
    "zh": "中文（简体）",
    "ru": "Русский",
}

_SOURCES = {
    "tag": N_("from the ticket's language tag"),
    "text": N_("from the customer's own words"),
    "locale": N_("from the requester's Zendesk locale"),
    "default": N_("the default"),
    "analyst": N_("chosen by you"),
}


def template_label(_: i18n.Gettext, template: str, labels: Mapping[str, str]) -> str:
    """A template's name for the analyst, in their language (labels: value → message id)."""
    label = labels.get(template)
    return _(label) if label else escape(template)


def value(draft_id: int, choice: str = "") -> str:
    """A button or option value: the draft id, and for a select the option picked."""
    return f"{draft_id}:{choice}" if choice else str(draft_id)


def parse_value(raw: object) -> tuple[int, str] | None:
    """Read a value back; None for anything this module did not write."""
    if not isinstance(raw, str):
        return None
    head, _sep, choice = raw.partition(":")
    if not head.isascii() or not head.isdigit() or not 0 < int(head) < 2**31:
        return None
    return int(head), choice


def _clip(text: str) -> str:
    return limits.fit(text, limits.SECTION_TEXT)


def _option(text: str, val: str) -> dict[str, Any]:
    return {
        "text": {"type": "plain_text", "text": limits.fit(text, limits.OPTION_TEXT)},
        "value": val,
    }


def _button(text: str, action: DraftAction, val: str, *, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": str(action),
        "text": {"type": "plain_text", "text": limits.fit(text, limits.BUTTON_TEXT)},
        "value": val,
    }
    if style:
        button["style"] = style
    return button


def why(_: i18n.Gettext, draft: DraftRow) -> str:
    """Which language the draft is in and why, with the chooser's note if it has one."""
    source = _SOURCES.get(draft.language_source)
    name = LANGUAGE_NAMES.get(draft.language, draft.language)
    line = _("Written in {language} ({why}).").format(
        language=name, why=_(source) if source else escape(draft.language_source)
    )
    if draft.language_note:
        note = _(draft.language_note).format(locale=escape(draft.requester_locale or ""))
        line += " " + note
    return line


def preview(
    _: i18n.Gettext,
    draft: DraftRow,
    *,
    templates: Sequence[str],
    labels: Mapping[str, str],
    compliance: bool,
    held: bool = False,
) -> tuple[str, list[Block]]:
    """The ephemeral preview with Send, Save as note, Edit and the two pickers.

    ``labels`` names every template (its value → an N_ message id), the offered ones and the
    draft's own.
    """
    head = _("Draft reply for ticket #{ticket}").format(ticket=draft.ticket_id)
    lines = [f"*{head}* · {template_label(_, draft.template, labels)}"]
    if draft.edited:
        lines[0] += " · " + _("edited by you")
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": lines[0]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": why(_, draft)}]},
    ]
    if held:
        notice = _(
            "A payment on this ticket is held for an AML review: only neutral replies are offered."
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notice}]})
    elif compliance:
        notice = _("Compliance case: only neutral replies are offered.")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notice}]})
    if draft.subject:
        subject = _("Subject: {subject}").format(subject=customer(draft.subject))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(subject)}})
    blocks.append(
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(customer(draft.body))}}
    )
    languages = [_option(name, value(draft.id, code)) for code, name in LANGUAGE_NAMES.items()]
    current_language = next(
        (o for o in languages if o["value"] == value(draft.id, draft.language)), None
    )
    offered = [_option(template_label(_, t, labels), value(draft.id, t)) for t in templates]
    current_template = next(
        (o for o in offered if o["value"] == value(draft.id, draft.template)), None
    )
    language_select: Block = {
        "type": "static_select",
        "action_id": str(DraftAction.LANGUAGE),
        "placeholder": {"type": "plain_text", "text": _("Change language")},
        "options": languages,
    }
    if current_language:
        language_select["initial_option"] = current_language
    template_select: Block = {
        "type": "static_select",
        "action_id": str(DraftAction.TEMPLATE),
        "placeholder": {"type": "plain_text", "text": _("Change template")},
        "options": offered,
    }
    if current_template:
        template_select["initial_option"] = current_template
    send = _button(_("Send as public reply"), DraftAction.SEND, value(draft.id), style="primary")
    send["confirm"] = {
        "title": {"type": "plain_text", "text": _("Send to the customer?")},
        "text": {
            "type": "plain_text",
            "text": _("The customer receives this reply from ticket #{ticket}.").format(
                ticket=draft.ticket_id
            ),
        },
        "confirm": {"type": "plain_text", "text": _("Send")},
        "deny": {"type": "plain_text", "text": _("Cancel")},
    }
    blocks.append(
        {
            "type": "actions",
            "block_id": f"draft_actions_{draft.id}",
            "elements": [
                send,
                _button(_("Save as internal note"), DraftAction.NOTE, value(draft.id)),
                _button(_("Edit"), DraftAction.EDIT, value(draft.id)),
                language_select,
                template_select,
            ],
        }
    )
    return limits.message(mask(f"{head}: {draft.subject}"), blocks)


def sent(
    _: i18n.Gettext, draft: DraftRow, *, by: str, already: bool, locale: str, tz: str
) -> tuple[str, list[Block]]:
    """What takes the preview's place once the draft has gone (or had gone already)."""
    when = i18n.format_time(draft.sent_at or datetime.min, locale=locale, tz=tz)
    if draft.status == "sent":
        text = _("Sent to ticket #{ticket} as a public reply by {name} at {time}.")
    else:
        text = _("Saved on ticket #{ticket} as an internal note by {name} at {time}.")
    text = text.format(ticket=draft.ticket_id, name=escape(by), time=when)
    if already:
        text = _("Already done: {what}").format(what=text)
    quoted = "\n".join(f">{line}" for line in customer(draft.body).splitlines())
    return limits.message(
        mask(text),
        [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(quoted or ">")}},
        ],
    )


def edit_modal(
    _: i18n.Gettext, draft: DraftRow, *, metadata: str, neutral: bool = False
) -> dict[str, Any]:
    """The Edit modal, prefilled with the draft (masked as in the preview); on a ticket that
    takes neutral replies only (templates.needs_neutral), a line saying what may not be written.
    """
    hint: list[Block] = []
    if neutral:
        words = _(
            "Neutral replies only: write nothing of an investigation or review, a block or "
            "freeze, fraud or suspicion, a report, money laundering, compliance or the police "
            "(a reply that does is not sent)."
        )
        hint.append({"type": "context", "elements": [{"type": "mrkdwn", "text": words}]})
    return modal(
        callback_id=str(DraftView.CALLBACK),
        private_metadata=metadata,
        title=_("Edit the reply"),
        submit=_("Save"),
        close=_("Cancel"),
        blocks=[
            *hint,
            {
                "type": "input",
                "block_id": str(DraftView.SUBJECT),
                "optional": True,
                "label": {"type": "plain_text", "text": _("Subject")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": str(DraftView.SUBJECT_INPUT),
                    "initial_value": limits.fit(mask(draft.subject), SUBJECT_MAX),
                    "max_length": SUBJECT_MAX,
                },
            },
            {
                "type": "input",
                "block_id": str(DraftView.BODY),
                "label": {"type": "plain_text", "text": _("Reply")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": str(DraftView.BODY_INPUT),
                    "multiline": True,
                    "initial_value": limits.fit(mask(draft.body), limits.INPUT_VALUE),
                    "max_length": limits.INPUT_VALUE,
                },
            },
        ],
    )
