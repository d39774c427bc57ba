"""[approvals] in BATON_CONFIG: the SPEC §14 example reads; a bad key or value is one line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import load_batonconfig
from bot.errors import ConfigError

SPEC_EXAMPLE = """
[approvals]
expire_hours = 24
lead_above = { BRL = 1000, USD = 200, EUR = 200, CNY = 1500, RUB = 20000 }
two_approvers_above = { BRL = 20000, USD = 4000, EUR = 4000, CNY = 30000, RUB = 400000 }
"""


def _load(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text)
    return path


def test_the_spec_example_reads(tmp_path: Path) -> None:
    config = load_batonconfig(_load(tmp_path, SPEC_EXAMPLE)).approvals
    assert config.expire_hours == 24
    assert config.lead_above["BRL"] == Decimal(1000)
    assert config.two_approvers_above["RUB"] == Decimal(400000)


def test_fractions_and_lowercase_codes(tmp_path: Path) -> None:
    text = "[approvals]\nexpire_hours = 0.5\nlead_above = { usd = 150.5 }\n"
    config = load_batonconfig(_load(tmp_path, text)).approvals
    assert config.expire_hours == 0.5
    assert config.lead_above == {"USD": Decimal("150.5")}
    assert config.two_approvers_above["USD"] == Decimal(4000)  # the default stays


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[approvals]\nexpire_hour = 3", "[approvals] expire_hour: unknown key, did you mean"),
        ("[approvals]\nexpire_hours = 0", "expire_hours = 0"),
        ("[approvals]\nlead_above = { ZZZ = 10 }", "ZZZ"),
        ("[approvals]\nlead_above = { USD = -1 }", "expected an amount of 0 or more"),
        ("[approvals]\ntwo_approvers_above = { USD = 'lots' }", "two_approvers_above"),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_it(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_batonconfig(_load(tmp_path, toml))
    assert message in str(err.value), str(err.value)
    assert "\n" not in str(err.value)
