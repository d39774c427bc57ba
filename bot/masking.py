"""PII masking for everything Baton posts to chat: cards, e-mails, phones, document numbers.

Masking keeps the shape of a value and its last digits, so an analyst can still tell which card
or document the customer meant ("•••• •••• •••• 4242") without the number itself reaching a
channel. Ticket references ("#12345"), amounts ("1,500.00"), dates and times are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

DOT = "•"

# A digit run is only a candidate when not glued to a word, a "#" (ticket) or another digit.
_START = r"(?<![\w#/.,•-])"
_END = r"(?![\w•]|[.,/-]\d)"


def luhn_ok(digits: str) -> bool:
    """Say whether a string of digits passes the Luhn check (card numbers do)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _keep_last(text: str, keep: int) -> str:
    """Replace every digit but the last ``keep`` with a dot, keeping separators."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hide = set(positions[: max(0, len(positions) - keep)])
    return "".join(DOT if i in hide else ch for i, ch in enumerate(text))


def _mask_email(m: re.Match[str]) -> str:
    local, domain = m.group(1), m.group(2)
    labels = domain.split(".")
    masked_domain = ".".join([labels[0][:1] + "***", *labels[1:]]) if len(labels) > 1 else "***"
    return f"{local[:1]}***@{masked_domain}"


def _mask_card(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return _keep_last(text, 4)
    return text


def _keep2(m: re.Match[str]) -> str:
    return _keep_last(m.group(0), 2)


def _mask_after_label(m: re.Match[str]) -> str:
    return m.group(1) + _keep_last(re.sub(r"[A-Za-z]", DOT, m.group(2)), 2)


def _mask_alnum_doc(m: re.Match[str]) -> str:
    return re.sub(r"[A-Za-z]", DOT, _keep_last(m.group(0), 2))


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # e-mail addresses
    (re.compile(r"\b([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b"), _mask_email),
    # CNPJ 12.345.678/0001-95 and CPF 123.456.789-09, formatted
    (re.compile(_START + r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}" + _END), _keep2),
    (re.compile(_START + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _END), _keep2),
    # Chinese resident identity card: 17 digits and a check digit that may be X
    (re.compile(_START + r"\d{17}[\dXx]" + _END), _keep2),
    # payment cards: 13-19 digits, optionally grouped by spaces or dashes, Luhn-valid
    (re.compile(_START + r"\d(?:[ -]?\d){12,18}" + _END), _mask_card),
    # Russian internal passport: series (4 digits, often "45 08") and number (6 digits)
    (re.compile(_START + r"\d{2} ?\d{2}[ №Nº]{1,3}\d{6}" + _END), _keep2),
    # phone numbers in E.164 / international notation: +55 11 91234-5678, +7 (495) 123-45-67
    (
        re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,5}(?:[ .-]?\d{2,5})" + _END),
        _keep2,
    ),
    # Brazilian phone numbers: (11) 91234-5678, 11 91234-5678, (21) 3456-7890
    (re.compile(_START + r"(?:\(\d{2}\)|\d{2})[ ]?9?\d{4}[ -]\d{4}" + _END), _keep2),
    # passports and other documents after a label: "passport no. FZ1234567", "паспорт 4508 123456"
    (
        re.compile(
            r"(?i)(\b(?:passport|passaporte|pasaporte|паспорт|护照|documento|document|doc)"
            r"(?:\s*(?:no\.?|number|n[º°o]\.?|nº|№|número|numero|номер|号码|#))?\s*[:#]?\s*)"
            r"([A-Za-z]{0,3}\d[\d -]{4,12}\d)"
        ),
        _mask_after_label,
    ),
    # passport-like tokens without a label: one or two letters and 6-9 digits (FZ1234567)
    (re.compile(r"(?<![\w#-])[A-Z]{1,2}\d{6,9}(?![\w-])"), _mask_alnum_doc),
    # bare document numbers: INN (10/12), CPF (11), CNPJ (14) digits
    (re.compile(_START + r"(?:\d{14}|\d{12}|\d{11}|\d{10})" + _END), _keep2),
]


def mask(text: str) -> str:
    """Return text with card numbers, e-mails, phones and document numbers masked."""
    if not text:
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
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
