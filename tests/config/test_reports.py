"""[reports] in BATON_CONFIG: `weekly` is a day and a desk time, "" turns the post off."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import load_batonconfig
from bot.config.reports import Weekly
from bot.errors import ConfigError


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_is_monday_nine(tmp_path: Path) -> None:
    assert load_batonconfig(config(tmp_path, "")).reports.weekly == Weekly(0, time(9, 0))


def test_a_day_and_a_time_or_off(tmp_path: Path) -> None:
    cfg = load_batonconfig(config(tmp_path, '[reports]\nweekly = "Fri 17:30"\n'))
    assert cfg.reports.weekly == Weekly(4, time(17, 30))
    assert load_batonconfig(config(tmp_path, '[reports]\nweekly = ""\n')).reports.weekly is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[reports]\nweekly = "funday 09:00"\n', "line 2: [reports] weekly = 'funday 09:00'"),
        ('[reports]\nweekly = "mon 25:00"\n', 'expected a day and a desk time, e.g. "mon 09:00"'),
        (
            '[reports]\nweekley = "mon 09:00"\n',
            "[reports] weekley: unknown key, did you mean weekly?",
        ),
        ("[reports]\nweekly = 9\n", "[reports] weekly"),
    ],
)
def test_a_bad_value_names_the_key(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_batonconfig(config(tmp_path, text))
    assert said in str(err.value) and "\n" not in str(err.value)
