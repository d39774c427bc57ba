"""Check a KYC or fraud escalation's documents at routing, without holding routing up.

A step of intake, like the transactions enrichment (bot/escalations/enrichment.py): the
ticket's numbers (text and comments) and its attachments read through the Zendesk API, within
the same timeout; a slow download makes the findings "pending" and the outbox repeats the check
(bot/delivery/kyc.py), which edits the alerts when it completes. ``check_ticket`` is also what
``/baton kyc <ticket>`` runs (bot/kyc).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from datetime import date

from bot.documents import files, mrz, scan
from bot.documents.findings import KYC_DOCUMENTS, DocumentFindings, Level, Line, State
from bot.documents.fingerprints import fingerprint
from bot.documents.names import NameMatch, compare
from bot.documents.numbers import NumberCheck
from bot.domain import Category, Ticket
from bot.errors import IntegrationError, TooLarge
from bot.escalations import enrichment
from bot.escalations.classify import Classification
from bot.ports import Attachment
from bot.services import Services
from bot.store import documents as fingerprints
from bot.store.models import Escalation
from bot.store.outbox import OutboxItem

log = logging.getLogger(__name__)

CATEGORIES = frozenset({Category.KYC, Category.FRAUD})
SERVICE, ACTION = "zendesk", "kyc_check"  # the repeat is Zendesk reads: its health, its pacing
RETRY_TIMEOUT = 120.0  # a repeated check has time for a slow 20 MB download
ADULT = 18
# What a file's name says it is (the customer's words in any of the desk's languages).
_NAMED = {
    "id_document": re.compile(
        r"passport|passaporte|pasaporte|паспорт|护照|\bid\b|identi|\brg\b|cnh|dni|nie|curp|"
        r"身份证|ine\b|cedula|cédula|license|licen[cç]a",
        re.IGNORECASE,
    ),
    "selfie": re.compile(r"selfie|self|face|rosto|cara|селфи|自拍", re.IGNORECASE),
    "proof_of_address": re.compile(
        r"address|endere[cç]o|comprovante|resid|domicilio|utility|bill|conta_de|factura|"
        r"адрес|счет|地址|水电",
        re.IGNORECASE,
    ),
}


async def for_ticket(
    services: Services, ticket: Ticket, c: Classification
) -> DocumentFindings | None:
    """Findings for a complete KYC or fraud escalation (None for any other ticket)."""
    if not c.complete or c.category not in CATEGORIES:
        return None
    return await attempt(services, ticket, seconds=enrichment.timeout_seconds(services))


async def attempt(services: Services, ticket: Ticket, *, seconds: float) -> DocumentFindings:
    """One check within `seconds`, its failure told as a state instead of raised."""
    try:
        async with asyncio.timeout(seconds):
            return await check_ticket(services, ticket)
    except TimeoutError:
        log.warning("kyc.check.timeout", extra={"ticket": ticket.id})
        return DocumentFindings(State.PENDING)
    except IntegrationError as err:
        log.warning("kyc.check.failed", extra={"ticket": ticket.id, "error": str(err)})
        return DocumentFindings(State.PENDING if err.retryable else State.UNAVAILABLE)


async def check_ticket(services: Services, ticket: Ticket) -> DocumentFindings:
    """Every document of the ticket checked (raises a retryable IntegrationError while
    Zendesk does not answer); the numbers' fingerprints are remembered for the customer."""
    today = services.clock().astimezone(services.roster.timezone).date()
    found = await services.zendesk.files(ticket.id)
    texts = [ticket.subject, ticket.description, *found.comments]
    lines: list[Line] = []
    present: set[str] = set()
    numbers = scan.numbers("\n".join(texts))
    zones = [z for t in texts for z in mrz.find_lines(t)]
    for attachment in found.attachments:
        kind = files.kind_of(attachment.content_type, attachment.file_name)
        if kind is None:
            continue
        report = await _read(services, attachment, kind)
        lines += report.lines
        numbers += [n for n in scan.numbers(report.text) if n not in numbers]
        in_file = mrz.find_lines(report.text)
        zones += in_file
        if all(line.level is not Level.FAILED for line in report.lines):
            present |= {doc for doc, named in _NAMED.items() if named.search(attachment.file_name)}
            if in_file:
                present.add("id_document")
    checked = [z for z in (mrz.check(zone, today=today) for zone in zones) if z is not None]
    for number in numbers:
        lines += _number_lines(number, today=today)
    for zone in checked:
        zone_lines = mrz_lines(zone, account=ticket.requester.name, today=today)
        lines += zone_lines
        if any(line.level is Level.FAILED for line in zone_lines):
            present.discard("id_document")  # expired, a minor's, or forged: ask for another
        elif zone.valid:
            present.add("id_document")
    lines += await _duplicates(services, ticket, numbers, checked)
    if not lines:
        lines.append(Line(Level.WARNING, "no_documents"))
    missing = tuple(d for d in KYC_DOCUMENTS if d not in present)
    return DocumentFindings(State.DONE, tuple(lines), missing)


