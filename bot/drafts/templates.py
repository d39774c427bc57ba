"""Reply templates: which are offered for an escalation, and rendering one in a language.

The texts are in ``bot/drafts/customer_texts.py`` (gettext context "draft"); this module picks
and fills them. On a compliance case (``esc_aml`` / ``esc_fraud``), and on any ticket whose
lookup found a transaction held for an AML review, only ``NEUTRAL`` templates exist
(``needs_neutral``): they say nothing of an investigation, a review, a block or a report, and
``render`` refuses the rest, so no path (preview, change template, edit, send) can tip a
customer off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot import i18n
from bot.domain import Category, TxStatus
from bot.drafts import customer_texts
from bot.drafts.filling import Filler
from bot.drafts.language import CATALOG
from bot.drafts.placeholders import DraftContext, context_for, findings_of, held_for_review
from bot.errors import N_, UserFacingError
from bot.payments.findings import FindingState

if TYPE_CHECKING:
    from bot.store.models import Escalation

__all__ = [
    "NEUTRAL",
    "Draft",
    "DraftContext",
    "Template",
    "check_allowed",
    "context_for",
    "default_for",
    "needs_neutral",
    "offered",
    "render",
    "render_for",
]


class Template(StrEnum):
    WITHDRAWAL_DELAYED = "withdrawal_delayed"
    WITHDRAWAL_PROCESSED = "withdrawal_processed"
    WITHDRAWAL_REJECTED = "withdrawal_rejected"
    DEPOSIT_CREDITED = "deposit_credited"
    DEPOSIT_NOT_RECEIVED = "deposit_not_received"
    TRANSACTION_FAILED = "transaction_failed"
    KYC_DOCUMENTS_REQUESTED = "kyc_documents_requested"
    KYC_APPROVED = "kyc_approved"
    KYC_REJECTED = "kyc_rejected"
    ACCOUNT_VERIFIED = "account_verified"
    ACCOUNT_RESTRICTED = "account_restricted"
    GENERAL_FOLLOW_UP = "general_follow_up"
    LOOKING_INTO_IT = "looking_into_it"

    @property
    def label(self) -> str:
        """An analyst-facing name (an N_ message id) for menus."""
        return LABELS[self]


LABELS: dict[Template, str] = {
    Template.WITHDRAWAL_DELAYED: N_("Withdrawal delayed"),
    Template.WITHDRAWAL_PROCESSED: N_("Withdrawal processed"),
    Template.WITHDRAWAL_REJECTED: N_("Withdrawal rejected"),
    Template.DEPOSIT_CREDITED: N_("Deposit found and credited"),
    Template.DEPOSIT_NOT_RECEIVED: N_("Deposit not received: ask for proof"),
    Template.TRANSACTION_FAILED: N_("Transaction failed"),
    Template.KYC_DOCUMENTS_REQUESTED: N_("KYC documents requested"),
    Template.KYC_APPROVED: N_("KYC approved"),
    Template.KYC_REJECTED: N_("KYC rejected"),
    Template.ACCOUNT_VERIFIED: N_("Account verified"),
    Template.ACCOUNT_RESTRICTED: N_("Account restricted (neutral)"),
    Template.GENERAL_FOLLOW_UP: N_("General follow-up"),
    Template.LOOKING_INTO_IT: N_("We are looking into it"),
}

# Safe on a compliance case: no word of an investigation, a review, a block, fraud or a report.
NEUTRAL: frozenset[Template] = frozenset(
    {Template.LOOKING_INTO_IT, Template.GENERAL_FOLLOW_UP, Template.ACCOUNT_RESTRICTED}
)

_BY_CATEGORY: dict[Category, tuple[Template, ...]] = {
    Category.WITHDRAWAL: (
        Template.WITHDRAWAL_DELAYED,
        Template.WITHDRAWAL_PROCESSED,
        Template.WITHDRAWAL_REJECTED,
    ),
    Category.DEPOSIT_MISSING: (
        Template.DEPOSIT_CREDITED,
        Template.DEPOSIT_NOT_RECEIVED,
        Template.TRANSACTION_FAILED,
    ),
    Category.TX_FAILED: (Template.TRANSACTION_FAILED,),
    Category.KYC: (
        Template.KYC_DOCUMENTS_REQUESTED,
        Template.KYC_APPROVED,
        Template.KYC_REJECTED,
        Template.ACCOUNT_VERIFIED,
    ),
    Category.ACCOUNT: (Template.ACCOUNT_VERIFIED, Template.ACCOUNT_RESTRICTED),
}
_GENERAL = (Template.LOOKING_INTO_IT, Template.GENERAL_FOLLOW_UP)


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    language: str  # one of bot.domain.LANGUAGES
    template: Template


def _category(value: Category | str | None) -> Category | None:
    try:
        return Category(value) if value is not None else None
    except ValueError:
        return None


def is_compliance(esc: Escalation) -> bool:
    """Whether an escalation is an AML or fraud case (only neutral templates)."""
    category = _category(esc.category)
    return category is not None and category.is_compliance


def needs_neutral(esc: Escalation) -> bool:
    """Whether only neutral replies may go out: an AML or fraud case, or a payment held for an
    AML review on any ticket (a rejection or a delay would contradict "routine review")."""
    return is_compliance(esc) or held_for_review(findings_of(esc))


def offered(category: Category | str | None, *, compliance: bool) -> list[Template]:
    """The templates the analyst may pick, the category's own first; only NEUTRAL on compliance."""
    cat = _category(category)
    if compliance or (cat is not None and cat.is_compliance):
        return [t for t in Template if t in NEUTRAL]
    first = [*_BY_CATEGORY.get(cat, ()), *_GENERAL] if cat is not None else [*_GENERAL]
    return [*first, *(t for t in Template if t not in first)]


