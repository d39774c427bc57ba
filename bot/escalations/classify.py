"""Read a ticket the way a senior analyst would: category, VIP, language, what is missing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import Tags
from bot.domain import LANGUAGES, Category, Ticket, TicketFacts
from bot.language import detect_ticket, from_locale

# When an agent adds several category tags, the most serious one decides.
SEVERITY: tuple[Category, ...] = (
    Category.AML,
    Category.FRAUD,
    Category.WITHDRAWAL,
    Category.DEPOSIT_MISSING,
    Category.TX_FAILED,
    Category.KYC,
    Category.ACCOUNT,
)

_TXN_ID = re.compile(
    r"\b(?:tx|txn|trx|dep|wd|pay|pix|ref|id)[-_:#]?\s?(?=[A-Z]*\d)[A-Z0-9]{5,}\b"
    r"|\bE\d{8}[A-Za-z0-9]{20,}\b"  # PIX end-to-end id
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b(?:pi|ch|po|tr|re)_[A-Za-z0-9]{8,}\b",  # Stripe-style ids
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:R\$|US\$|\$|€|£|¥|₽|\b(?:BRL|USD|EUR|CNY|RMB|RUB|MXN|ARS|COP|CLP|USDT)\b)\s?\d[\d.,\s]*"
    r"|\d[\d.,\s]*\s?(?:R\$|€|¥|₽|元|руб\w*|\b(?:BRL|USD|EUR|CNY|RMB|RUB|MXN|ARS|COP|CLP|USDT)\b"
    r"|\breais\b|\bd[oó]lares\b|\bpesos\b|\bdollars\b|\brubles\b)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\d{1,2}\s?(?:月|日|号)|\d{1,2}\s+(?:de\s+)?(?:jan|fe[bv]|ma[ry]|abr|apr|ab?r|jun|jul"
    r"|ago|aug|sep|set|o[ck]t|nov|de[cz]|dic|ene|января|февраля|марта|апреля|мая|июня|июля"
    r"|августа|сентября|октября|ноября|декабря)\w*"
    r"|\b(?:yesterday|today|ontem|hoje|anteontem|ayer|hoy|anteayer)\b|昨天|今天|前天|вчера|сегодня"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|segunda|terça|quarta"
    r"|quinta|sexta|sábado|domingo|lunes|martes|miércoles|jueves|viernes)\b",
    re.IGNORECASE,
)
_DOCUMENT = re.compile(
    r"\b(?:passport|passaporte|pasaporte|cpf|cnpj|rg|cnh|dni|nie|curp|rut|id card|"
    r"identity|identidade|identidad|driver'?s licen[cs]e|selfie|proof of address|"
    r"comprovante|documento?s?|document)\b|身份证|护照|证件|паспорт|инн|снилс|удостоверени",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Classification:
    category: Category | None
    vip: bool
    language: str | None
    language_source: str  # tag | text | locale | none
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def comments_may_help(self) -> bool:
        """Whether what is missing is a fact an agent could have added in a comment."""
        return bool(self.missing) and self.category is not None


def category_of(ticket: Ticket, tags: Tags) -> Category | None:
    """The escalation category from the agent's tags (most serious wins)."""
    found = {cat for tag, cat in tags.categories.items() if tag in ticket.tags}
    return next((c for c in SEVERITY if c in found), None)


def compliance_category(names: frozenset[str], tags: Tags) -> Category | None:
    """The most serious compliance category (AML, fraud) the tag names carry, if any."""
    found = {cat for tag, cat in tags.categories.items() if tag in names and cat.is_compliance}
    return next((c for c in SEVERITY if c in found), None)


def reclassified(current: str | None, names: frozenset[str], tags: Tags) -> Category | None:
    """The compliance category an open escalation of category current becomes, given the
    ticket's tag names, if any.

    A case that turns out to be AML or fraud after it was escalated (the agent adds the tag
    later) takes the more serious compliance category; nothing else changes a category once
    the escalation is routed.
    """
    new = compliance_category(names, tags)
    if new is None or new.value == current:
        return None
    if current is not None and SEVERITY.index(Category(current)) <= SEVERITY.index(new):
        return None  # already as serious (an AML case that gets esc_fraud stays AML)
    return new


def is_vip(ticket: Ticket, tags: Tags) -> bool:
    """VIP by ticket tag, configured VIP tags, or the requester's organization."""
    vip_tags = {tags.vip, *tags.extra_vip}
    org = ticket.requester
    return bool(
        vip_tags & ticket.tags
        or vip_tags & org.organization_tags
        or (org.organization_name and org.organization_name in tags.vip_organizations)
    )


def language_of(ticket: Ticket, tags: Tags) -> tuple[str | None, str]:
    """The customer's language and where it came from: lang_ tag, their words, or locale."""
    for tag in sorted(ticket.tags):
        if tag.startswith(tags.language_prefix):
            code = tag[len(tags.language_prefix) :].split("_")[0].lower()
            if code in LANGUAGES:
                return code, "tag"
    detected = detect_ticket(subject=ticket.subject, description=ticket.description)
    if detected.language:
        return detected.language, "text"
    if locale := from_locale(ticket.requester.locale):
        return locale, "locale"
    return None, "none"


def missing_information(ticket: Ticket, category: Category | None, tags: Tags) -> tuple[str, ...]:
    """What the agent must add before a senior analyst can work the ticket."""
    if category is None:
        names = ", ".join(sorted(tags.categories))
        return (f"a category tag (one of: {names})",)
    text = ticket.text
    missing: list[str] = []
    if category in (Category.WITHDRAWAL, Category.DEPOSIT_MISSING, Category.TX_FAILED):
        has_id = bool(_TXN_ID.search(text))
        if not has_id and not (_AMOUNT.search(text) and _DATE.search(text)):
            missing.append("the transaction id, or the amount and the date of the transaction")
    if category is Category.KYC and not (ticket.has_attachments or _DOCUMENT.search(text)):
        missing.append("the customer's document (attach it or name the document type)")
    if not any(t.strip() for t in (ticket.description, *ticket.comments)):
        missing.append("a description of the customer's problem")
    return tuple(missing)


def classify(ticket: Ticket, tags: Tags) -> Classification:
    """Classify a ticket for routing."""
    category = category_of(ticket, tags)
    language, source = language_of(ticket, tags)
    return Classification(
        category=category,
        vip=is_vip(ticket, tags),
        language=language,
        language_source=source,
        missing=missing_information(ticket, category, tags),
    )


def facts(ticket: Ticket, c: Classification) -> TicketFacts:
    """The routing input for a classified, complete ticket."""
    assert c.category is not None
    return TicketFacts(
        ticket_id=ticket.id,
        category=c.category,
        vip=c.vip,
        language=c.language,
        requester_id=ticket.requester.id,
        created_at=ticket.created_at,
    )