async def _read(services: Services, attachment: Attachment, kind: str) -> files.FileReport:
    name = attachment.file_name
    if attachment.malware == "malware_found":
        return files.FileReport((Line(Level.FAILED, "malware", name),))
    try:
        data = await services.zendesk.download(attachment, max_bytes=files.MAX_BYTES)
    except TooLarge:
        return files.FileReport((Line(Level.WARNING, "file_too_large", name),))
    except IntegrationError as err:
        if err.retryable:
            raise
        return files.FileReport((Line(Level.WARNING, "file_unread", name),))
    # Parsing is CPU work on untrusted bytes: a thread keeps the event loop answering.
    return await asyncio.to_thread(files.inspect, data, kind=kind, name=name)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _number_lines(number: NumberCheck, *, today: date) -> list[Line]:
    subject = f"{number.kind} {number.masked}"
    out = [Line(Level.PASSED, "number_valid", subject)]
    born = number.birth_date
    if born is not None and _age(born, today) < ADULT:
        out.append(Line(Level.FAILED, "under_18", subject, born.isoformat()))
    return out


def mrz_lines(zone: mrz.MrzCheck, *, account: str, today: date) -> list[Line]:
    subject = f"MRZ {zone.format} {zone.nationality} {zone.number_masked}".strip()
    if not zone.valid:
        return [Line(Level.FAILED, "mrz_check_digit", subject, ", ".join(zone.failed))]
    out = [Line(Level.PASSED, "mrz_valid", subject)]
    if zone.expiry_date is not None and zone.expiry_date < today:
        out.append(Line(Level.FAILED, "expired", subject, zone.expiry_date.isoformat()))
    if zone.birth_date is not None and _age(zone.birth_date, today) < ADULT:
        out.append(Line(Level.FAILED, "under_18", subject, zone.birth_date.isoformat()))
    match = compare(zone.holder, account)
    if match is NameMatch.MISMATCH:
        out.append(Line(Level.FAILED, "name_mismatch", subject))
    elif match is NameMatch.PARTIAL:
        out.append(Line(Level.WARNING, "name_partial", subject))
    elif match is NameMatch.MATCH:
        out.append(Line(Level.PASSED, "name_match", subject))
    return out


async def _duplicates(
    services: Services,
    ticket: Ticket,
    numbers: Iterable[NumberCheck],
    zones: Iterable[mrz.MrzCheck],
) -> list[Line]:
    """The numbers already seen on another customer (keyed hashes); this customer's kept."""
    secret = services.settings.secret_key
    keyed: dict[str, tuple[str, str]] = {}  # fingerprint → (kind, masked subject)
    for n in numbers:
        fp = fingerprint(secret or "", kind=n.kind, number=n.compact)
        keyed[fp] = (n.kind, f"{n.kind} {n.masked}")
    for z in zones:
        if z.valid and z.number:
            kind = f"mrz:{z.country}:{z.document_type}"
            fp = fingerprint(secret or "", kind=kind, number=z.number)
            keyed[fp] = (kind, f"MRZ {z.number_masked}")
    if not keyed:
        return []
    if not secret:
        # Without the key nothing may be stored: an unkeyed hash of a CPF is the CPF.
        return [Line(Level.WARNING, "duplicates_unchecked")]
    async with services.db.session() as s:
        seen = await fingerprints.seen_elsewhere(
            s, fingerprints=keyed, requester_id=ticket.requester.id
        )
        await fingerprints.remember(
            s,
            fingerprints={fp: kind for fp, (kind, _subject) in keyed.items()},
            requester_id=ticket.requester.id,
            ticket_id=ticket.id,
            now=services.clock(),
        )
    return [
        Line(Level.FAILED, "duplicate", keyed[fp][1], f"#{other}") for fp, other in seen.items()
    ]


def retry_item(esc: Escalation, found: DocumentFindings | None) -> list[OutboxItem]:
    """The outbox item that repeats a pending check (none unless the findings are pending)."""
    if found is None or found.state is not State.PENDING:
        return []
    return [
        OutboxItem(
            key=f"zendesk:kyc_check:{esc.id}",
            service=SERVICE,
            action=ACTION,
            payload={"ticket_id": esc.ticket_id},
            escalation_id=esc.id,
        )
    ]


def note_lines(found: DocumentFindings | None) -> list[str]:
    """The routing note's "Documents" paragraph (English, for the agents), masked."""
    if found is None:
        return []
    if found.state is State.PENDING:
        return ["Documents: still being checked; the alert is updated when the check ends."]
    if found.state is State.UNAVAILABLE:
        return ["Documents: could not be read from Zendesk; check them by hand."]
    out = ["Documents:"]
    out += [f"  [{line.level}] {_words(line)}" for line in found.lines]
    if found.missing:
        out.append("Still missing: " + ", ".join(d.replace("_", " ") for d in found.missing) + ".")
    return out


_CODES = {
    "number_valid": "valid number",
    "under_18": "holder under 18 (born {detail})",
    "mrz_valid": "MRZ check digits correct",
    "mrz_check_digit": "MRZ check digit wrong: {detail}",
    "expired": "expired on {detail}",
    "name_mismatch": "holder name does not match the account holder",
    "name_partial": "holder name matches the account holder only in part",
    "name_match": "holder name matches the account holder",
    "duplicate": "same document number on another customer (ticket {detail})",
    "duplicates_unchecked": "duplicates not checked: BATON_SECRET_KEY is not set",
    "made_by_editor": "made or saved by an editor ({detail})",
    "modified_after_creation": "modified after it was created ({detail})",
    "incremental_updates": "changed after it was first saved ({detail} incremental updates)",
    "file_clean": "no sign of editing",
    "file_too_large": "not read: over 20 MB",
    "file_unread": "could not be downloaded",
    "file_unreadable": "could not be read",
    "malware": "flagged as malware by Zendesk, not opened",
    "no_documents": "no document number or file found",
}


def _words(line: Line) -> str:
    text = _CODES.get(line.code, line.code).format(detail=line.detail)
    return f"{line.subject}: {text}" if line.subject else text