def default_for(esc: Escalation) -> Template:
    """The template an analyst most likely wants, from the category and the lookup's findings."""
    cat = _category(esc.category)
    if cat is None or needs_neutral(esc):
        return Template.LOOKING_INTO_IT
    findings = findings_of(esc)
    state = findings.state if findings is not None else None
    tx = findings.transactions[0] if findings is not None and findings.transactions else None
    failed = tx is not None and tx.status in (
        TxStatus.FAILED,
        TxStatus.REVERSED,
        TxStatus.CANCELLED,
    )
    done = tx is not None and tx.status is TxStatus.COMPLETED
    if cat is Category.WITHDRAWAL:
        if state is FindingState.FOUND and tx is not None:
            if failed:
                return Template.WITHDRAWAL_REJECTED
            return Template.WITHDRAWAL_PROCESSED if done else Template.WITHDRAWAL_DELAYED
        return Template.LOOKING_INTO_IT
    if cat is Category.DEPOSIT_MISSING:
        if state is FindingState.NOT_RECEIVED:
            return Template.DEPOSIT_NOT_RECEIVED
        if state is FindingState.FOUND and tx is not None:
            if failed:
                return Template.TRANSACTION_FAILED
            if done:
                return Template.DEPOSIT_CREDITED
        return Template.LOOKING_INTO_IT
    if cat is Category.TX_FAILED:
        return Template.TRANSACTION_FAILED if failed else Template.LOOKING_INTO_IT
    if cat is Category.KYC:
        return Template.KYC_DOCUMENTS_REQUESTED
    return Template.GENERAL_FOLLOW_UP


def check_allowed(template: Template, *, compliance: bool) -> None:
    """Refuse a template that could tip off the customer of a compliance case."""
    if compliance and template not in NEUTRAL:
        raise UserFacingError(
            N_(
                "The template “{template}” cannot be used on an AML or fraud case; only neutral "
                "replies can."
            ),
            template=template.value,
        )


def render(template: Template, *, language: str, context: DraftContext, compliance: bool) -> Draft:
    """Fill a template in a language; refuse a non-neutral one on a compliance case."""
    template = Template(template)
    check_allowed(template, compliance=compliance)
    formats = i18n.format_locale(language, context.locale)
    fill = Filler(CATALOG[language], context, formats=formats)
    text = customer_texts.TEMPLATES[template.value]
    parts = [
        fill.greeting(),
        fill.body(text.body, documents_requested=template is Template.KYC_DOCUMENTS_REQUESTED),
    ]
    if template is Template.DEPOSIT_NOT_RECEIVED and (context.method or "").lower() == "pix":
        parts.append(fill.text(customer_texts.PIX_HINT))
    if text.details and (details := fill.details()):
        parts.append(details)
    parts.append(fill.closing())
    return Draft(
        subject=fill.text(text.subject),
        body="\n\n".join(p for p in parts if p),
        language=language,
        template=template,
    )


def render_for(
    esc: Escalation, template: Template, *, language: str, context: DraftContext
) -> Draft:
    """Render for an escalation: the neutral gate comes from the escalation, not the caller."""
    return render(template, language=language, context=context, compliance=needs_neutral(esc))
