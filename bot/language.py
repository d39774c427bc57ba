"""Which of Baton's languages a customer writes in: by script, then by lingua's models.

Chinese and Russian are told by their script alone (Baton supports no other Han or Cyrillic
language). Latin text goes to lingua (``lingua-language-detector``) restricted to English,
Portuguese and Spanish, helped by marker words only one of the three uses; a guess below
``THRESHOLD`` is no guess. Both the intake (the escalation's language) and the reply drafts call
``detect_ticket``, so they always agree. The threshold and the markers were tuned on
``tests/fixtures/language/`` (all but the ``holdout*`` files); ``python bench/language.py``
prints the figures, per language on the held-out lines last.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

# lingua's confidence for the best of en/pt/es below which Baton does not trust the guess.
THRESHOLD = 0.65
MARKER_WEIGHT = 1.0
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


def warm() -> None:
    """Load lingua's models now (about a second of CPU), so no request or event waits for it.

    The web and worker processes call this in a thread at start: loaded lazily, the first
    detection would block the event loop while Slack waits for an acknowledgement.
    """
    detect("meu saque não caiu na conta; mi retiro no llegó; my withdrawal is late")


_CODES = {"ENGLISH": "en", "PORTUGUESE": "pt", "SPANISH": "es"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short words customers use all the time that belong to one of en / pt / es only (accented and
# unaccented spellings, chat abbreviations). Words the pair shares (de, que, no, nada, para) are
# left out: they tell nothing.
_MARKERS: dict[str, frozenset[str]] = {
    "pt": _words(
        "não nao meu minha meus minhas você voce vc vcs vocês voces cadê cade saque saques "
        "ainda já ja até ate obrigado obrigada caiu cair recebi fiz foi tá tô pra pq "
        "ajuda ajudem conta dinheiro deu segue ontem agora quero olá bom boa "
        "estorno boleto chave travado só sem em um uma do das com pelo pela ao "
        "são sao faz nenhum mandei aprovaram veio errado metade também tambem depositei "
        "transferência comprovante pix"
    ),
    "es": _words(
        "mi mis retiro retiros retirar recibi recibí llego llegó llega llegar llegado cuenta "
        "dinero plata todavía todavia aún aun puedo hice usted ustedes gracias ayuda ayudenme "
        "ayúdenme hola tarjeta dónde donde ya hasta rechazaron sigo pagué tardando "
        "el la los las del y sin porfa quisiera buenas buen reembolso monto mandé les "
        "acreditaron un una es solo equivocado trabado desaparecio desapareció devolvieron "
        "pasaron cancelaron deposité necesito quiero"
    ),
    "en": _words(
        "my the is i not still where why can you please pls hi hello thanks thank and it of "
        "for with got didnt hasnt havent cant dont money account card was has have been "
        "what how does did this that yet nothing received arrived want need help"
    ),
    # Transliterated Russian.
    "ru": _words(
        "gde moi moy moya moyi ne mogu pochemu pochemy dengi den'gi vyvod vyvesti vivod "
        "depozit pozhaluysta pozhalujsta pomogite prishel prishli prishlo eshche esche uzhe "
        "zachislen zachislili otklonili spisalis net kogda kak chto zdravstvuyte privet spasibo"
    ),
}


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


def _markers(text: str) -> dict[str, int]:
    """How many of each language's marker words the text has."""
    words = _WORD.findall(text.lower())
    return {lang: sum(w in vocab for w in words) for lang, vocab in _MARKERS.items()}


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
    values = {
        _CODES[v.language.name]: v.value for v in _lingua().compute_language_confidence_values(text)
    }
    markers = _markers(text)
    # Russian typed in Latin letters (no Cyrillic keyboard at hand): answer in Russian.
    if markers["ru"] >= 2 and markers["ru"] > max(markers[lang] for lang in _CODES.values()):
        return Detection("ru", 1.0)
    # lingua's n-grams see too little in four words to split pt from es; the words customers use
    # most (meu/mi, saque/retiro, não/no) see it at once. Each marker word counts half a model.
    scores = {lang: values[lang] + MARKER_WEIGHT * markers[lang] for lang in _CODES.values()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (runner_up, second) = ranked[0], ranked[1]
    # Marker words on both sides of the choice weigh nothing: one each for pt and es must leave
    # lingua's reading as it is, not dilute it towards a tie (0.8 : 0.2 read as 1.8 : 1.2).
    shared = MARKER_WEIGHT * min(markers[best], markers[runner_up])
    top, second = top - shared, second - shared
    confidence = top / (top + second) if top + second > 0 else 0.0
    if confidence < THRESHOLD:
        return Detection(None, confidence)
    return Detection(best, confidence)


def detect_ticket(*, subject: str | None, description: str | None) -> Detection:
    """The language of a ticket: its description, or its subject when it has none.

    Never the two together: a subject is often a form's or an agent's English ("Help",
    "Withdrawal") and would outvote the requester's locale on a description like "TX-8F3K29Q1".
    """
    body = (description or "").strip()
    return detect(body or (subject or "").strip())


def from_locale(locale: str | None) -> str | None:
    """Map a Zendesk locale such as 'pt-BR' or 'zh-cn' to a Baton language code."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in ("en", "pt", "es", "zh", "ru") else None
