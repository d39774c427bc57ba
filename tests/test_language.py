"""The detector intake and drafts share, measured on the labelled set (tests/fixtures/language)."""

from __future__ import annotations

import pytest

from bench.language import EXPECTED, by_language, measure
from bot.language import detect


@pytest.fixture(scope="module")
def figures() -> dict[str, tuple[int, int, int, int]]:
    return by_language(measure())


def test_the_set_has_at_least_fifty_messages_per_language(
    figures: dict[str, tuple[int, int, int, int]],
) -> None:
    assert set(figures) == {"en", "pt", "es", "zh", "ru"}
    assert all(n >= 50 for n, *_ in figures.values()), figures


@pytest.mark.parametrize("lang", ["en", "pt", "es", "zh", "ru"])
def test_at_least_97_percent_right_and_never_another_language(
    figures: dict[str, tuple[int, int, int, int]], lang: str
) -> None:
    n, right, _undecided, wrong = figures[lang]
    assert wrong == 0, f"{lang}: {wrong} messages named as another language"
    assert right / n >= 0.97, f"{lang}: {right}/{n}"


def test_every_file_is_labelled() -> None:
    from bench.language import FIXTURES

    assert {p.stem for p in FIXTURES.glob("*.txt")} == set(EXPECTED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("não recebi meu saque", "pt"),
        ("no recibi mi retiro", "es"),
        ("cadê meu pix", "pt"),
        ("mi deposito no aparece", "es"),
        ("meu withdraw ta travado", "pt"),
        ("mi withdraw esta trabado", "es"),
        ("where is my withdraw", "en"),
        ("提现三天了还没到", "zh"),
        ("withdraw一直pending怎么回事", "zh"),
        ("где мой вывод", "ru"),
        ("gde moi vyvod", "ru"),
    ],
)
def test_the_hard_pairs(text: str, expected: str) -> None:
    assert detect(text).language == expected


@pytest.mark.parametrize("text", ["", "ok", "TX-8F3K29Q1", "R$ 1.234,50", "👍👍", "pix"])
def test_too_little_text_is_no_guess(text: str) -> None:
    assert detect(text).language is None
