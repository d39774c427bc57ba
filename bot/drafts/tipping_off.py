"""Words that would tip a customer off, per reply language, and the check that finds them.

On a compliance case, or a ticket whose payment is held for an AML review
(``templates.needs_neutral``), a reply must say nothing of an investigation, a review, a block
or freeze, fraud, suspicion, a report, money laundering, compliance or the police. The NEUTRAL
templates are written that way (tests/drafts/test_templates.py checks them against these very
lists), and ``find`` checks what an analyst typed in the Edit modal before it can be sent.

The lists are what a native speaker would write, not a translation of the English one. Text and
words are compared case- and accent-free (``polícia`` = ``POLICIA``, ``отчёт`` = ``отчет``). In
the alphabetic languages an entry matches at the start of a word: ``investigat*`` matches
"investigation" and "investigating", an entry without ``*`` only the whole word ("block", not
"blockchain"), and a space matches any run of white space. Chinese has no spaces: every entry
matches anywhere in the text. The English list applies to every language too (the terms of art
"AML", "SAR", "compliance" are written in English in any reply).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.errors import N_, UserFacingError

__all__ = ["BODY", "SUBJECT", "WORDS", "Mention", "TippingOff", "check", "find", "normalise"]

WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        # investigation, review
        "investigat*", "review*", "scrutin*", "audit*",
        # block, freeze
        "block", "blocks", "blocked", "blocking", "unblock*", "freez*", "frozen",
        # fraud, suspicious
        "fraud*", "suspic*", "suspect*",
        # report, SAR
        "report*", "sar", "sars", "str",
        # money laundering, compliance
        "aml", "launder*", "complian*", "sanction*",
        # police, the authorities
        "police*", "law enforcement", "authorities", "financial intelligence",
    ),
    "pt": (
        "investiga*", "apura*", "analise*", "analisa*", "analisand*", "revisa*", "revisao",
        "revisoes", "auditori*",
        "bloque*", "desbloque*", "congela*", "congelad*", "retencao", "retid*",
        "fraud*", "golpe*", "suspeit*", "suspeic*",
        "denunci*", "relatorio*", "comunicacao ao coaf", "coaf", "ros",
        "lavagem*", "conformidade", "complian*",
        "polici*", "autoridade*",
    ),
    "es": (
        "investiga*", "averigua*", "revision*", "revisa*", "revisand*", "analisis", "analiza*",
        "analizand*", "auditori*",
        "bloque*", "desbloque*", "congela*", "congelad*", "retenid*", "retencion",
        "fraud*", "estafa*", "sospech*",
        "denunci*", "report*", "informe de actividad", "sepblac", "ros",
        "blanqueo*", "lavado de dinero", "lavado de activos", "cumplimiento", "complian*",
        "polici*", "autoridad*",
    ),
    "zh": (
        "调查", "审核", "审查", "复核", "核查", "排查",
        "冻结", "封禁", "封锁", "封号", "封存", "查封", "拦截", "屏蔽", "锁定",
        "欺诈", "诈骗", "可疑", "怀疑", "涉嫌",
        "报告", "举报", "上报", "报备",
        "洗钱", "合规", "风控",
        "警方", "警察", "公安", "报警", "执法", "司法",
    ),
    "ru": (
        "расследова*", "проверк*", "проверя*", "рассмотр*", "рассматрива*", "аудит*",
        "блокир*", "заблокир*", "разблокир*", "заморож*", "замороз*", "заморажива*",
        "мошен*", "подозр*",
        "отчет*", "донос*", "финмонитор*", "росфинмонитор*",
        "отмыв*", "легализац*", "комплаенс*", "комплайенс*", "санкци*",
        "полици*", "правоохранит*", "органы власти",
    ),
}  # fmt: skip

_SPACED = frozenset({"en", "pt", "es", "ru"})
_WORD, _LATIN = r"\w", r"[a-z0-9]"  # what a word is made of; English inside Chinese: Latin


def normalise(text: str) -> str:
    """Lower case without accents: what the lists and the text are compared as."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _pattern(entry: str, *, letter: str | None) -> str:
    """A regex for one entry; ``letter`` is what a word is made of, None to match anywhere."""
    stem, prefix = (entry[:-1], True) if entry.endswith("*") else (entry, False)
    body = r"\s+".join(re.escape(normalise(part)) for part in stem.split())
    if letter is None:
        return body
    return rf"(?<!{letter}){body}{letter + '*' if prefix else f'(?!{letter})'}"


@cache
def _regex(language: str) -> re.Pattern[str]:
    spaced = language in _SPACED
    patterns = [_pattern(w, letter=_WORD if spaced else None) for w in WORDS[language]]
    if language != "en":
        patterns += [_pattern(w, letter=_WORD if spaced else _LATIN) for w in WORDS["en"]]
    return re.compile("|".join(patterns))


@dataclass(frozen=True)
class Mention:
    """A word that tips off, as the text wrote it."""

    word: str
    start: int


def find(text: str, language: str) -> Mention | None:
    """The first word of ``text`` that would tip a customer off in ``language`` (or English)."""
    # Normalise character by character, remembering where each normalised one came from.
    flat: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        norm = normalise(ch)
        flat.append(norm)
        origin.extend([i] * len(norm))
    m = _regex(language if language in WORDS else "en").search("".join(flat))
    if m is None:
        return None
    start, end = origin[m.start()], origin[m.end() - 1] + 1
    return Mention(word=text[start:end], start=start)


class TippingOff(UserFacingError):
    """A reply on a neutral-only ticket that names what it must not; ``field``: where."""

    def __init__(self, msgid: str, /, *, field: str, **params: object) -> None:
        super().__init__(msgid, **params)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.field, self.params))


def _rebuild(msgid: str, field: str, params: dict[str, object]) -> TippingOff:
    return TippingOff(msgid, field=field, **params)


SUBJECT, BODY = "subject", "body"
_REFUSALS = {
    SUBJECT: N_(
        "The subject mentions “{word}”: on a compliance case say nothing of an investigation, a "
        "review, a block, fraud, a report or the police. Reword it and try again."
    ),
    BODY: N_(
        "The reply mentions “{word}”: on a compliance case say nothing of an investigation, a "
        "review, a block, fraud, a report or the police. Reword it and try again."
    ),
}


def check(*, subject: str, body: str, language: str) -> None:
    """Refuse a subject or body that would tip the customer off, naming the word found."""
    for field, text in ((SUBJECT, subject), (BODY, body)):
        if (mention := find(text, language)) is not None:
            raise TippingOff(_REFUSALS[field], field=field, word=mention.word)
