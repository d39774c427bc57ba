"""Every `baton` command, given something wrong, says so in one line: exit 1, no traceback.

Most cases run the CLI in-process (click's runner, the real command and settings); the
runner would swallow an uncaught exception, so each check also asserts the command ended
with SystemExit (click's own exit after printing the error), not an exception of its own.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.cli.support import check_database
from bot.store.db import is_in_memory, sqlite_file, upgrade
from tests.cli.test_main import ROOT, baton, env_for, free_port
from tests.conftest import PG_URL
from tests.fakes.zendesk_server import EMAIL, TOKEN

# Every command that reads DATABASE_URL, with arguments that would otherwise be fine.
READERS = [
    ["report"],
    ["history", "31001"],
    ["outbox"],
    ["inbox"],
    ["outbox", "retry", "1"],
    ["inbox", "retry", "1"],
    ["serve"],
    ["worker"],
]


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """`baton` sets up logging for its process; give the next test the logging it had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    integrations = logging.getLogger("integrations").level
    yield
    root.handlers[:], root.level = handlers, level
    logging.getLogger("integrations").setLevel(integrations)


def run(args: list[str], tmp_path: Path, **env: str | None) -> Result:
    """`baton ARGS` in-process with a clean environment: SQLite in tmp_path unless given."""
    base: dict[str, str | None] = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "BATON_ROSTER": str(ROOT / "examples" / "roster.toml"),
        "BATON_CONFIG": None,
        "PORT": str(free_port()),
        # serve and worker share metrics through this folder: keep it in the test's tmp_path.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        **{k: None for k in ("ZENDESK_URL", "JIRA_URL", "SLACK_BOT_TOKEN", "TRANSACTIONS_URL")},
    }
    return CliRunner().invoke(main, args, env={**base, **env})


