"""Classification: category, VIP, language and what an agent must still add."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Tags
from bot.domain import Category, Requester, Ticket
from bot.escalations.classify import classify
from bot.language import detect, from_locale

TAGS = Tags(extra_vip=frozenset({"high_roller"}), vip_organizations=frozenset({"Aurora Capital"}))


def ticket(
    description: str,
    *tags: str,
    locale: str | None = "en-US",
    org: str | None = None,
    attachments: bool = False,
) -> Ticket:
    return Ticket(
        id=1,
        subject="Help",
        description=description,
        tags=frozenset({"esc_senior", *tags}),
        requester=Requester(id=7, locale=locale, organization_name=org),
        created_at=datetime(2026, 11, 16, 12, tzinfo=UTC),
        has_attachments=attachments,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的提款已经三天了还没有到账，请帮我查一下。", "zh"),
        ("Мой вывод средств не пришёл уже три дня, помогите пожалуйста.", "ru"),
        ("Olá, fiz um depósito via PIX ontem e ainda não caiu na minha conta.", "pt"),
        ("Hola, hice un retiro hace tres días y todavía no llegó a mi cuenta.", "es"),
        ("Hello, my withdrawal has still not arrived and it was made three days ago.", "en"),
    ],
)
def test_detects_each_language(text: str, expected: str) -> None:
    assert detect(text).language == expected


def test_short_or_mixed_text_is_not_confident() -> None:
    assert detect("ok 123").language is None


def test_chinese_writer_with_default_english_locale_gets_chinese() -> None:
    c = classify(
        ticket("我在11月16日存了¥8,000，但是账户里没有显示。", "esc_deposit_missing"), TAGS
    )
    assert (c.language, c.language_source) == ("zh", "text")


def test_lang_tag_wins_over_words_and_locale() -> None:
    c = classify(
        ticket("Hello, my deposit TX-8F3K29Q1 is missing.", "esc_deposit_missing", "lang_ru"), TAGS
    )
    assert (c.language, c.language_source) == ("ru", "tag")


def test_locale_is_the_fallback() -> None:
    c = classify(ticket("TX-8F3K29Q1", "esc_tx_failed", locale="es-MX"), TAGS)
    assert (c.language, c.language_source) == ("es", "locale")
    assert from_locale("xx-YY") is None


def test_most_serious_category_wins() -> None:
    c = classify(
        ticket(
            "Many small deposits TX-AAAAA1 from third parties", "esc_deposit_missing", "esc_aml"
        ),
        TAGS,
    )
    assert c.category is Category.AML


@pytest.mark.parametrize(
    ("tags", "org", "vip"),
    [
        (("vip",), None, True),
        (("high_roller",), None, True),
        ((), "Aurora Capital", True),
        ((), "Someone Else", False),
    ],
)
def test_vip(tags: tuple[str, ...], org: str | None, vip: bool) -> None:
    assert classify(ticket("TX-8F3K29Q1", "esc_withdrawal", *tags, org=org), TAGS).vip is vip


def test_withdrawal_needs_an_id_or_amount_and_date() -> None:
    bare = classify(ticket("My withdrawal did not arrive, please check.", "esc_withdrawal"), TAGS)
    assert bare.missing == ("the transaction id, or the amount and the date of the transaction",)
    by_amount = ticket("Saque de R$ 2.500,00 feito em 14/11 não chegou.", "esc_withdrawal")
    assert classify(by_amount, TAGS).complete
    assert classify(ticket("Withdrawal TX-8F3K29Q1 is late", "esc_withdrawal"), TAGS).complete


def test_kyc_needs_a_document() -> None:
    assert not classify(ticket("Please verify the customer", "esc_kyc"), TAGS).complete
    assert classify(ticket("Customer sent the passport photo", "esc_kyc"), TAGS).complete
    assert classify(ticket("Please verify", "esc_kyc", attachments=True), TAGS).complete


def test_no_category_tag_is_incomplete_and_says_which_tags() -> None:
    c = classify(ticket("Customer is angry"), TAGS)
    assert c.category is None
    assert "esc_withdrawal" in c.missing[0]


@pytest.mark.parametrize(
    "text",
    [
        "The customer wants to know about deposits and payments, reference pending.",
        "Quer depositar de novo, aguardando há 72 hours sem resposta.",
        "Cliente diz que o pix transfer não funcionou.",
    ],
)
def test_ordinary_words_are_not_transaction_ids_or_dates(text: str) -> None:
    assert not classify(ticket(text, "esc_withdrawal"), TAGS).complete
