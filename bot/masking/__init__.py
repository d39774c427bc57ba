"""PII masking for everything Baton posts to chat: cards, IBANs, documents, phones, e-mails.

Masking keeps the shape of a value and its last characters, so an analyst can still tell which
card or document the customer meant ("•••• •••• •••• 4242") without the number reaching a
channel. Candidates are found by small patterns and confirmed by maintained validators
(python-stdnum for cards, IBANs and national documents, phonenumbers for phones), so payment
references stay readable: `TX-8F3K29Q1`, Pix end-to-end ids, UUIDs, Stripe and Adyen references,
amounts, dates, times and ticket numbers ("#48213").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from stdnum import iban, luhn
from stdnum.br import cnpj, cpf
from stdnum.cn import ric
from stdnum.es import dni, nie
from stdnum.exceptions import ValidationError
from stdnum.mx import curp
from stdnum.ru import inn

from bot.masking.phones import phone_spans
from bot.masking.spans import DOT, Span, apply, keep_last

_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ASCII_LETTERS = _ASCII_ALNUM - frozenset("0123456789")
# Chinese text often carries full-width digits; validators only read ASCII ones. One code point
# each, so positions found in the translated copy are positions in the original.
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def luhn_ok(digits: str) -> bool:
    """Say whether a string of digits passes the Luhn check (card numbers do)."""
    return luhn.is_valid(digits)


# --- e-mail addresses ---------------------------------------------------------------------

# ASCII local part: "邮箱joao@…" must not swallow the Chinese label in front of the address.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b"
)


def _mask_email(m: re.Match[str]) -> str:
    """Keep the first letter of the address and of its domain, and the domain's suffix."""
    local, domain = m.group(1), m.group(2)
    labels = domain.split(".")
    masked_domain = ".".join([labels[0][:1] + "***", *labels[1:]]) if len(labels) > 1 else "***"
    return f"{local[:1]}***@{masked_domain}"


# --- IBANs --------------------------------------------------------------------------------

# A country code, check digits and up to 30 more characters, spaced or not. The pattern is
# greedy and may run into the next word ("… 3000 para"), so trailing pieces are dropped until
# stdnum accepts what is left.
_IBAN = re.compile(r"(?<![0-9A-Za-z_])[A-Za-z]{2}[0-9]{2}(?:[ -]?[0-9A-Za-z]){11,30}")
_IBAN_PIECE = re.compile(r"[0-9A-Za-z]+")


def _iban_spans(text: str) -> list[Span]:
    """Find IBANs and mask all but the country code and the last four characters."""
    spans = []
    for m in _IBAN.finditer(text):
        pieces = list(_IBAN_PIECE.finditer(m.group(0)))
        while pieces:
            end = pieces[-1].end()
            candidate = m.group(0)[:end]
            if iban.is_valid(candidate):
                spans.append((m.start(), m.start() + end, _mask_iban(candidate)))
                break
            pieces.pop()
    return spans


def _mask_iban(value: str) -> str:
    """Dot all but the country code and the last four characters, keeping the spaces."""
    alnum = [i for i, ch in enumerate(value) if ch.isalnum()]
    shown = set(alnum[:2] + alnum[-4:])
    return "".join(DOT if ch.isalnum() and i not in shown else ch for i, ch in enumerate(value))


# --- documents named by a label: passports, RG, DNI -------------------------------------------

# Passport numbers have no check digit and no fixed shape, so they are masked only after a word
# that says what they are ("passport number is FZ1234567", "护照号码：E12345678", "паспорт
# серия 45 08 № 123456"); Cyrillic inflections ("паспорта", "загранпаспорт") count too.
_LABEL = re.compile(
    r"(?i)(?<![A-Za-z])(?:passport|passaporte|pasaporte|паспорт|护照|documento|document|dni|rg)"
    r"(?![A-Za-z])[^\W\d_]*"
)
_LABELLED = re.compile(
    r"[^\d\n]{0,30}?(?<![0-9A-Za-z#])"
    r"([A-Za-z]{0,3}[0-9][0-9 .\-№]{3,14}[0-9](?:-?[A-Za-z0-9])?)(?![0-9A-Za-z])"
)


def _labelled_spans(text: str) -> list[Span]:
    """Mask the first number-like value within a few words after a document label."""
    spans: list[Span] = []
    for label in _LABEL.finditer(text):
        m = _LABELLED.match(text, label.end())
        value = m.group(1) if m else ""
        # Every passport has six digits or more; fewer is a version or a count, not a document.
        if (
            m
            and sum(ch.isdigit() for ch in value) >= 6
            and (not spans or m.start() >= spans[-1][1])
        ):
            spans.append((m.start(1), m.end(1), keep_last(value, 2, letters=True)))
    return spans