def one_line_error(result: Result) -> str:
    """The single line the user sees; fails unless the command stopped on a handled error."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def empty_sqlite(path: Path) -> str:
    """A SQLite database that exists but was never migrated."""
    sqlite3.connect(path).close()
    assert path.exists()
    return f"sqlite:///{path}"


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_database_not_created_yet_says_run_db_upgrade(tmp_path: Path, command: list[str]) -> None:
    line = one_line_error(run(command, tmp_path))
    assert "does not exist yet: run `baton db upgrade` first" in line
    assert f"sqlite:///{tmp_path}/baton.db" in line
    assert not (tmp_path / "baton.db").exists()  # no empty file left behind to confuse the next


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_database_not_migrated_says_run_db_upgrade(tmp_path: Path, command: list[str]) -> None:
    url = empty_sqlite(tmp_path / "old.db")
    line = one_line_error(run(command, tmp_path, DATABASE_URL=url))
    assert "is at migration none, the code needs" in line
    assert line.endswith("run `baton db upgrade` first")


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    return free_port()


@pytest.mark.parametrize("command", [*READERS, ["db", "upgrade"], ["db", "current"]], ids=" ".join)
def test_postgresql_that_cannot_be_reached_is_named_without_its_password(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"postgresql://baton:hunter2@127.0.0.1:{closed_port()}/baton"
    line = one_line_error(run(command, tmp_path, DATABASE_URL=url))
    shown = url.replace("hunter2", "***")
    assert f"cannot reach the database {shown}: " in line
    assert "Connection refused" in line
    assert "hunter2" not in line


@pytest.mark.parametrize("command", [*READERS, ["db", "upgrade"], ["db", "current"]], ids=" ".join)
def test_sqlite_in_a_folder_that_does_not_exist(tmp_path: Path, command: list[str]) -> None:
    url = f"sqlite:///{tmp_path}/nowhere/baton.db"
    line = one_line_error(run(command, tmp_path, DATABASE_URL=url))
    assert line == (
        f"Error: cannot reach the database {url}: folder {tmp_path}/nowhere does not exist"
    )


def test_the_demo_into_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/nowhere/demo.db"
    line = one_line_error(run(["demo", "--db", url], tmp_path))
    assert f"cannot reach the database {url}: folder" in line


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["db", "upgrade"], ["outbox"]])
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(tmp_path: Path, command: list[str], url: str) -> None:
    line = one_line_error(run(command, tmp_path, DATABASE_URL=url))
    assert f"DATABASE_URL={url} is an in-memory database" in line
    assert "would have its own, empty one" in line


def test_db_current_on_a_database_not_created_yet_leaves_no_file(tmp_path: Path) -> None:
    result = run(["db", "current"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "current: none" in result.output and "run `baton db upgrade`" in result.output
    assert not (tmp_path / "baton.db").exists()


def test_xlsx_into_a_folder_that_does_not_exist_is_refused_before_the_report(
    tmp_path: Path,
) -> None:
    # The database is unreachable too: the file is checked first, before anything is read.
    target = tmp_path / "reports" / "week.xlsx"
    result = run(
        ["report", "--xlsx", str(target)],
        tmp_path,
        DATABASE_URL=f"postgresql://baton@127.0.0.1:{closed_port()}/baton",
    )
    line = one_line_error(result)
    assert line == f"Error: --xlsx {target}: folder {tmp_path}/reports does not exist"


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("2026-13-01..2026-12-01", "2026-13-01 is not a date (YYYY-MM-DD)"),
        ("2026-12-05..2026-12-01", "it ends (2026-12-01) before it starts (2026-12-05)"),
        ("fortnight", "not week, month or a date range"),
        ("2024-01-01..2026-01-01", "longer than 400 days"),
    ],
)
def test_a_period_that_cannot_be_read_echoes_what_was_given(
    tmp_path: Path, period: str, reason: str
) -> None:
    line = one_line_error(run(["report", "--period", period], tmp_path))  # no database yet
    assert line.startswith(f"Error: --period {period}: {reason}. ")
    assert "A period is week, month or YYYY-MM-DD..YYYY-MM-DD." in line


def test_history_of_a_ticket_never_escalated(tmp_path: Path, database_url: str) -> None:
    line = one_line_error(run(["history", "99999"], tmp_path, DATABASE_URL=database_url))
    assert "no escalation for ticket #99999" in line


@pytest.mark.parametrize("queue", ["outbox", "inbox"])
def test_retrying_a_row_that_does_not_exist(tmp_path: Path, database_url: str, queue: str) -> None:
    line = one_line_error(run([queue, "retry", "99999"], tmp_path, DATABASE_URL=database_url))
    assert f"no row 99999 in the {queue}" in line
    assert "not dead" not in line and "has not failed" not in line


def test_a_roster_that_cannot_be_read_is_a_configuration_error(tmp_path: Path) -> None:
    roster = tmp_path / "roster.toml"
    roster.write_text("timezone = \n", encoding="utf-8")  # not TOML
    line = one_line_error(run(["report"], tmp_path, BATON_ROSTER=str(roster)))
    assert line.startswith("Error: configuration error: ") and str(roster) in line


def test_zendesk_setup_against_a_server_that_is_not_there(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    before = logging.getLogger("integrations").level
    result = run(
        ["zendesk", "setup", "--public-url", "https://baton.example.com"],
        tmp_path,
        ZENDESK_URL=url,
        ZENDESK_EMAIL=EMAIL,
        ZENDESK_API_TOKEN=TOKEN,
    )
    line = one_line_error(result)  # the client's warning does not repeat it
    assert line.startswith("Error: zendesk: ") and line.endswith(f"(ZENDESK_URL={url})")
    assert logging.getLogger("integrations").level == before  # quiet for the command only


def test_jira_setup_against_a_server_that_is_not_there(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run(
        ["jira", "setup", "--public-url", "https://baton.example.com"],
        tmp_path,
        JIRA_URL=url,
        JIRA_API_TOKEN="token",
        JIRA_EMAIL="baton@example.com",
    )
    line = one_line_error(result)
    assert line.startswith("Error: jira: ") and line.endswith(f"(JIRA_URL={url})")


def test_anything_unexpected_is_one_line_with_an_error_id(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk caught fire\nsecond line of detail")

    monkeypatch.setattr("bot.cli.admin.list_outbox", broken)
    line = one_line_error(run(["outbox"], tmp_path, DATABASE_URL=database_url))
    assert line.startswith("Error: unexpected RuntimeError: the disk caught fire (error id ")
    assert "second line" not in line
    assert "`baton --log-level DEBUG <command>` logs the traceback" in line
    error_id = line.split("error id ")[1][:8]

    # At DEBUG the traceback is logged, under the same id, for the one who asks for it.
    debug = run(["--log-level", "DEBUG", "outbox"], tmp_path, DATABASE_URL=database_url)
    assert debug.exit_code == 1
    assert "cli.unexpected_error" in debug.stderr and "Traceback" in debug.stderr
    assert "RuntimeError: the disk caught fire" in debug.stderr
    debug_id = debug.stderr.split("error id ")[1][:8]
    assert f"error_id={debug_id}" in debug.stderr and debug_id != error_id


def test_a_reader_closing_the_pipe_is_no_error(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `baton outbox | head -2`: the reader goes away while the table is printed.
    async def closed_pipe(*_args: object, **_kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("bot.cli.admin.list_outbox", closed_pipe)
    result = run(["outbox"], tmp_path, DATABASE_URL=database_url)
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output and "Traceback" not in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"baton {version('baton')}\n"


def test_serve_on_a_port_in_use_names_the_port(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert baton("db", "upgrade", env=env).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: port {port} is already in use on 0.0.0.0: stop what listens there, "
        "or give another with --port or PORT"
    ]


def test_a_process_refusing_to_start_prints_no_traceback(tmp_path: Path) -> None:
    """The real process, not the runner: an unreachable database is one line on stderr."""
    url = f"postgresql://baton:hunter2@127.0.0.1:{closed_port()}/baton"
    result = baton("serve", env=env_for(tmp_path, DATABASE_URL=url))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot reach the database"), lines
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


@pytest.mark.parametrize(
    ("url", "memory", "file"),
    [
        ("sqlite://", True, None),
        ("sqlite:///:memory:", True, None),
        ("sqlite:///file::memory:?cache=shared&uri=true", True, None),
        ("sqlite:///baton.db", False, Path("baton.db")),
        ("sqlite:////srv/baton/baton.db", False, Path("/srv/baton/baton.db")),
        ("postgres://baton@db.internal:5432/baton", False, None),
        ("postgresql://baton@db.internal:5432/baton", False, None),
    ],
)
def test_which_urls_are_in_memory_or_a_file(url: str, memory: bool, file: Path | None) -> None:
    assert is_in_memory(url) is memory
    assert sqlite_file(url) == file


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL (PostgreSQL) not set")
def test_a_postgres_scheme_url_is_checked_like_postgresql(tmp_path: Path) -> None:
    """`postgres://` (what many hosts hand out) reaches the same database."""
    assert PG_URL is not None
    url = PG_URL.replace("postgresql://", "postgres://", 1)
    upgrade(url)
    check_database(url)  # reachable and migrated: no error


def test_serve_with_slack_and_no_secret_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = run(
        ["serve"], tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", BATON_SECRET_KEY=""
    )
    assert one_line_error(result) == (
        "Error: BATON_SECRET_KEY is not set: with Slack configured the web process needs it to "
        "seal button values and sign dashboard sessions (generate one: openssl rand -hex 32)"
    )
