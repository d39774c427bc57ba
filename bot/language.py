"""Which of Baton's languages a customer writes in: by script, then by lingua's models.

Chinese and Russian are told by their script alone (Baton supports no other Han or Cyrillic
language). Latin text goes to lingua (``lingua-language-detector``) restricted to English,
Portuguese and Spanish; a guess below ``THRESHOLD`` is no guess. Both the intake (the escalation's
language) and the reply drafts call ``detect``, so they always agree. The threshold was tuned on
``tests/fixtures/language/messages.jsonl``; ``python -m bench.language`` prints the figures.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

# lingua's confidence for the best of en/pt/es below which Baton does not trust the guess.
THRESHOLD = 0.7
# Fewer letters than this (after the script check) is not enough text to tell pt from es.
MIN_LETTERS = 4


@dataclass(frozen=True)
class Detection:
    language: str | None
    confidence: float


_lock = threading.Lock()
_detector: LanguageDetector | None = None


def _lingua() -> LanguageDetector:
    """Build lingua's detector once, on first use (its models take ~1 s and ~150 MB)."""
    global _detector
    with _lock:
        if _detector is None:
            from lingua import Language, LanguageDetectorBuilder

            _detector = LanguageDetectorBuilder.from_languages(
                Language.ENGLISH, Language.PORTUGUESE, Language.SPANISH
            ).build()
        return _detector


_CODES = {"ENGLISH": "en", "PORTUGUESE": "pt", "SPANISH": "es"}


def _script_counts(text: str) -> tuple[int, int, int]:
    han = cyr = latin = 0
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            han += 1
        elif "\u0400" <= ch <= "\u04ff":
            cyr += 1
        elif ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
            latin += 1
    return han, cyr, latin


def detect(text: str) -> Detection:
    """Guess the language of text; language None when not confident."""
    han, cyr, latin = _script_counts(text)
    letters = han + cyr + latin
    if letters == 0:
        return Detection(None, 0.0)
    # A Chinese character carries a word's worth of meaning, so weigh it against Latin letters.
    if han >= 2 and han * 4 >= latin:
        return Detection("zh", 1.0)
    if cyr >= 3 and cyr >= latin:
        return Detection("ru", 1.0)
    if latin < MIN_LETTERS:
        return Detection(None, 0.0)
    values = _lingua().compute_language_confidence_values(text)
    if not values:
        return Detection(None, 0.0)
    best = values[0]
    code = _CODES[best.language.name]
    if best.value < THRESHOLD:
        return Detection(None, best.value)
    return Detection(code, best.value)


def from_locale(locale: str | None) -> str | None:
    """Map a Zendesk locale such as 'pt-BR' or 'zh-cn' to a Baton language code."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in ("en", "pt", "es", "zh", "ru") else None