# --- documents with their own check characters: CNPJ (new alphanumeric), DNI, NIE, CURP -------

_ALNUM_DOCS = re.compile(
    r"(?<![0-9A-Za-z_])(?:"
    r"(?P<cnpj>(?=[0-9./-]*[A-Z])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?[0-9]{2})"
    r"|(?P<dni>[0-9]{8}[ -]?[A-Za-z])"
    r"|(?P<nie>[XYZxyz][ -]?[0-9]{7}[ -]?[A-Za-z])"
    r"|(?P<curp>[A-Z]{4}[0-9]{6}[HMX][A-Z]{5}[0-9A-Z][0-9])"
    r")(?![0-9A-Za-z_])"
)
_ALNUM_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "cnpj": cnpj.is_valid,
    "dni": dni.is_valid,
    "nie": nie.is_valid,
    "curp": curp.is_valid,
}


def _alnum_doc_spans(text: str) -> list[Span]:
    """Find documents whose letters are part of the number, confirmed by their check digits."""
    spans = []
    for m in _ALNUM_DOCS.finditer(text):
        kind = m.lastgroup or ""
        if _ALNUM_VALIDATORS[kind](m.group(0)):
            spans.append((m.start(), m.end(), keep_last(m.group(0), 2, letters=True)))
    return spans


# --- digit runs: cards, CPF, CNPJ, Chinese resident id, INN, Russian passport ----------------

# Digit groups joined by one separator: "4111 1111-1111 1111", "529.982.247-25",
# "11.222.333/0001-81"; a Chinese resident id may end in X.
_RUN = re.compile(r"[0-9]+(?:[ \u00a0\u202f./\-\u2013][0-9]+)*(?:[Xx](?![0-9A-Za-z_]))?")
_WORD = re.compile(r"[^ \u00a0\u202f]+")
_GROUP = re.compile(r"[0-9]+[Xx]?")
# Punctuation that ties a number to its neighbour: ids (TX-123, pi_3Mtw), times (14:30),
# amounts (1.234,56). A colon or comma ties only digit to digit: "CPF:529…" is a label.
_TIGHT = frozenset("./-\u2013_")
_TIGHT_DIGITS = frozenset(":,")

# Issuer ranges of the card networks a Brazilian, Russian, Chinese or Latin American customer
# may hold: every major network lives in 2-6 (Visa, Mastercard, Amex, Elo, Hipercard, Mir,
# UnionPay 62, JCB, Diners, Discover), plus UnionPay 81, UzCard 8600, Humo 9860 and Troy 9792.
# An ungrouped Luhn-valid number outside them is a reference: Adyen PSP references start 7-9.
_CARD_PREFIXES = ("2", "3", "4", "5", "6", "81", "8600", "9860", "9792")
_CPF_SHAPES = frozenset({(11,), (3, 3, 3, 2), (9, 2)})
_CNPJ_SHAPES = frozenset({(14,), (2, 3, 3, 4, 2), (8, 4, 2), (12, 2)})
# Digits 3-4 of a Russian passport series are the year the form was printed (1997 onwards).
_RU_PASSPORT_YEARS = frozenset({"97", "98", "99"} | {f"{y:02d}" for y in range(40)})


def _is_cn_ric(digits: str) -> bool:
    """Say whether 18 characters are a Chinese resident id (check character and birth date)."""
    # stdnum's full validate() also wants the county code in its database as of the birth year;
    # that rejects real ids (the standard's own example 440524188001010014), and here a miss is
    # a leak, so the check character and the date have to be enough.
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    try:
        ric.get_birth_date(digits)
    except ValidationError:
        return False
    return ric.calc_check_digit(digits) == digits[-1].upper()


def _is_card(digits: str, sizes: tuple[int, ...]) -> bool:
    """Say whether 13-19 digits written in these groups are a payment card."""
    if sizes == (4, 4, 4, 4):
        return True  # a mistyped card is still a card: 4-4-4-4 is how cards are written
    if len(sizes) == 1:
        return digits.startswith(_CARD_PREFIXES) and luhn.is_valid(digits)
    # People group cards in fours (Amex 4-6-5); dates and times (15.01.2026) have short groups.
    return all(3 <= s <= 6 for s in sizes[:-1]) and sizes[-1] <= 6 and luhn.is_valid(digits)


def _classify(digits: str, sizes: tuple[int, ...]) -> int | None:
    """Return how many digits to keep if the digits are a card or a document, else None."""
    n = len(digits)
    if n == 18 and _is_cn_ric(digits):
        return 2
    if not digits.isdigit():
        return None
    if n == 14 and sizes in _CNPJ_SHAPES and cnpj.is_valid(digits):
        return 2
    if n == 11 and sizes in _CPF_SHAPES and cpf.is_valid(digits):
        return 2
    if n in (10, 12) and len(sizes) == 1 and inn.is_valid(digits):
        return 2
    if 13 <= n <= 19 and _is_card(digits, sizes):
        return 4
    if sizes in ((4, 6), (2, 2, 6)) and digits[2:4] in _RU_PASSPORT_YEARS:
        return 2
    return None


