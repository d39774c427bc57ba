"""Reply templates: every one in every language, babel's formatting, and no tipping-off."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot import i18n
from bot.domain import (
    Analyst,
    Category,
    Requester,
    Shift,
    Ticket,
    Transaction,
    TxStatus,
    TxType,
)
from bot.drafts.customer_texts import DOCUMENTS_NEEDED
from bot.drafts.filling import Filler, format_amount
from bot.drafts.language import CATALOG, choose
from bot.drafts.placeholders import Document, DraftContext, Reason, context_for, reason_for
from bot.drafts.templates import (
    NEUTRAL,
    Template,
    default_for,
    needs_neutral,
    offered,
    render,
    render_for,
)
from bot.drafts.tipping_off import WORDS, check, find
from bot.errors import UserFacingError
from bot.payments.findings import Findings, FindingState
from bot.store.models import Escalation

LANGS = ("en", "pt", "es", "zh", "ru")
PAID_AT = datetime(2026, 3, 3, 17, 15, tzinfo=UTC)
FULL = DraftContext(
    analyst_name="Marina",
    customer_name="Lucas Almeida",
    time_zone="America/Sao_Paulo",
    amount=Decimal("1234.50"),
    currency="BRL",
    occurred_at=PAID_AT,
    reference="E2E9F3K29Q1XZ",
    method="pix",
    reason=Reason.NAME_MISMATCH,
    documents=(Document.BANK_STATEMENT,),
)
ANALYST = Analyst(
    key="marina",
    name="Marina Costa",
    slack_id="U0MARINA",
    email="marina@example.com",
    shift=Shift("day", datetime(2026, 1, 1, 9).time(), datetime(2026, 1, 1, 17).time()),
    languages=("pt", "en"),
)


def escalation(category: Category, findings: Findings | None = None) -> Escalation:
    return Escalation(
        ticket_id=4821,
        status="claimed",
        category=category.value,
        enrichment=findings.to_json() if findings else None,
    )


def transaction(status: TxStatus, **kw: object) -> Transaction:
    values: dict[str, object] = {
        "id": "TX-8F3K29Q1",
        "type": TxType.DEPOSIT,
        "amount": Decimal("5000.00"),
        "currency": "CNY",
        "status": status,
        "created_at": PAID_AT,
        "provider_reference": "ALP20260303-77812",
        "method": "card",
    }
    values.update(kw)
    return Transaction(**values)  # type: ignore[arg-type]


def found(status: TxStatus, **kw: object) -> Findings:
    return Findings(FindingState.FOUND, (transaction(status, **kw),), "provider_reference")


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("template", list(Template))
def test_every_template_renders_filled_in_every_language(template: Template, language: str) -> None:
    draft = render(template, language=language, context=FULL, compliance=False)
    assert draft.subject and draft.body and (draft.language, draft.template) == (language, template)
    assert not re.search(r"[{}]", draft.subject + draft.body), draft.body
    assert "Lucas Almeida" in draft.body and draft.body.rstrip().endswith("Marina")
    if language != "en":
        english = render(template, language="en", context=FULL, compliance=False)
        assert draft.subject != english.subject and draft.body != english.body


@pytest.mark.parametrize("language", LANGS)
def test_missing_values_leave_their_lines_out(language: str) -> None:
    bare = DraftContext(analyst_name="")
    for template in Template:
        draft = render(template, language=language, context=bare, compliance=False)
        assert not re.search(r"[{}]", draft.body) and "None" not in draft.body


def test_chinese_vip_with_a_failed_deposit_gets_simplified_chinese_with_amount_and_reason() -> None:
    esc = escalation(Category.DEPOSIT_MISSING, found(TxStatus.FAILED, failure_code="do-not-honor"))
    ticket = Ticket(
        id=4821,
        subject="存款失败",
        description="我用银行卡存了5000元，显示失败了，请帮我看看",
        tags=frozenset({"esc_deposit_missing", "vip"}),
        requester=Requester(id=9, name="王伟", locale="en-US", time_zone="Asia/Shanghai"),
        created_at=PAID_AT,
    )
    choice = choose(esc.language, ticket.description, ticket.requester.locale, None)
    template = default_for(esc)
    draft = render_for(
        esc, template, language=choice.language, context=context_for(esc, ticket, ANALYST)
    )
    assert (choice.language, template) == ("zh", Template.TRANSACTION_FAILED)
    assert draft.subject == "关于您最近的一笔交易"
    assert "¥5,000.00" in draft.body
    assert "您的银行或发卡机构拒绝了这笔扣款。" in draft.body
    assert "2026年3月4日 01:15" in draft.body  # 17:15 UTC is the next morning in Shanghai
    assert "ALP20260303-77812" in draft.body and draft.body.startswith("王伟，您好：")
    assert "，" in draft.body and "。" in draft.body and "," not in draft.body.replace("5,000", "")


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "1 документ:"), (2, "2 документа:"), (5, "5 документов:"), (21, "21 документ:")],
)
def test_russian_counts_documents_with_the_right_plural(count: int, words: str) -> None:
    line = Filler("ru", DraftContext(analyst_name="Oleg")).plural(DOCUMENTS_NEEDED, count)
    assert line.endswith(words)


def test_a_russian_customer_asked_for_two_documents_reads_2_dokumenta() -> None:
    ctx = DraftContext(analyst_name="Oleg", documents=(Document.ID_DOCUMENT, Document.SELFIE))
    body = render(
        Template.KYC_DOCUMENTS_REQUESTED, language="ru", context=ctx, compliance=False
    ).body
    assert "пришлите, пожалуйста, 2 документа:" in body and body.count("\n- ") == 2


def test_brazilian_amounts_dates_and_the_pix_hint() -> None:
    body = render(Template.DEPOSIT_NOT_RECEIVED, language="pt", context=FULL, compliance=False).body
    assert "Valor: R$\xa01.234,50" in body
    assert "Data: 3 de março de 2026 14:15" in body  # São Paulo is UTC-3
    assert "Referência: E2E9F3K29Q1XZ" in body and "Pix" in body


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        (Decimal("1234.5"), "RUB", "ru", "1\xa0234,50\xa0₽"),
        (Decimal("5000"), "CNY", "zh", "¥5,000.00"),
        (Decimal("1500.25"), "USDT", "pt", "1.500,25 USDT"),
        (Decimal("0.00123456"), "BTC", "en", "0.00123456 BTC"),
        # Plain Spanish is Latin American (es_419), not Spain's 2.000,00.
        (Decimal("2000"), "USD", "es", "USD\xa02,000.00"),
    ],
)
def test_amounts_are_formatted_for_the_customers_locale(
    amount: Decimal, currency: str, language: str, expected: str
) -> None:
    assert format_amount(amount, currency, locale=i18n.format_locale(language, None)) == expected


def test_every_reply_language_has_its_tipping_off_words() -> None:
    assert set(WORDS) == set(LANGS) == set(CATALOG)


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("template", sorted(NEUTRAL))
def test_neutral_templates_say_nothing_that_tips_off(template: Template, language: str) -> None:
    # The very words an analyst's edit is refused for (bot/drafts/tipping_off.py).
    draft = render(template, language=language, context=FULL, compliance=True)
    assert find(draft.subject, language) is None, f"{template} in {language}: {draft.subject}"
    mention = find(draft.body, language)
    assert mention is None, f"{template} in {language}: {mention}"
    check(subject=draft.subject, body=draft.body, language=language)


@pytest.mark.parametrize("category", [Category.AML, Category.FRAUD])
def test_nothing_but_neutral_templates_on_a_compliance_case(category: Category) -> None:
    esc = escalation(category, found(TxStatus.FAILED, failure_code="fraud_suspected"))
    assert set(offered(category, compliance=False)) == NEUTRAL
    assert set(offered(Category.WITHDRAWAL, compliance=True)) == NEUTRAL
    assert default_for(esc) in NEUTRAL
    for template in Template:
        for language in LANGS:
            if template in NEUTRAL:
                assert render_for(esc, template, language=language, context=FULL).body
                continue
            with pytest.raises(UserFacingError):
                render_for(esc, template, language=language, context=FULL)
            with pytest.raises(UserFacingError):
                render(template, language=language, context=FULL, compliance=True)


# The demo's #31018: a withdrawal ticket whose 3,000 USDT payout the back office holds for an
# AML review (failed, or still pending, with the code or one of its aliases).
HELD = [
    found(TxStatus.FAILED, type=TxType.WITHDRAWAL, currency="USDT", failure_code="aml_review"),
    found(TxStatus.PENDING, type=TxType.WITHDRAWAL, failure_code="AML hold"),
    Findings(
        FindingState.FOUND,
        (transaction(TxStatus.COMPLETED), transaction(TxStatus.FAILED, failure_code="aml_check")),
        "recent",
    ),
]


@pytest.mark.parametrize("findings", HELD)
@pytest.mark.parametrize("category", [Category.WITHDRAWAL, Category.DEPOSIT_MISSING, Category.KYC])
def test_a_payment_held_for_an_aml_review_makes_any_ticket_neutral(
    category: Category, findings: Findings
) -> None:
    esc = escalation(category, findings)
    assert needs_neutral(esc)
    assert default_for(esc) is Template.LOOKING_INTO_IT  # not "your withdrawal was rejected"
    with pytest.raises(UserFacingError, match="only neutral"):
        render_for(esc, Template.WITHDRAWAL_REJECTED, language="zh", context=FULL)
    assert render_for(esc, Template.GENERAL_FOLLOW_UP, language="zh", context=FULL).body


@pytest.mark.parametrize(
    "findings",
    [
        None,
        found(TxStatus.FAILED, failure_code="name_mismatch"),
        found(TxStatus.FAILED, failure_code="fraud_suspected"),  # said nothing of, not a review
        found(TxStatus.FAILED, failure_code="aml_reviewer_unknown_code"),
        Findings(FindingState.PENDING),
    ],
)
def test_other_findings_leave_the_templates_alone(findings: Findings | None) -> None:
    esc = escalation(Category.WITHDRAWAL, findings)
    assert not needs_neutral(esc)
    assert render_for(esc, Template.WITHDRAWAL_REJECTED, language="en", context=FULL).body


def test_a_failure_code_that_would_tip_off_gives_no_reason() -> None:
    assert reason_for("fraud_suspected") is Reason.OTHER
    assert reason_for("aml_hold") is Reason.OTHER
    assert reason_for("chargeback") is Reason.OTHER
    assert reason_for("Do Not Honor") is Reason.CARD_DECLINED
    assert reason_for("pix_key_not_found") is Reason.ACCOUNT_UNAVAILABLE
    assert reason_for("something_new") is Reason.OTHER
    assert reason_for(None) is Reason.OTHER


@pytest.mark.parametrize(
    ("category", "findings", "expected"),
    [
        (Category.WITHDRAWAL, found(TxStatus.PROCESSING), Template.WITHDRAWAL_DELAYED),
        (Category.WITHDRAWAL, found(TxStatus.COMPLETED), Template.WITHDRAWAL_PROCESSED),
        (Category.WITHDRAWAL, found(TxStatus.FAILED), Template.WITHDRAWAL_REJECTED),
        (Category.WITHDRAWAL, None, Template.LOOKING_INTO_IT),
        (Category.DEPOSIT_MISSING, found(TxStatus.COMPLETED), Template.DEPOSIT_CREDITED),
        (Category.DEPOSIT_MISSING, found(TxStatus.FAILED), Template.TRANSACTION_FAILED),
        (
            Category.DEPOSIT_MISSING,
            Findings(FindingState.NOT_RECEIVED, asked={"amount": "300.00", "currency": "BRL"}),
            Template.DEPOSIT_NOT_RECEIVED,
        ),
        (Category.DEPOSIT_MISSING, Findings(FindingState.PENDING), Template.LOOKING_INTO_IT),
        (Category.TX_FAILED, found(TxStatus.FAILED), Template.TRANSACTION_FAILED),
        (Category.KYC, None, Template.KYC_DOCUMENTS_REQUESTED),
        (Category.ACCOUNT, None, Template.GENERAL_FOLLOW_UP),
    ],
)
def test_the_default_template_follows_the_category_and_findings(
    category: Category, findings: Findings | None, expected: Template
) -> None:
    esc = escalation(category, findings)
    assert default_for(esc) is expected
    assert expected in offered(category, compliance=False)[:5]  # the category's own come first
    assert set(offered(category, compliance=False)) == set(Template)


def test_a_deposit_not_in_the_back_office_repeats_what_the_customer_said() -> None:
    findings = Findings(
        FindingState.NOT_RECEIVED,
        asked={"amount": "300.00", "currency": "BRL", "reference": "E2E0001"},
    )
    ticket = Ticket(
        id=1,
        subject="deposito",
        description="fiz um pix de 300 e nao caiu",
        tags=frozenset(),
        requester=Requester(id=2, name="Ana Souza", locale="pt-BR"),
        created_at=PAID_AT,
    )
    ctx = context_for(escalation(Category.DEPOSIT_MISSING, findings), ticket, ANALYST)
    assert (ctx.amount, ctx.currency, ctx.reference) == (Decimal("300.00"), "BRL", "E2E0001")
    assert (ctx.customer_name, ctx.analyst_name) == ("Ana Souza", "Marina")
    body = render(Template.DEPOSIT_NOT_RECEIVED, language="pt", context=ctx, compliance=False).body
    assert "R$\xa0300,00" in body and body.endswith("Marina")
