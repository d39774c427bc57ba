"""The `baton` command as a user meets it: help, demo, migrations, set-up, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["demo"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["zendesk"],
    ["zendesk", "setup"],
    ["jira"],
    ["jira", "setup"],
    ["outbox"],
    ["outbox", "retry"],
    ["history"],
    ["report"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "baton")
def test_every_command_has_useful_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # A sentence of explanation, not just the usage line.
    assert len(result.output.splitlines()) >= 4


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZENDESK_"))}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        **extra,
    }


def baton(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_prints_the_routing_table(tmp_path: Path) -> None:
    result = baton(
        "demo", "--db", f"sqlite:///{tmp_path}/demo.db", env=env_for(tmp_path), cwd=tmp_path
    )  # from any folder: the demo finds its bundled files
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ticket  category" in out and "analyst" in out and "reasons" in out
    for category in (
        "withdrawal",
        "deposit_missing",
        "tx_failed",
        "kyc",
        "fraud",
        "aml",
        "account",
    ):
        assert category in out
    assert "no zh speaker on shift" in out
    assert "— incomplete" in out and "— unassigned" in out
    assert "not sent: zendesk not configured" in out
    assert "Traceback" not in result.stderr


def test_bad_setting_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = baton("db", "upgrade", env=env_for(tmp_path, DATABASE_URL="postgres//nope"))
    assert result.returncode == 1
    assert "configuration error: DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert "is at" in baton("db", "upgrade", env=env).stdout
    assert "up to date" in baton("db", "current", env=env).stdout


def wait_for(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("process", ["serve", "worker"])
def test_processes_stop_cleanly_on_sigterm(tmp_path: Path, process: str) -> None:
    env = env_for(tmp_path, PORT=str(free_port()))
    baton("db", "upgrade", env=env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", process],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The worker says it started once its signal handlers are in place; a fixed sleep raced
    # the start-up on a busy machine. stderr is read on a thread so the pipe never fills.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    try:
        if process == "serve":

            def listening() -> bool:
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", int(env["PORT"]))) == 0

            wait_for(listening)
        else:
            wait_for(lambda: any("worker.started" in line for line in lines))
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        reader.join(timeout=5)
    finally:
        proc.kill()
    err = "".join(lines)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_zendesk_setup_creates_then_updates(
    tmp_path: Path, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env_for(
        tmp_path, ZENDESK_URL=fake_zendesk.url, ZENDESK_EMAIL=EMAIL, ZENDESK_API_TOKEN=TOKEN
    ).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    first = runner.invoke(main, ["zendesk", "setup", "--public-url", "https://baton.example.com"])
    assert first.exit_code == 0, first.output
    assert "created, calling https://baton.example.com/webhooks/zendesk" in first.output
    assert "Signing secret (shown once" in first.output
    second = runner.invoke(main, ["zendesk", "setup", "--public-url", "https://baton.example.com"])
    assert second.exit_code == 0, second.output
    assert "updated" in second.output and "Signing secret" not in second.output
    assert len(fake_zendesk.state.webhooks) == 1 and len(fake_zendesk.state.triggers) == 3


def test_zendesk_setup_without_credentials_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env_for(tmp_path).items():
        monkeypatch.setenv(key, value)
    for key in ("ZENDESK_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    result = CliRunner().invoke(main, ["zendesk", "setup", "--public-url", "https://x.example"])
    assert result.exit_code == 1
    assert "set ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN" in result.output


def test_worker_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    result = baton("worker", env=env_for(tmp_path))
    assert result.returncode == 1
    assert "run `baton db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr
