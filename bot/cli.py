"""The `baton` command (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Settings, load_settings, redact_url
from bot.errors import BatonError, ConfigError

T = TypeVar("T")

EPILOG = """\b
Settings come from the environment and a .env file in the current folder;
see the README for each one. Start with `baton demo` to see Baton at work.
"""


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as err:
        raise click.ClickException(f"configuration error: {err}") from err


def _share_metrics() -> None:
    """Web and worker write metrics to one folder, so the web's /metrics shows both.

    prometheus_client reads the variable when it is first imported: set it before that.
    """
    default = Path(tempfile.gettempdir()) / f"baton-metrics-{os.getuid()}"
    folder = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(default)))
    folder.mkdir(parents=True, exist_ok=True)


def _run(coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(coro_factory())
    except BatonError as err:
        raise click.ClickException(str(err)) from err


async def _require_migrated(database: Any) -> None:
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


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (to stderr).",
)
def main(log_level: str) -> None:
    """Baton: escalations from Zendesk to the senior analyst on shift, in Slack, with Jira.

    Outsourcing agents tag a Zendesk ticket `esc_senior` plus a category tag; Baton routes it
    to the right analyst on shift, alerts them in Slack and writes the decision on the ticket.
    """
    from bot import logs

    logs.setup(log_level.upper())


@main.command()
@click.option("--port", type=int, default=None, help="Port to listen on [default: $PORT or 3000].")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to bind.")  # noqa: S104
def serve(port: int | None, host: str) -> None:
    """Run the web process: webhooks, Slack endpoint, health, metrics, dashboard.

    Stops cleanly on SIGTERM or Ctrl-C. Run `baton worker` beside it to process
    what the web process stores.
    """
    from aiohttp import web

    _share_metrics()
    from bot.app import build_services, create_app

    settings = _settings()
    services = build_services(settings)
    click.echo(
        f"Baton web on http://{host}:{port or settings.port} "
        f"(database {redact_url(settings.database_url)})",
        err=True,
    )
    web.run_app(
        create_app(services), host=host, port=port or settings.port, print=None, access_log=None
    )


@main.command()
@click.option("--concurrency", default=8, show_default=True, help="Deliveries in flight at once.")
@click.option("--poll", default=0.2, show_default=True, help="Seconds between polls when idle.")
def worker(concurrency: int, poll: float) -> None:
    """Run the background process: routing, outbox delivery, timers.

    Several workers can share one PostgreSQL database; each event is routed once.
    Stops cleanly on SIGTERM or Ctrl-C after finishing the batch in hand.
    """
    _share_metrics()
    from bot.app import build_services, close_services
    from bot.worker import Worker

    settings = _settings()

    async def go() -> None:
        services = build_services(settings)
        await _require_migrated(services.db)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        click.echo(
            f"Baton worker started (database {redact_url(settings.database_url)}); Ctrl-C to stop.",
            err=True,
        )
        try:
            await Worker(services, concurrency=concurrency, poll_seconds=poll).run(stop)
        finally:
            await close_services(services)
        click.echo("Baton worker stopped.", err=True)

    _run(go)


@main.group()
def db() -> None:
    """Database migrations (alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL (safe to re-run)."""
    from bot.store import db as dbmod

    settings = _settings()
    dbmod.upgrade(settings.database_url)
    click.echo(f"Database {redact_url(settings.database_url)} is at {dbmod.head_revision()}.")


@db.command("current")
def db_current() -> None:
    """Show the database's migration revision and the newest one."""
    from bot.store.db import Database, head_revision

    settings = _settings()

    async def go() -> str | None:
        database = Database(settings.database_url)
        try:
            return await database.current_revision()
        finally:
            await database.dispose()

    current = _run(go)
    head = head_revision()
    state = "up to date" if current == head else "run `baton db upgrade`"
    click.echo(f"current: {current or 'none'}  head: {head}  ({state})")


@main.command()
@click.option(
    "--db",
    "database",
    default="sqlite:///baton-demo.db",
    show_default=True,
    help="Where the demo stores what it does (recreated on each run).",
)
@click.option(
    "--escalations",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="JSON Lines file of tickets [default: examples/escalations.jsonl].",
)
def demo(database: str, escalations: str | None) -> None:
    """Route the bundled escalations on the sample roster, with no credentials.

    Each bundled ticket goes through the same intake, routing and outbox code the
    server uses; the demo prints each routing decision, what Baton would post, and
    a summary. Nothing leaves the machine.
    """
    import logging

    from bot.demo import run_demo

    # The demo's output is its table; routine per-event logs would only bury it.
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger().setLevel(logging.WARNING)
    _run(lambda: run_demo(database_url=database, escalations=escalations, echo=click.echo))


@main.command()
@click.option(
    "--period",
    default="week",
    show_default=True,
    help="week (last 7 days), month (last 30 days) or YYYY-MM-DD..YYYY-MM-DD (local days).",
)
@click.option("--xlsx", type=click.Path(dir_okay=False), default=None, help="Also write Excel.")
def report(period: str, xlsx: str | None) -> None:
    """Escalations, root causes, avoidable rates, timings and SLA over a period, with trends."""
    import time
    from datetime import UTC, datetime

    from bot.desk.roster import load_roster
    from bot.reports.run import report_command

    settings = _settings()
    started = time.monotonic()

    def progress(step: str) -> None:
        if time.monotonic() - started > 0.5:  # quiet when the report is quick
            click.echo(f"report: {step}…", err=True)

    _run(
        lambda: report_command(
            settings.database_url,
            roster=load_roster(settings.roster_path),
            spec=period,
            now=datetime.now(UTC),
            xlsx=xlsx,
            echo=click.echo,
            progress=progress,
        )
    )


@main.group()
def zendesk() -> None:
    """Zendesk set-up."""


@zendesk.command("setup")
@click.option(
    "--public-url", required=True, help="Baton's public base URL, e.g. https://baton.example.com"
)
def zendesk_setup(public_url: str) -> None:
    """Create or update the Zendesk webhook and the two triggers calling it (idempotent)."""
    from bot.app import build_services

    settings = _settings()
    if not settings.zendesk_configured:
        raise click.ClickException(
            "Zendesk is not configured: set ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN"
        )
    endpoint = public_url.rstrip("/") + "/webhooks/zendesk"
    tags = settings.config.tags  # the names from BATON_CONFIG, not the defaults

    async def go() -> None:
        services = build_services(settings)
        try:
            result = await services.zendesk.setup_webhook(endpoint_url=endpoint, tags=tags)
        finally:
            await services.db.dispose()

        def verb(created: bool) -> str:
            return "created" if created else "updated"

        hook = result.webhook_id
        click.echo(f"Webhook {hook} {verb(result.created_webhook)}, calling {endpoint}")
        click.echo(
            f"Trigger {result.trigger_id} {verb(result.created_trigger)}: tag {tags.escalate} "
            f"added, without {tags.routed} or {tags.unassigned} -> webhook (escalations)"
        )
        click.echo(
            f"Trigger {result.solved_trigger_id} {verb(result.created_solved_trigger)}: "
            f"ticket tagged {tags.routed}, {tags.unassigned} or {tags.incomplete} solved or "
            "closed -> webhook (closes the escalation)"
        )
        if result.signing_secret:
            click.echo("\nSigning secret (shown once; set it as ZENDESK_WEBHOOK_SECRET):")
            click.echo(f"  {result.signing_secret}")

    _run(go)


@main.group()
def jira() -> None:
    """Jira set-up."""


@jira.command("setup")
@click.option(
    "--public-url", required=True, help="Baton's public base URL, e.g. https://baton.example.com"
)
def jira_setup(public_url: str) -> None:
    """Check JIRA_DEPLOYMENT against the server, create or update the Jira webhook."""
    from bot.app import build_services
    from bot.jira.setup import set_up

    settings = _settings()
    if not settings.jira_configured:
        raise click.ClickException(
            "Jira is not configured: set JIRA_URL and JIRA_API_TOKEN (and JIRA_EMAIL for Cloud)"
        )

    async def go() -> list[str]:
        services = build_services(settings)
        try:
            return await set_up(services, public_url=public_url)
        finally:
            await services.db.dispose()

    for line in _run(go):
        click.echo(line)


@main.command()
@click.argument("ticket")
def history(ticket: str) -> None:
    """Print a ticket's escalations as a timeline: who did what, when (roster's time zone)."""
    from bot.desk.roster import load_roster
    from bot.resolutions.history import print_history

    number = ticket.lstrip("#")
    if not number.isdigit():
        raise click.BadParameter(f"{ticket!r} is not a ticket number", param_hint="TICKET")
    settings = _settings()
    tz = load_roster(settings.roster_path).timezone
    _run(
        lambda: print_history(settings.database_url, ticket_id=int(number), tz=tz, echo=click.echo)
    )


@main.group(invoke_without_command=True)
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "dead", "skipped", "done", "all"]),
    default=None,
    help="Only rows in this state [default: pending, sending and dead].",
)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def outbox(ctx: click.Context, status: str | None, limit: int) -> None:
    """List outbound actions waiting, failing or dead (`baton outbox retry ID` to retry)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.admin import list_outbox

    settings = _settings()
    _run(lambda: list_outbox(settings.database_url, status=status, limit=limit, echo=click.echo))


@outbox.command("retry")
@click.argument("row_id", type=int, required=False)
@click.option("--all", "all_rows", is_flag=True, help="Retry every dead row.")
@click.option(
    "--service",
    type=click.Choice(["zendesk", "slack", "jira"]),
    default=None,
    help="With --all: only this service's rows.",
)
def outbox_retry(row_id: int | None, all_rows: bool, service: str | None) -> None:
    """Put dead outbox rows back in the queue with a fresh retry budget.

    `baton outbox retry 42` retries row 42; `baton outbox retry --all [--service slack]`
    retries every dead row (of that service) after an outage outlasted the retry budget.
    """
    from bot.admin import retry_outbox

    if (row_id is None) == (not all_rows) or (service and not all_rows):
        raise click.UsageError("give one row id, or --all (optionally with --service)")
    settings = _settings()
    ids = _run(lambda: retry_outbox(settings.database_url, row_id=row_id, service=service))
    if row_id is not None and not ids:
        raise click.ClickException(f"outbox row {row_id} is not dead (see `baton outbox`)")
    click.echo(_queued("Outbox row", ids, "deliver"))


def _queued(what: str, ids: list[int], verb: str) -> str:
    if not ids:
        return f"Nothing to retry: no {what.lower()} is waiting for an operator."
    shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
    plural = "s" if len(ids) > 1 else ""
    return f"{what}{plural} {shown} queued again ({len(ids)}); the worker will {verb} them."


@main.group(invoke_without_command=True)
@click.option(
    "--status",
    type=click.Choice(["pending", "processing", "failed", "done", "all"]),
    default=None,
    help="Only events in this state [default: pending, processing, failed].",
)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def inbox(ctx: click.Context, status: str | None, limit: int) -> None:
    """List stored webhook events waiting or failed (`baton inbox retry ID` to retry)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.admin import list_inbox

    settings = _settings()
    _run(lambda: list_inbox(settings.database_url, status=status, limit=limit, echo=click.echo))


@inbox.command("retry")
@click.argument("event_id", type=int, required=False)
@click.option("--all", "all_events", is_flag=True, help="Retry every failed event.")
def inbox_retry(event_id: int | None, all_events: bool) -> None:
    """Process failed events again (e.g. after fixing Zendesk credentials).

    `baton inbox retry 7` retries event 7; `baton inbox retry --all` retries every failed one.
    """
    from bot.admin import retry_inbox

    if (event_id is None) == (not all_events):
        raise click.UsageError("give one event id, or --all")
    settings = _settings()
    ids = _run(lambda: retry_inbox(settings.database_url, event_id=event_id))
    if event_id is not None and not ids:
        raise click.ClickException(f"inbox event {event_id} has not failed (see `baton inbox`)")
    click.echo(_queued("Inbox event", ids, "process"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
