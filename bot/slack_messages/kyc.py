"""KYC answers and the alert's "Documents" section: pure builders, masked and escaped.

Numbers arrive already masked (bot/documents keeps the last characters only); file names came
from the customer and are escaped and masked again like every text from outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import i18n
from bot.documents.findings import DocumentFindings, Level, Line, State
from bot.documents.mrz import MrzCheck
from bot.documents.numbers import TYPES, NumberCheck
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.text import customer

Block = dict[str, Any]
MAX_LINES = 12  # an alert shows this many findings; the ticket check shows them all
ICONS = {Level.PASSED: ":white_check_mark:", Level.WARNING: ":warning:", Level.FAILED: ":x:"}


def _reasons(_: i18n.Gettext) -> dict[str, str]:
    return {
        "length": _("wrong length"),
        "check_digit": _("wrong check digit"),
        "format": _("not the right format"),
        "component": _("a part of it does not exist (region or type)"),
        "date": _("the date in it does not exist"),
    }


def _encoded(_: i18n.Gettext) -> dict[str, str]:
    return {
        "birth_date": _("Birth date"),
        "sex": _("Sex"),
        "region": _("Region"),
        "holder": _("Holder"),
    }


def _values(_: i18n.Gettext) -> dict[str, str]:
    return {
        "male": _("male"),
        "female": _("female"),
        "person": _("a person"),
        "company": _("a company"),
    }


def line_text(line: Line, _: i18n.Gettext) -> str:
    """One finding in words (subject first), masked and escaped."""
    d = customer(line.detail)
    words = {
        "number_valid": _("valid number"),
        "under_18": _("holder under 18 (born {date})").format(date=d),
        "mrz_valid": _("MRZ check digits correct"),
        "mrz_check_digit": _("MRZ check digit wrong: {fields}").format(fields=d),
        # Not "document …": the masking would take the date that follows for its number.
        "expired": _("expired on {date}").format(date=d),
        "name_mismatch": _("holder name does not match the account holder"),
        "name_partial": _("holder name matches the account holder only in part"),
        "name_match": _("holder name matches the account holder"),
        "duplicate": _("same document number on another customer (ticket {ticket})").format(
            ticket=d
        ),
        "duplicates_unchecked": _("duplicates not checked: BATON_SECRET_KEY is not set"),
        "made_by_editor": _("made or saved by an editor ({tool})").format(tool=d),
        "modified_after_creation": _("modified after it was created ({dates})").format(dates=d),
        "incremental_updates": _("changed after it was first saved ({count} updates)").format(
            count=d
        ),
        "file_clean": _("no sign of editing"),
        "file_too_large": _("not read: over 20 MB"),
        "file_unread": _("could not be downloaded"),
        "file_unreadable": _("could not be read"),
        "malware": _("flagged as malware by Zendesk, not opened"),
        "no_documents": _("no document number or file found"),
    }.get(line.code, customer(line.code))
    subject = customer(line.subject)
    return f"{ICONS[line.level]} {subject}: {words}" if subject else f"{ICONS[line.level]} {words}"


def _lines(found: DocumentFindings, _: i18n.Gettext, *, limit: int | None) -> list[str]:
    if found.state is State.PENDING:
        return [_(":hourglass: Still checking the documents; this alert is updated when done.")]
    if found.state is State.UNAVAILABLE:
        return [_(":warning: The documents could not be read from Zendesk; check them by hand.")]
    shown = list(found.lines if limit is None else found.lines[:limit])
    out = [line_text(line, _) for line in shown]
    if limit is not None and len(found.lines) > limit:
        out.append(_("… and {count} more").format(count=len(found.lines) - limit))
    summary = _("{failed} failed · {warnings} warnings · {passed} passed").format(
        failed=found.count(Level.FAILED),
        warnings=found.count(Level.WARNING),
        passed=found.count(Level.PASSED),
    )
    out.insert(0, summary)
    if found.missing:
        names = {
            "id_document": _("ID document"),
            "selfie": _("selfie"),
            "proof_of_address": _("proof of address"),
        }
        missing = ", ".join(names.get(m, m) for m in found.missing)
        out.append(_("Still missing: {documents}").format(documents=missing))
    return out


def documents_blocks(data: Mapping[str, Any] | None, *, _: i18n.Gettext) -> list[Block]:
    """The alert's "Documents" section (nothing when the documents were not checked)."""
    found = DocumentFindings.from_json(data)
    if found is None:
        return []
    text = "\n".join(
        [f":identification_card: *{_('Documents')}*", *_lines(found, _, limit=MAX_LINES)]
    )
    text = limits.fit(mask(text), limits.SECTION_TEXT)
    return [{"type": "section", "block_id": "documents", "text": {"type": "mrkdwn", "text": text}}]


def ticket_answer(
    _: i18n.Gettext, *, ticket_id: int, found: DocumentFindings
) -> tuple[str, list[Block]]:
    """`/baton kyc <ticket>`: every finding of the ticket's documents."""
    title = _("Documents of ticket #{ticket}").format(ticket=ticket_id)
    text = "\n".join([f"*{title}*", *_lines(found, _, limit=None)])
    return _message(title, text)


def number_answer(_: i18n.Gettext, check: NumberCheck) -> tuple[str, list[Block]]:
    """`/baton kyc <type> <number>`: valid or why not, and what a valid number encodes."""
    if check.valid:
        head = _(":white_check_mark: {kind} {number} is valid.").format(
            kind=check.kind, number=check.masked
        )
        labels, values = _encoded(_), _values(_)
        lines = [head] + [
            f"• *{labels.get(k, k)}:* {customer(values.get(v, v))}" for k, v in check.encodes
        ]
    else:
        reason = _reasons(_).get(check.reason or "format", check.reason or "")
        lines = [
            _(":x: {kind} {number} is not valid: {reason}.").format(
                kind=check.kind, number=check.masked, reason=reason
            )
        ]
    return _message(lines[0], "\n".join(lines))


def mrz_answer(
    _: i18n.Gettext, zone: MrzCheck | None, lines: list[Line]
) -> tuple[str, list[Block]]:
    """`/baton kyc mrz <lines>`: every check digit, the dates, nationality and names."""
    if zone is None:
        head = _(":x: Not a machine-readable zone: paste its two or three lines (TD1, TD2 or TD3).")
        return _message(head, head)
    head = _("MRZ ({format}) of document {number}").format(
        format=zone.format, number=zone.number_masked
    )
    rows = [
        f"*{head}*",
        *(line_text(line, _) for line in lines),
        _pairs(
            (_("Type"), zone.document_type),
            (_("Issued by"), zone.country),
            (_("Nationality"), zone.nationality),
        ),
        _pairs((_("Names"), zone.holder), (_("Sex"), zone.sex)),
        _pairs(
            (_("Birth date"), str(zone.birth_date or "-")),
            (_("Expiry date"), str(zone.expiry_date or "-")),
        ),
    ]
    return _message(head, "\n".join(rows))


def _pairs(*pairs: tuple[str, str]) -> str:
    return "• " + " · ".join(f"*{label}:* {customer(value) or '-'}" for label, value in pairs)


def types_help(_: i18n.Gettext) -> str:
    return _("Document types: {types}. Or a ticket number to check all its documents.").format(
        types=", ".join(f"`{t}`" for t in TYPES)
    )


def _message(text: str, body: str) -> tuple[str, list[Block]]:
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": limits.fit(body, limits.SECTION_TEXT)},
        }
    ]
    return limits.message(mask(text), mask_deep(blocks))
