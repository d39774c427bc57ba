"""Every `/baton kyc` type: a valid number, an invalid one with its reason, what it encodes."""

from __future__ import annotations

import pytest

from bot.documents.numbers import MODULES, check, masked

# (type, valid, invalid, the reason the invalid one fails). Valid numbers are python-stdnum's
# documented examples; the alphanumeric CNPJ is the Receita Federal's (IN RFB 2.229/2024).
CASES = [
    ("cpf", "390.533.447-05", "390.533.447-06", "check_digit"),
    ("cnpj", "11.222.333/0001-81", "11.222.333/0001-82", "check_digit"),
    ("cnpj", "12.ABC.345/01DE-35", "12.ABC.345/01DE-36", "check_digit"),
    ("cn_ric", "11010519491231002X", "110105194912310021", "check_digit"),
    ("ru_inn", "7707083893", "7707083894", "check_digit"),
    ("ru_inn", "500100732259", "50010073225", "length"),
    ("es_dni", "54362315K", "54362315Z", "check_digit"),
    ("es_nie", "x-2482300w", "x-2482300a", "check_digit"),
    ("mx_curp", "BOXW310820HNERXN09", "BOXW310820HNERXN08", "check_digit"),
    ("mx_rfc", "GODE561231GR8", "GODE561231GR9", "check_digit"),
    ("mx_rfc", "MAB9307148T4", "GODE561331GR8", "date"),
    ("ar_cuit", "20-26756539-3", "20-26756539-2", "check_digit"),
    ("cl_rut", "76086428-5", "76086428-4", "check_digit"),
    ("co_nit", "213.123.432-1", "213.123.432-5", "check_digit"),
    ("pe_ruc", "20512333797", "20512333798", "check_digit"),
    ("us_ssn", "536-90-4399", "536-00-4399", "component"),
    ("us_ssn", "536-90-4399", "536-90-439", "format"),
    ("cpf", "390.533.447-05", "3905334470", "length"),
]


def test_every_spec_type_is_covered() -> None:
    assert {kind for kind, *_ in CASES} == set(MODULES)


@pytest.mark.parametrize(("kind", "valid", "invalid", "reason"), CASES)
def test_valid_and_invalid(kind: str, valid: str, invalid: str, reason: str) -> None:
    good, bad = check(kind, valid), check(kind, invalid)
    assert good.valid and good.reason is None
    assert not bad.valid and bad.reason == reason
    digits = "".join(ch for ch in valid if ch.isalnum())
    assert digits not in good.masked and good.masked.endswith(digits[-3:])


def test_what_a_valid_number_encodes() -> None:
    ric = dict(check("cn_ric", "11010519491231002X").encodes)
    assert ric == {"birth_date": "1949-12-31", "sex": "female", "region": "北京市 朝阳区"}
    curp = dict(check("mx_curp", "BOXW310820HNERXN09").encodes)
    assert curp == {"birth_date": "1931-08-20", "sex": "male", "region": "born abroad"}
    assert dict(check("cpf", "390.533.447-05").encodes) == {"region": "ES, RJ"}  # 9th digit 7
    assert dict(check("ru_inn", "500100732259").encodes)["holder"] == "person"


def test_a_real_chinese_id_outside_stdnums_county_table_still_validates() -> None:
    # GB 11643's own example: its county is missing from stdnum's table for 1880.
    assert check("cn_ric", "440524188001010014").valid


def test_masked_keeps_the_last_characters_only() -> None:
    assert masked("390.533.447-05") == "••••••••705"
