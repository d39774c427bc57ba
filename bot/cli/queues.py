"""`baton outbox …` and `baton inbox …`: what waits, what failed, and sending it again."""

from __future__ import annotations

import click

from bot.cli.support import check_database, current_settings, run_async


@click.group(invoke_without_command=True)
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
    from bot.cli.admin import list_outbox

    settings = current_settings()
    check_database(settings.database_url)
    url = settings.database_url
    run_async(lambda: list_outbox(url, status=status, limit=limit, echo=click.echo))


@outbox.command("retry")
@click.argument("row_id", type=int, required=False)
@click.option("--all", "all_rows", is_flag=True, help="Retry every dead row.")
@click.option(
    "--service",
    type=click.Choice(["zendesk", "slack", "jira", "transactions"]),
    default=None,
    help="With --all: only this service's rows.",
)
def outbox_retry(row_id: int | None, all_rows: bool, service: str | None) -> None:
    """Put dead outbox rows back in the queue with a fresh retry budget.

    `baton outbox retry 42` retries row 42; `baton outbox retry --all [--service slack]`
    retries every dead row (of that service) after an outage outlasted the retry budget.
    """
    from bot.cli.admin import retry_outbox

    if (row_id is None) == (not all_rows) or (service and not all_rows):
        raise click.UsageError("give one row id, or --all (optionally with --service)")
    settings = current_settings()
    check_database(settings.database_url)
    ids = run_async(lambda: retry_outbox(settings.database_url, row_id=row_id, service=service))
    if row_id is not None and not ids:
        raise click.ClickException(f"outbox row {row_id} is not dead (see `baton outbox`)")
    click.echo(_queued("Outbox row", ids, "deliver"))


def _queued(what: str, ids: list[int], verb: str) -> str:
    if not ids:
        return f"Nothing to retry: no {what.lower()} is waiting for an operator."
    shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
    plural = "s" if len(ids) > 1 else ""
    return f"{what}{plural} {shown} queued again ({len(ids)}); the worker will {verb} them."


@click.group(invoke_without_command=True)
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
    from bot.cli.admin import list_inbox

    settings = current_settings()
    check_database(settings.database_url)
    url = settings.database_url
    run_async(lambda: list_inbox(url, status=status, limit=limit, echo=click.echo))


@inbox.command("retry")
@click.argument("event_id", type=int, required=False)
@click.option("--all", "all_events", is_flag=True, help="Retry every failed event.")
def inbox_retry(event_id: int | None, all_events: bool) -> None:
    """Process failed events again (e.g. after fixing Zendesk credentials).

    `baton inbox retry 7` retries event 7; `baton inbox retry --all` retries every failed one.
    """
    from bot.cli.admin import retry_inbox

    if (event_id is None) == (not all_events):
        raise click.UsageError("give one event id, or --all")
    settings = current_settings()
    check_database(settings.database_url)
    ids = run_async(lambda: retry_inbox(settings.database_url, event_id=event_id))
    if event_id is not None and not ids:
        raise click.ClickException(f"inbox event {event_id} has not failed (see `baton inbox`)")
    click.echo(_queued("Inbox event", ids, "process"))
