"""What every `baton` command shares: settings as a clear error, running a coroutine."""

from __future__ import annotations

import asyncio
import atexit
import os
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Settings, load_settings
from bot.errors import BatonError, ConfigError

T = TypeVar("T")


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


async def require_migrated(database: Any) -> None:
    """Stop with a clear message when the database is behind the code's migrations."""
    from bot.store.db import head_revision

    try:
        current = await database.current_revision()
    except Exception as err:  # unreachable, or not a database we can read
        await database.dispose()
        raise click.ClickException(
            f"cannot reach the database: {type(err).__name__}: {err}"
        ) from err
    if current != head_revision():
        await database.dispose()
        raise click.ClickException(
            f"the database is at migration {current or 'none'}, the code needs {head_revision()}: "
            "run `baton db upgrade` first"
        )
