"""The coaching playbook: defaults per root cause, `[coaching]` overrides, the note."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_batonconfig
from bot.domain import Lacked, RootCause
from bot.resolutions import coaching


def test_every_root_cause_has_advice() -> None:
    assert set(coaching.PLAYBOOK) == set(RootCause)
    assert set(coaching.LACKED_TEXT) == set(Lacked)


def test_config_replaces_one_root_causes_advice(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('[coaching]\nprovider_delay = "Check  the payout  window first."\n')
    cfg = load_batonconfig(path)
    note = coaching.note(
        root_cause=RootCause.PROVIDER_DELAY,
        lacked=(Lacked.INFORMATION, Lacked.ACCESS),
        overrides=cfg.coaching,
    )
    assert "Next time: Check the payout window first." in note
    assert "information about the case, access to the right tool" in note
    other = coaching.note(root_cause=RootCause.KYC_INCOMPLETE, lacked=(), overrides=cfg.coaching)
    assert coaching.PLAYBOOK[RootCause.KYC_INCOMPLETE] in other


@pytest.mark.parametrize(
    ("toml", "error"),
    [('[coaching]\nprovider_slow = "x"', "unknown root cause"), ("[coaching]\nother = ''", "text")],
)
def test_config_refuses_unknown_or_empty_advice(tmp_path: Path, toml: str, error: str) -> None:
    path = tmp_path / "baton.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=error):
        load_batonconfig(path)
