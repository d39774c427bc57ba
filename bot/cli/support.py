"""What every `baton` command shares: each problem as one line, never a traceback.

Settings, the database, the files and the port a command needs are checked before it does
anything, each with a line naming what is wrong and what to do. Anything else that escapes a
command is one line with an error id; its traceback is logged at DEBUG (`baton --log-level DEBUG
<command>` shows it), never printed by default.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import errno
import logging
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Settings, load_settings, redact_url
from bot.errors import BatonError, ConfigError

T = TypeVar("T")
log = logging.getLogger("bot.cli.main")


class BatonGroup(click.Group):
    """The `baton` group: whatever a command lets escape becomes one line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`baton outbox | head`): nothing went wrong, stop quietly;
            # stdout goes to /dev/null so the interpreter's final flush does not fail again.
            with contextlib.suppress(OSError, ValueError):  # not a real file: a test's runner
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None
        except ConfigError as err:
            raise click.ClickException(f"configuration error: {err}") from err
        except BatonError as err:
            raise click.ClickException(str(err)) from err
        except Exception as err:
            raise unexpected(err) from err


def unexpected(err: BaseException) -> click.ClickException:
    """One line with an error id for a failure nobody planned; the traceback goes to DEBUG."""
    error_id = uuid.uuid4().hex[:8]
    log.debug("cli.unexpected_error", exc_info=err, extra={"error_id": error_id})
    lines = str(err).strip().splitlines()
    said = f": {lines[0][:200]}" if lines else ""
    return click.ClickException(
        f"unexpected {type(err).__name__}{said} (error id {error_id}; "
        "`baton --log-level DEBUG <command>` logs the traceback)"
    )


def current_settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as err:
        raise click.ClickException(f"configuration error: {err}") from err


def require_catalogs() -> None:
    """Refuse to start a command that drafts while a translation catalog is missing."""
    from bot import i18n

    try:
        i18n.require_catalogs()
    except ConfigError as err:
        raise click.ClickException(str(err)) from err


@contextlib.contextmanager
def quiet_integrations() -> Iterator[None]:
    """A one-shot command's failure is its error line: the clients' warnings would repeat it.

    `--log-level DEBUG` keeps them.
    """
    logger = logging.getLogger("integrations")
    level = logger.level
    if logging.getLogger().level > logging.DEBUG:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def share_metrics(*, fresh: bool = False) -> None:
    """Web and worker write metrics to one folder, so the web's /metrics shows both.

    prometheus_client reads the variable when it is first imported: set it before that. The
    web process starts the folder afresh (fresh=True), so it never reports an earlier run's
    counters; every process is marked dead in it when it exits, dropping its live gauges.
    """
    default = Path(tempfile.gettempdir()) / f"baton-metrics-{os.getuid()}"
    folder = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(default)))
    folder.mkdir(parents=True, exist_ok=True)
    from bot import metrics

    if fresh:
        metrics.empty_folder(folder)
    atexit.register(metrics.process_finished)


def run_async(coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(coro_factory())
    except BatonError as err:
        raise click.ClickException(str(err)) from err


async def require_migrated(database: Any, *, migrated: bool = True) -> None:
    """Stop with one line when the database cannot be reached or is behind the code."""
    from bot.store.db import head_revision

    shown = redact_url(database.url)
    try:
        current = await database.current_revision()
    except Exception as err:  # unreachable, or not a database we can read
        await database.dispose()
        raise click.ClickException(f"cannot reach the database {shown}: {_reason(err)}") from err
    if migrated and current != head_revision():
        await database.dispose()
        raise click.ClickException(
            f"the database {shown} is at migration {current or 'none'}, the code needs "
            f"{head_revision()}: run `baton db upgrade` first"
        )


def check_database(url: str, *, migrated: bool = True, name: str = "DATABASE_URL") -> None:
    """Check the database before a command uses it: reachable, on a file, and (if asked) migrated.

    ``migrated=False`` is for the commands that migrate it themselves (`db upgrade`, the demo).
    """
    from bot.store.db import Database, is_in_memory, sqlite_file

    shown = redact_url(url)
    if is_in_memory(url):
        raise click.ClickException(
            f"{name}={shown} is an in-memory database: every baton process (serve, worker, each "
            "command) would have its own, empty one; use a file (sqlite:///baton.db) or PostgreSQL"
        )
    path = sqlite_file(url)
    if path is not None:
        folder = path.absolute().parent
        if not folder.is_dir():
            raise click.ClickException(
                f"cannot reach the database {shown}: folder {folder} does not exist"
            )
        if not path.exists():  # say so rather than leave an empty file behind
            if not migrated:
                return  # `db upgrade` and the demo create it
            raise click.ClickException(
                f"the database {shown} does not exist yet: run `baton db upgrade` first"
            )

    async def probe() -> None:
        database = Database(url)
        await require_migrated(database, migrated=migrated)
        await database.dispose()

    run_async(probe)


def _reason(err: BaseException) -> str:
    """The driver's first line ("connection refused", "unable to open database file")."""
    cause = getattr(err, "orig", None) or err
    lines = str(cause).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(cause).__name__


def check_output_file(path: str, *, option: str) -> Path:
    """Refuse, before any work, a file that cannot be written where it is asked for."""
    target = Path(path)
    folder = target.absolute().parent
    if not folder.is_dir():
        raise click.ClickException(f"{option} {path}: folder {folder} does not exist")
    if target.is_dir():
        raise click.ClickException(f"{option} {path}: is a folder, give a file name")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise click.ClickException(f"{option} {path}: cannot write there (permission denied)")
    return target


def check_port(host: str, port: int) -> None:
    """Try the web port before anything starts, so a port in use is one line naming it.

    The socket is closed again: the port listens only once the app is ready and its signal
    handlers are in place, as before.
    """
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        socket.create_server(address[:2], family=family).close()  # SO_REUSEADDR on POSIX
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} is already in use on {host}: stop what listens there, "
                "or give another with --port or PORT"
            ) from err
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {err.strerror or err}"
        ) from err
