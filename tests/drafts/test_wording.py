"""What a speaker of each language flagged in the drafts (issue 24), rendered and checked."""

from __future__ import annotations

import re

import pytest

from bot.drafts.placeholders import Document, DraftContext, Reason
from bot.drafts.templates import Template, render

LANGS = ("en", "pt", "es", "zh", "ru")
DEPOSITS = (Template.DEPOSIT_CREDITED, Template.DEPOSIT_NOT_RECEIVED)
WITHDRAWALS = (
    Template.WITHDRAWAL_DELAYED,
    Template.WITHDRAWAL_PROCESSED,
    Template.WITHDRAWAL_REJECTED,
)


def text(template: Template, language: str, reason: Reason = Reason.OTHER) -> str:
    ctx = DraftContext(analyst_name="Ana", reason=reason)
    draft = render(template, language=language, context=ctx, compliance=False)
    return f"{draft.subject}\n{draft.body}"


@pytest.mark.parametrize("language", LANGS)
def test_no_good_news_to_a_customer_who_wrote_because_money_was_missing(language: str) -> None:
    cheer = re.compile(r"good news|boa not[ií]cia|buenas noticias|хорош\w+ новост|好消息", re.I)
    for template in Template:
        assert not cheer.search(text(template, language)), (template, language)


def test_chinese_says_what_customers_say_and_opens_plainly() -> None:
    for template in Template:
        assert "特此" not in text(template, "zh"), template
    for template in DEPOSITS:
        body = text(template, "zh")
        assert "充值" in body and "存款" not in body and "付款" not in body.replace("付款凭证", "")
    for template in WITHDRAWALS:
        body = text(template, "zh")
        assert "提现" in body and "提款" not in body


@pytest.mark.parametrize("language", LANGS)
def test_the_own_name_rule_is_about_someone_elses_account(language: str) -> None:
    body = text(Template.TRANSACTION_FAILED, language, Reason.NAME_MISMATCH)
    wrong = {
        "en": "on behalf of",
        "pt": "em nome de outra pessoa",
        "es": "en nombre de otra persona",
        "zh": "代他人",
        "ru": "от имени других",
    }[language]
    right = {
        "en": "belongs to someone else",
        "pt": "contas de terceiros",
        "es": "cuentas de terceros",
        "zh": "他人名下的账户",
        "ru": "чужие счета",
    }[language]
    assert wrong not in body and right in body


def test_russian_says_popolnenie_for_a_deposit() -> None:
    for template in DEPOSITS:
        body = text(template, "ru")
        assert "пополнени" in body.lower() and "депозит" not in body.lower()


@pytest.mark.parametrize("reason", list(Reason))
def test_russian_does_not_repeat_platyozh(reason: Reason) -> None:
    body = text(Template.TRANSACTION_FAILED, "ru", reason)
    assert body.lower().count("платёж") + body.lower().count("платеж") <= 1, body


def test_russian_asks_for_documents_plainly() -> None:
    ctx = DraftContext(
        analyst_name="Oleg",
        documents=(Document.ID_DOCUMENT, Document.SELFIE, Document.PROOF_OF_ADDRESS),
    )
    body = render(Template.KYC_DOCUMENTS_REQUESTED, language="ru", context=ctx, compliance=False)
    assert "от Вас нужн" not in body.body and "пришлите, пожалуйста, 3 документа:" in body.body


def test_spanish_has_no_calque_for_the_payment_provider() -> None:
    body = text(Template.WITHDRAWAL_DELAYED, "es")
    assert "socio de pagos" not in body and "proveedor de pagos" in body
