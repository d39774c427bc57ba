"""`python -m bot report` on a bad roster, BATON_CONFIG or setting: one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROSTER = (ROOT / "examples" / "roster.toml").read_text(encoding="utf-8")


def report(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
            "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
            **settings,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "report"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def bad_roster(tmp_path: Path, old: str, new: str) -> str:
    assert old in ROSTER
    path = tmp_path / "roster.toml"
    path.write_text(ROSTER.replace(old, new, 1), encoding="utf-8")
    return str(path)


def bad_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            lambda p: {"BATON_CONFIG": bad_config(p, "vip_sla_factor = 0.5\nvip_sla_facter = 1\n")},
            "line 2: vip_sla_facter: unknown key, did you mean vip_sla_factor?",
        ),
        (
            lambda p: {"BATON_CONFIG": bad_config(p, '[tags]\nextra_vip = "gold"\n')},
            "[tags] extra_vip = 'gold': expected a list",
        ),
        (
            lambda p: {"BATON_CONFIG": bad_config(p, "[timers]\nclaim_timeout = -5\n")},
            "[timers] claim_timeout = -5: expected a number greater than 0",
        ),
        (
            lambda p: {"BATON_ROSTER": bad_roster(p, 'shift = "morning"', 'shift = ["morning"]')},
            "analyst 'ana': shift = ['morning']: expected one name",
        ),
        (
            lambda p: {
                "BATON_ROSTER": bad_roster(p, 'languages = ["pt", "en"]', 'languages = "pt"')
            },
            "analyst 'ana': languages = 'pt': expected a list",
        ),
        (
            lambda p: {"BATON_ROSTER": bad_roster(p, '"ana.souza@', '"Carla.Mendes@')},
            "analyst 'carla': email = 'carla.mendes@baton-demo.example': already used by analyst "
            "'ana'",
        ),
        (lambda p: {"PORT": "eighty"}, "PORT='eighty': not a port number (1-65535)"),
    ],
    ids=[
        "unknown key",
        "string for list",
        "negative minutes",
        "shift list",
        "languages string",
        "duplicate email",
        "port",
    ],
)
def test_a_bad_file_or_setting_is_one_line_on_stderr(
    tmp_path: Path, case: Callable[[Path], dict[str, str]], expected: str
) -> None:
    result = report(tmp_path, **case(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0], lines[0]
