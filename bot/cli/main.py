"""The `baton` command (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import click

from bot.cli import queues as cli_queues
from bot.cli.support import (
    BatonGroup,
    check_database,
    check_output_file,
    check_port,
    current_settings,
    quiet_integrations,
    require_catalogs,
    run_async,
    share_metrics,
)
from bot.config import redact_url
from bot.errors import IntegrationError

EPILOG = """\b
Settings come from the environment and a .env file in the current folder;
see the README for each one. Start with `baton demo` to see Baton at work.
"""


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        click.echo(f"baton {version('baton')}")
    except PackageNotFoundError:  # a source tree run without installing it
        click.echo("baton (not installed: no version)")
    ctx.exit()


@click.group(
    cls=BatonGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Print the version and exit.",
)
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

    require_catalogs()
    share_metrics(fresh=True)  # one deployment's figures: not those of the last run
    from bot.app import build_services, create_app

    settings = current_settings()
    if settings.slack_configured and not settings.secret_key:
        raise click.ClickException(
            "BATON_SECRET_KEY is not set: with Slack configured the web process needs it to seal "
            "button values and sign dashboard sessions (generate one: openssl rand -hex 32)"
        )
    check_database(settings.database_url)
    check_port(host, port or settings.port)
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
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    help="Events in hand at once, and as many deliveries (one ticket's stay in order).",
)
@click.option("--poll", default=0.2, show_default=True, help="Seconds between polls when idle.")
def worker(concurrency: int, poll: float) -> None:
    """Run the background process: routing, outbox delivery, timers.

    Several workers can share one PostgreSQL database; each event is routed once.
    Stops cleanly on SIGTERM or Ctrl-C after finishing the batch in hand.
    """
    require_catalogs()
    share_metrics()
    from bot import language
    from bot.app import build_services, close_services
    from bot.worker import Worker

    settings = current_settings()
    check_database(settings.database_url)

    async def go() -> None:
        services = build_services(settings)
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
            # Intake detects languages: load the models before the first event, off the loop.
            await asyncio.to_thread(language.warm)
            await Worker(services, concurrency=concurrency, poll_seconds=poll).run(stop)
        finally:
            await close_services(services)
        click.echo("Baton worker stopped.", err=True)

    run_async(go)


@main.group()
def db() -> None:
    """Database migrations (alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL (safe to re-run)."""
    from bot.store import db as dbmod

    settings = current_settings()
    check_database(settings.database_url, migrated=False)
    dbmod.upgrade(settings.database_url)
    click.echo(f"Database {redact_url(settings.database_url)} is at {dbmod.head_revision()}.")


@db.command("current")
def db_current() -> None:
    """Show the database's migration revision and the newest one."""
    from bot.store.db import Database, head_revision, sqlite_file

    settings = current_settings()
    check_database(settings.database_url, migrated=False)
    path = sqlite_file(settings.database_url)

    async def go() -> str | None:
        if path is not None and not path.exists():
            return None  # nothing to read: opening it would leave an empty file behind
        database = Database(settings.database_url)
        try:
            return await database.current_revision()
        finally:
            await database.dispose()

    current = run_async(go)
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
    help="JSON Lines file of tickets [default: the bundled examples/escalations.jsonl].",
)
def demo(database: str, escalations: str | None) -> None:
    """Route the bundled escalations on the sample roster, with no credentials.

    Each bundled ticket goes through the same intake, routing and outbox code the
    server uses; the demo prints each routing decision, what Baton would post, and
    a summary. Nothing leaves the machine.
    """
    require_catalogs()
    import logging

    from bot.demo.run import run_demo

    # The demo's output is its table; routine per-event logs would only bury it.
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger().setLevel(logging.WARNING)
    check_database(database, migrated=False, name="--db")
    run_async(lambda: run_demo(database_url=database, escalations=escalations, echo=click.echo))


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
    from bot.errors import UserFacingError
    from bot.reports.period import parse_period
    from bot.reports.run import report_command

    settings = current_settings()
    roster = load_roster(settings.roster_path)
    try:  # what was asked is checked before the database is opened or the report computed
        parse_period(period, now=datetime.now(UTC), tz=roster.timezone)
    except UserFacingError as err:
        reason = f"{err.params['reason']}. " if "reason" in err.params else ""
        raise click.ClickException(f"--period {period}: {reason}{err}") from err
    if xlsx:
        check_output_file(xlsx, option="--xlsx")
    check_database(settings.database_url)
    started = time.monotonic()

    def progress(step: str) -> None:
        if time.monotonic() - started > 0.5:  # quiet when the report is quick
            click.echo(f"report: {step}…", err=True)

    run_async(
        lambda: report_command(
            settings.database_url,
            roster=roster,
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
    """Create or update the Zendesk webhook and the three triggers calling it (idempotent)."""
    from bot.app import build_services

    settings = current_settings()
    if not settings.zendesk_configured:
        raise click.ClickException(
            "Zendesk is not configured: set ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN"
        )
    endpoint = public_url.rstrip("/") + "/webhooks/zendesk"
    tags = settings.config.tags  # the names from BATON_CONFIG, not the defaults

    async def go() -> None:
        services = build_services(settings, paced=False)  # a handful of calls, once
        try:
            result = await services.zendesk.setup_webhook(endpoint_url=endpoint, tags=tags)
        except IntegrationError as err:  # name the server it could not reach or that refused
            raise click.ClickException(f"{err} (ZENDESK_URL={settings.zendesk_url})") from err
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
        click.echo(
            f"Trigger {result.compliance_trigger_id} "
            f"{verb(result.created_compliance_trigger)}: ticket tagged {tags.routed} or "
            f"{tags.unassigned} and with an AML or fraud tag changed -> webhook "
            "(re-classifies a case that became AML or fraud)"
        )
        if result.signing_secret:
            click.echo("\nSigning secret (shown once; set it as ZENDESK_WEBHOOK_SECRET):")
            click.echo(f"  {result.signing_secret}")

    with quiet_integrations():
        run_async(go)


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

    settings = current_settings()
    if not settings.jira_configured:
        raise click.ClickException(
            "Jira is not configured: set JIRA_URL and JIRA_API_TOKEN (and JIRA_EMAIL for Cloud)"
        )

    async def go() -> list[str]:
        services = build_services(settings)
        try:
            return await set_up(services, public_url=public_url)
        except IntegrationError as err:
            raise click.ClickException(f"{err} (JIRA_URL={settings.jira_url})") from err
        finally:
            await services.db.dispose()

    with quiet_integrations():
        lines = run_async(go)
    for line in lines:
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
    settings = current_settings()
    roster = load_roster(settings.roster_path)
    check_database(settings.database_url)
    run_async(
        lambda: print_history(
            settings.database_url,
            ticket_id=int(number),
            tz=roster.timezone,
            echo=click.echo,
            roster=roster,
        )
    )


@main.command()
@click.option("--open", "open_only", is_flag=True, help="Only the incidents still open.")
def incidents(open_only: bool) -> None:
    """List provider incidents: provider, since, escalations, amounts, progress (newest first)."""
    from bot.desk.roster import load_roster
    from bot.incidents.terminal import print_incidents

    settings = current_settings()
    roster = load_roster(settings.roster_path)
    check_database(settings.database_url)
    run_async(
        lambda: print_incidents(
            settings.database_url, open_only=open_only, tz=roster.timezone, echo=click.echo
        )
    )


# `baton outbox …` and `baton inbox …`: the operator's view of the queues (bot/cli/queues.py).
main.add_command(cli_queues.outbox)
main.add_command(cli_queues.inbox)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