def _glued(text: str, at: int, step: int) -> bool:
    """Say whether the character at ``at`` (and the one beyond it) ties a number to a word."""
    if not 0 <= at < len(text):
        return False
    ch = text[at]
    if ch in _ASCII_LETTERS or ch in "•#+":
        return True
    beyond = text[at + step] if 0 <= at + step < len(text) else ""
    if ch in _TIGHT:
        return beyond in _ASCII_ALNUM or beyond == DOT
    return ch in _TIGHT_DIGITS and beyond.isdigit()


class _Word(NamedTuple):
    """Digit groups of a run between spaces: "529.982.247-25" is one word, (3, 3, 3, 2)."""

    start: int
    end: int
    digits: str
    sizes: tuple[int, ...]


def _run_spans(text: str) -> list[Span]:
    """Mask cards and documents among the digit runs of text."""
    spans: list[Span] = []
    for run in _RUN.finditer(text):
        words = []
        for w in _WORD.finditer(text, run.start(), run.end()):
            groups = _GROUP.findall(w.group(0))
            words.append(_Word(w.start(), w.end(), "".join(groups), tuple(map(len, groups))))
        # A number tied to a word by its punctuation (TX-123 4111…) is part of an id, not PII.
        first = 1 if _glued(text, run.start() - 1, -1) else 0
        last = len(words) - (1 if _glued(text, run.end(), 1) else 0)
        i = first
        while i < last:
            found = _longest_match(words, i, last)
            if found is None:
                i += 1
                continue
            j, keep = found
            start, end = words[i].start, words[j - 1].end
            spans.append((start, end, keep_last(text[start:end], keep)))
            i = j
    return spans


def _longest_match(words: list[_Word], i: int, last: int) -> tuple[int, int] | None:
    """Return (end word, digits to keep) of the longest window from word i that is PII."""
    windows = []
    digits, sizes = "", tuple[int, ...]()
    for j in range(i, last):
        digits += words[j].digits
        sizes += words[j].sizes
        if len(digits) > 19:  # longer than any card or document
            break
        if len(digits) >= 10:  # shorter than any card or document
            windows.append((j + 1, digits, sizes))
    for j, digits, sizes in reversed(windows):
        keep = _classify(digits, sizes)
        if keep is not None:
            return j, keep
    return None


# Boleto lines (bank: 5.5 5.6 5.6 1 14 digits; utilities and taxes: 4 x 11-1) are references an
# analyst reads out to the bank; their blocks look like phones and cards to the stages below.
_BOLETO = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"[0-9]{5}\.?[0-9]{5} ?[0-9]{5}\.?[0-9]{6} ?[0-9]{5}\.?[0-9]{6} ?[0-9] ?[0-9]{14}"
    r"|8[0-9]{10}[ -]?[0-9](?: ?[0-9]{11}[ -]?[0-9]){3}"
    r")(?![0-9A-Za-z])"
)
_HOLD = "\ue000"  # a private-use character stands in for a boleto line while the stages run

_DIGIT_OR_AT = re.compile(r"[\d@]")
_STAGES: tuple[Callable[[str], list[Span]], ...] = (
    _iban_spans,
    _labelled_spans,
    _alnum_doc_spans,
    _run_spans,
    phone_spans,
)


def mask(text: str) -> str:
    """Return text with cards, IBANs, documents, phones and e-mail addresses masked."""
    if not _DIGIT_OR_AT.search(text):
        return text  # every value masked here has a digit, but an e-mail address
    text = _EMAIL.sub(_mask_email, text)
    held = _BOLETO.findall(text) if _HOLD not in text else []
    if held:
        text = _BOLETO.sub(_HOLD, text)
    # Each stage reads what the ones before left: a masked value is dots, never found again.
    for stage in _STAGES:
        text = apply(text, stage(text.translate(_FULLWIDTH)))
    if held:
        lines = iter(held)
        text = re.sub(_HOLD, lambda _: next(lines), text)
    return text


def mask_deep(value: Any) -> Any:
    """Mask every string inside a JSON-like structure (Block Kit blocks, payloads)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_deep(v) for v in value]
    if isinstance(value, dict):
        # Ids (action_id, block_id, value, url) are Baton's own, never customer text.
        return {k: v if k in _SAFE_KEYS else mask_deep(v) for k, v in value.items()}
    return value


_SAFE_KEYS = frozenset({"action_id", "block_id", "callback_id", "value", "type", "url", "style"})
