"""SPEC §9's order: the lang_ tag, the customer's own words, the requester locale, English."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.drafts.language import choose


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Здравствуйте, мой вывод на 2000 долларов не пришёл уже три дня", "ru"),
        ("我在11月16日存了¥8,000，但是账户里没有显示", "zh"),
        ("fiz um pix de 500 reais ontem e ainda não caiu", "pt"),
        ("hice un retiro hace tres dias y todavia no me llega", "es"),
    ],
)
def test_the_words_written_beat_an_account_default_en_us_locale(text: str, expected: str) -> None:
    choice = choose(None, text, "en-US", None)
    assert (choice.language, choice.source, choice.note) == (expected, "text", None)


def test_the_lang_tag_wins_over_words_and_locale() -> None:
    choice = choose("zh", "我的存款没有到账", "zh-CN", "lang_ru")
    assert (choice.language, choice.source) == ("ru", "tag")


@pytest.mark.parametrize(
    ("locale", "language", "catalog"),
    [
        ("pt-BR", "pt", "pt_BR"),
        ("zh-CN", "zh", "zh_Hans"),
        ("es-419", "es", "es"),
        ("ru", "ru", "ru"),
    ],
)
def test_short_text_falls_back_on_the_requester_locale(
    locale: str, language: str, catalog: str
) -> None:
    choice = choose(None, "TX-8F3K29Q1", locale, None)
    assert (choice.language, choice.source, choice.catalog) == (language, "locale", catalog)
    assert choice.note is None


@pytest.mark.parametrize(
    ("locale", "language", "english", "portuguese"),
    [
        ("zh-TW", "zh", "Traditional Chinese", "chinês tradicional"),
        ("pt-PT", "pt", "European Portuguese", "português europeu"),
        ("fr-FR", "en", "in English", "em inglês"),
    ],
)
def test_a_locale_without_its_own_catalog_says_so(
    locale: str, language: str, english: str, portuguese: str
) -> None:
    choice = choose(None, "ok", locale, None)
    assert (choice.language, choice.source) == (language, "locale")
    in_english = choice.note_text(i18n.translator("en")) or ""
    in_portuguese = choice.note_text(i18n.translator("pt-BR")) or ""
    assert locale in in_english and english in in_english
    assert locale in in_portuguese and portuguese in in_portuguese


def test_nothing_to_go_on_is_english() -> None:
    choice = choose(None, "", None, None)
    assert (choice.language, choice.source, choice.note) == ("en", "default", None)


def test_without_ticket_text_the_escalations_language_stands() -> None:
    # Intake detected Spanish from words that are no longer at hand; the locale is the default.
    assert choose("es", "", "en-US", None).language == "es"
    # When intake's language was the locale's, the locale is the reason given.
    assert choose("en", "", "en-US", None).source == "locale"


def test_a_traditional_chinese_locale_is_noted_when_the_words_chose_chinese() -> None:
    choice = choose(None, "提现三天了还没到账", "zh-TW", None)
    assert (choice.language, choice.source, choice.locale) == ("zh", "text", "zh-TW")
    assert "Traditional Chinese" in (choice.note_text(i18n.translator("en")) or "")
    # Another language's locale says nothing about the Chinese draft.
    assert choose(None, "提现三天了还没到账", "en-US", None).note is None


def test_the_subject_is_read_when_there_is_no_description_as_intake_does() -> None:
    choice = choose(None, "", "en-US", None, subject="meu saque não caiu")
    assert (choice.language, choice.source) == ("pt", "text")
    # An English subject does not outvote the locale on a description too short to tell.
    assert choose(None, "R$ 500", "pt-BR", None, subject="Help").source == "locale"
