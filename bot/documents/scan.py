"""Document numbers written in a ticket's text, confirmed by their own check digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.documents.numbers import NumberCheck, check

# A number of these shapes counts when its check digits hold; a bare run of digits (which a
# transaction id or a phone number may be) only after its label.
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cpf", re.compile(_B + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _E)),
    ("cnpj", re.compile(_B + r"[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-\d{2}" + _E)),
    ("cn_ric", re.compile(_B + r"\d{17}[\dXx]" + _E)),
    ("mx_curp", re.compile(_B + r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d" + _E)),
    ("mx_rfc", re.compile(_B + r"[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}" + _E)),
    ("es_nie", re.compile(_B + r"[XYZ]-?\d{7}-?[A-Z]" + _E)),
    ("es_dni", re.compile(_B + r"\d{8}-?[A-Z]" + _E)),
    ("ar_cuit", re.compile(_B + r"\d{2}-\d{8}-\d" + _E)),
    ("cl_rut", re.compile(_B + r"\d{1,2}\.\d{3}\.\d{3}-[\dkK]" + _E)),
    ("us_ssn", re.compile(_B + r"\d{3}-\d{2}-\d{4}" + _E)),
)
_LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cpf", re.compile(r"\bCPF\b\W{0,3}(\d{11})" + _E, re.IGNORECASE)),
    ("cnpj", re.compile(r"\bCNPJ\b\W{0,3}([0-9A-Z]{12}\d{2})" + _E, re.IGNORECASE)),
    ("ru_inn", re.compile(r"(?:\bINN\b|ИНН)\W{0,3}(\d{12}|\d{10})" + _E, re.IGNORECASE)),
    ("co_nit", re.compile(r"\bNIT\b\W{0,3}([\d.]{8,13}-?\d)" + _E, re.IGNORECASE)),
    ("pe_ruc", re.compile(r"\bRUC\b\W{0,3}(\d{11})" + _E, re.IGNORECASE)),
    ("us_ssn", re.compile(r"\bSSN\b\W{0,3}(\d{9})" + _E, re.IGNORECASE)),
)


@dataclass(frozen=True)
class Found:
    check: NumberCheck
    start: int


def numbers(text: str) -> list[NumberCheck]:
    """Every document number in text that validates, once each, in the order written."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, value: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        result = check(kind, value)
        if result.valid:
            taken.append((start, end))
            found.append(Found(result, start))

    for kind, pattern in _LABELLED:
        for m in pattern.finditer(text):
            add(kind, m.start(1), m.end(1), m.group(1))
    for kind, pattern in _SHAPES:
        for m in pattern.finditer(text):
            add(kind, m.start(), m.end(), m.group(0))
    seen: set[tuple[str, str]] = set()
    out = []
    for f in sorted(found, key=lambda f: f.start):
        key = (f.check.kind, f.check.compact)
        if key not in seen:
            seen.add(key)
            out.append(f.check)
    return out
