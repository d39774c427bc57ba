"""ICAO 9303 specimens (Doc 9303 parts 4-6, the Utopian "ERIKSSON ANNA MARIA") in every format,
and each with one check digit wrong."""

from __future__ import annotations

from datetime import date

import pytest

from bot.documents.mrz import check, find_lines

TODAY = date(2026, 12, 2)
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


@pytest.mark.parametrize(("lines", "fmt"), [(TD3, "TD3"), (TD2, "TD2"), (TD1, "TD1")])
def test_specimens_read_and_check(lines: tuple[str, ...], fmt: str) -> None:
    zone = check(lines, today=TODAY)
    assert zone is not None and zone.valid and zone.format == fmt
    assert (zone.surname, zone.given_names, zone.sex) == ("ERIKSSON", "ANNA MARIA", "F")
    assert (zone.country, zone.nationality) == ("UTO", "UTO")
    assert zone.birth_date == date(1974, 8, 12) and zone.expiry_date == date(2012, 4, 15)
    assert zone.number not in zone.number_masked


def _swap(line: str, at: int) -> str:
    digit = str((int(line[at]) + 1) % 10)
    return line[:at] + digit + line[at + 1 :]


# (lines, line index, position of the check digit, the check that must fail)
WRONG = [
    (TD3, 1, 9, "document number"),
    (TD3, 1, 19, "birth date"),
    (TD3, 1, 27, "expiry date"),
    (TD3, 1, 42, "optional data"),
    (TD3, 1, 43, "final"),
    (TD2, 1, 9, "document number"),
    (TD2, 1, 19, "birth date"),
    (TD2, 1, 27, "expiry date"),
    (TD2, 1, 35, "final"),
    (TD1, 0, 14, "document number"),
    (TD1, 1, 6, "birth date"),
    (TD1, 1, 14, "expiry date"),
    (TD1, 1, 29, "final"),
]


@pytest.mark.parametrize(("lines", "row", "at", "field"), WRONG)
def test_each_wrong_check_digit_is_named(
    lines: tuple[str, ...], row: int, at: int, field: str
) -> None:
    bad = list(lines)
    bad[row] = _swap(bad[row], at)
    zone = check(bad, today=TODAY)
    assert zone is not None and not zone.valid
    assert field in zone.failed


def test_not_an_mrz() -> None:
    assert check(["hello", "world"], today=TODAY) is None
    assert check(list(TD3[:1]), today=TODAY) is None


def test_lines_found_in_text() -> None:
    text = f"Passport scan text:\n{TD3[0]}\n{TD3[1]}\nthanks"
    assert find_lines(text) == [TD3]
