"""[timers] in BATON_CONFIG: SPEC §11's keys, minutes with fractions, refused by key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Timers, load_batonconfig
from bot.errors import ConfigError


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_spec_s() -> None:
    t = Timers()
    assert (t.claim_timeout_vip, t.claim_timeout, t.first_response_vip, t.first_response) == (
        10,
        30,
        15,
        60,
    )
    assert t.remind_at == 0.8


def test_fractions_of_a_minute_are_seconds(tmp_path: Path) -> None:
    cfg = load_batonconfig(
        config(tmp_path, "[timers]\nclaim_timeout_vip = 0.5\nfirst_response = 2\nremind_at = 0.5\n")
    )
    assert cfg.timers.claim_span(vip=True) == timedelta(seconds=30)
    assert cfg.timers.claim_span(vip=False) == timedelta(minutes=30)
    assert cfg.timers.first_response_span(vip=False) == timedelta(minutes=2)
    assert cfg.timers.remind_at == 0.5


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("claim_timout = 10", "claim_timout"),
        ("claim_timeout = 0", "claim_timeout"),
        ("first_response_vip = -1", "first_response_vip"),
        ('first_response = "15"', "first_response"),
        ("claim_timeout = true", "claim_timeout"),
        ("remind_at = 1", "remind_at"),
        ("remind_at = 1.5", "remind_at"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, line: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_batonconfig(config(tmp_path, f"[timers]\n{line}\n"))
    assert f"[timers] {named}" in str(err.value) or f"'{named}'" in str(err.value)
