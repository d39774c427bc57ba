"""The machine-readable zone of passports and id cards (ICAO 9303: TD1, TD2, TD3).

The check digits are the `mrz` package's (a maintained checker of every ICAO 9303 format);
what the lines say (dates with their century, names, sex) is read here, where Baton's clock
decides expiry and age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mrz.base.errors import FieldError, LengthError
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker

from bot.documents.numbers import masked

# Line length → (format, line count, checker).
FORMATS = {
    30: ("TD1", 3, TD1CodeChecker),
    36: ("TD2", 2, TD2CodeChecker),
    44: ("TD3", 2, TD3CodeChecker),
}
_LINE = re.compile(r"[A-Z0-9<]+")
# The mrz package names each check by the field it covers.
CHECKS = ("document number", "birth date", "expiry date", "optional data", "final")


@dataclass(frozen=True)
class MrzCheck:
    """What an MRZ says and which of its checks failed (field names as CHECKS)."""

    format: str
    valid: bool
    failed: tuple[str, ...] = ()
    document_type: str = ""
    country: str = ""
    nationality: str = ""
    surname: str = ""
    given_names: str = ""
    sex: str = ""  # M | F | X
    birth_date: date | None = None
    expiry_date: date | None = None
    number_masked: str = ""
    number: str = ""  # for the keyed fingerprint only: never shown

    @property
    def holder(self) -> str:
        return f"{self.given_names} {self.surname}".strip()


def find_lines(text: str) -> list[tuple[str, ...]]:
    """Every MRZ in text: runs of two or three same-length lines of MRZ characters."""
    lines = [w for w in text.upper().split() if len(w) in FORMATS and _LINE.fullmatch(w)]
    found: list[tuple[str, ...]] = []
    i = 0
    while i < len(lines):
        size = len(lines[i])
        fmt = FORMATS.get(size)
        if fmt is None:
            i += 1
            continue
        count = fmt[1]
        group = tuple(lines[i : i + count])
        if len(group) == count and all(len(x) == size for x in group) and "<" in "".join(group):
            found.append(group)
            i += count
        else:
            i += 1
    return found


def check(lines: tuple[str, ...] | list[str], *, today: date) -> MrzCheck | None:
    """Check an MRZ's every digit and read it; None when the lines are no MRZ at all."""
    rows = [line.strip().upper() for line in lines if line.strip()]
    fmt = FORMATS.get(len(rows[0])) if rows else None
    if fmt is None or len(rows) != fmt[1] or any(len(r) != len(rows[0]) for r in rows):
        return None
    name, _count, checker_class = fmt
    try:
        checker = checker_class("\n".join(rows), check_expiry=False, compute_warnings=False)
    except (FieldError, LengthError, ValueError, KeyError):
        return None
    failed = tuple(label.removesuffix(" hash") for label, ok in checker.report.falses if not ok)
    fields = checker.fields()
    number = (fields.document_number or "").replace("<", "")
    birth = _date(fields.birth_date, past=True, today=today)
    expiry = _date(fields.expiry_date, past=False, today=today)
    if birth is None and "birth date" not in failed:
        failed += ("birth date",)
    if expiry is None and "expiry date" not in failed:
        failed += ("expiry date",)
    return MrzCheck(
        format=name,
        valid=not failed,
        failed=failed,
        document_type=(fields.document_type or "").replace("<", ""),
        country=fields.country or "",
        nationality=fields.nationality or "",
        surname=(fields.surname or "").strip(),
        given_names=(fields.name or "").strip(),
        sex=(fields.sex or "").replace("<", "X"),
        birth_date=birth,
        expiry_date=expiry,
        number_masked=masked(number),
        number=number,
    )


def _date(value: str | None, *, past: bool, today: date) -> date | None:
    """YYMMDD with its century: a birth date is never in the future; an expiry date is within
    50 years of today (ICAO 9303 leaves the century out)."""
    if not value or not value.isdigit() or len(value) != 6:
        return None
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    century = today.year // 100 * 100
    year = century + yy
    if past and year > today.year:
        year -= 100
    if not past and year > today.year + 50:
        year -= 100
    try:
        return date(year, mm, dd)
    except ValueError:
        return None
