"""`baton demo`: the bundled escalations through the real intake, routing and outbox."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import resources
from bot.config import Settings, load_batonconfig
from bot.demo.backoffice import findings_lines, open_backoffice
from bot.demo.bundle import BundledTickets, Clock, load_bundled, webhook_lands
from bot.demo.day import run_day
from bot.demo.incidents import run_incident
from bot.demo.money import run_money
from bot.demo.report import print_report
from bot.desk.roster import load_roster
from bot.domain import EscalationStatus
from bot.jira.preview import print_issues as print_jira_issues
from bot.services import Services, Unconfigured
from bot.store import db as dbmod
from bot.store.db import Database
from bot.store.models import Escalation, OutboxMessage, RoutingDecisionRow
from bot.worker import Worker

Echo = Callable[[str], object]


def _fresh_database(database_url: str) -> None:
    """Start from an empty, migrated database so every run of the demo prints the same."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    dbmod.upgrade(database_url)


async def run_demo(*, database_url: str, escalations: str | None, echo: Echo) -> None:
    """Route every bundled escalation and print what Baton decided and would send."""
    path = Path(escalations) if escalations else resources.example("escalations.jsonl")
    tickets = load_bundled(path)
    await asyncio.to_thread(_fresh_database, database_url)
    roster_path, config_path = resources.example("roster.toml"), resources.example("config.toml")
    roster = load_roster(roster_path)
    clock = Clock(tickets[0].created_at if tickets else datetime.now().astimezone())
    settings, backoffice, loaded = await open_backoffice(
        Settings(
            database_url=database_url,
            roster_path=roster_path,
            config_path=config_path,
            config=load_batonconfig(config_path),
            secret_key=secrets.token_hex(32),  # the demo makes its own, never written anywhere
        )
    )
    bundle = BundledTickets(tickets)
    services = Services(
        settings=settings,
        db=Database(database_url),
        roster=roster,
        zendesk=bundle,
        slack=Unconfigured("slack"),
        clock=clock,
        transactions=backoffice,
    )
    worker = Worker(services, name="demo", timer_seconds=0, sla_timers=False)
    tz = roster.timezone
    echo(
        f"Baton demo: {len(tickets)} escalations from {path.name}, roster of "
        f"{len(roster.analysts)} people in {tz.key}, a back office of {loaded} transactions "
        "(examples/backoffice/transactions.csv, read through the SQL adapter).\n"
    )
    try:
        for ticket in tickets:
            await _run_until(services, worker, clock, ticket.created_at)
            await webhook_lands(services, worker, clock, ticket)
        # Let time run on to the next shift, so the last waiting escalation is routed too.
        await _run_until(services, worker, clock, clock.now + timedelta(days=2))
        await _print_table(services, echo)
        await _print_outbox(services, echo)
        await _print_drafts(services, echo)
        await print_jira_issues(services, echo)
        await print_report(services, database_url=database_url, echo=echo)
        await run_money(services, echo)
        await run_incident(services, bundle=bundle, clock=clock, echo=echo)
    finally:
        await backoffice.close()
        await services.db.dispose()
    # One day of timers on the desk (its own database); it builds on this module's pieces.

    await run_day(echo=echo)


async def _run_until(services: Services, worker: Worker, clock: Clock, until: datetime) -> None:
    """Advance the clock through the shift starts that waiting escalations wait for."""
    while True:
        async with services.db.session() as s:
            due = await s.scalar(
                select(func.min(RoutingDecisionRow.next_shift_at))
                .join(Escalation, Escalation.id == RoutingDecisionRow.escalation_id)
                .where(Escalation.status == EscalationStatus.UNASSIGNED)
                .where(RoutingDecisionRow.next_shift_at > clock.now)
            )
        if due is None or due > until:
            return
        clock.now = due
        await worker.drain()


def _width() -> int:
    return max(100, shutil.get_terminal_size((120, 24)).columns)


def _wrap(text: str, indent: int) -> str:
    # Reasons wrap at the terminal's width (at least 100), aligned under their column.
    width = _width()
    return textwrap.fill(
        text, width=width, initial_indent=" " * indent, subsequent_indent=" " * indent
    )[indent:]


async def _print_table(services: Services, echo: Echo) -> None:
    tz = services.roster.timezone
    async with services.db.session() as s:
        escs = list(await s.scalars(select(Escalation).order_by(Escalation.ticket_created_at)))
        decisions: dict[int, list[RoutingDecisionRow]] = {}
        for d in await s.scalars(select(RoutingDecisionRow).order_by(RoutingDecisionRow.id)):
            decisions.setdefault(d.escalation_id, []).append(d)
    header = (
        f"{'ticket':>7}  {'category':15} {'lang':4} {'VIP':3}  {'time (São Paulo)':16}  "
        f"{'analyst':18} reasons"
    )
    echo(header)
    echo("-" * len(header) + "-" * 40)
    indent = header.index("reasons")
    for e in escs:
        when = (e.ticket_created_at or e.received_at).astimezone(tz)
        lang = e.language or "?"
        vip = "yes" if e.vip else ""
        rows = decisions.get(e.id, [])
        if not rows:
            who, why = "— incomplete", "missing: " + "; ".join(e.missing or [])
        else:
            first = rows[0]
            who = _name(services, first.analyst_key) or "— unassigned"
            why = "; ".join(first.reasons)
        echo(
            f"{e.ticket_id:>7}  {e.category or '(none)':15} {lang:4} {vip:3}  "
            f"{when:%a %d %H:%M}      {who:18} " + _wrap(why, indent)
        )
        for later in rows[1:]:
            at = later.decided_at.astimezone(tz)
            echo(
                f"{'':>7}  {'':15} {'':4} {'':3}  {at:%a %d %H:%M}      "
                f"{_name(services, later.analyst_key) or '— unassigned':18} "
                + _wrap("next shift: " + "; ".join(later.reasons), indent)
            )
        for line in findings_lines(e.enrichment, tz=tz, indent=9, width=_width()):
            echo(line)
    routed = sum(1 for e in escs if e.analyst_key)
    echo(
        f"\n{len(escs)} escalations: {routed} routed, "
        f"{sum(1 for e in escs if e.status == 'incomplete')} sent back as incomplete, "
        f"{sum(1 for e in escs if e.status == 'unassigned')} waiting for a shift."
    )


_DRAFT_SOURCES = {
    "tag": "the lang_ tag",
    "text": "their own words",
    "locale": "their Zendesk locale",
    "default": "nothing else to go on",
}


async def _print_drafts(services: Services, echo: Echo) -> None:
    """Each routed escalation's first reply draft, in the customer's language (subject, lines)."""
    from bot.drafts.flow import first_draft
    from bot.escalations.notes import LANGUAGE_NAMES

    async with services.db.session() as s:
        escs = list(await s.scalars(select(Escalation).order_by(Escalation.ticket_created_at)))
    echo("\nReply drafts (/baton draft): what each analyst would be offered to send, first lines:")
    for e in escs:
        analyst = services.roster.by_key(e.analyst_key) if e.analyst_key else None
        if analyst is None:
            continue
        ticket = await services.zendesk.get_ticket(e.ticket_id)
        choice, draft = first_draft(services, esc=e, ticket=ticket, analyst=analyst)
        why = _DRAFT_SOURCES.get(choice.source, choice.source)
        language = LANGUAGE_NAMES.get(choice.language, choice.language)
        echo(f"\n  #{e.ticket_id} to {analyst.name}: {language} ({why}), {draft.template}")
        echo(f"      {draft.subject}")
        lines = [line for line in draft.body.splitlines() if line.strip()]
        for line in lines[:3]:
            echo("      " + textwrap.shorten(line, width=_width() - 8, placeholder=" …"))


def _name(services: Services, key: str | None) -> str | None:
    a = services.roster.by_key(key) if key else None
    return a.name if a else key


_KIND_LABELS = {
    "channel": "routing channel",
    "vip": "VIP channel",
    "compliance": "compliance channel",
    "leads": "leads channel",
}


def _target(services: Services, row: OutboxMessage, *, vip: bool) -> str:
    p = row.payload
    if row.service == "zendesk":
        return f"Zendesk, internal note on ticket #{p['ticket_id']}"
    if row.service == "jira" and "draft" not in p:  # built when delivered
        return f"Jira, new issue in {p['project']} for the compliance case"
    if row.service == "jira":
        return f"Jira, new issue in {p['draft']['project']}: {p['draft']['summary']}"
    if p.get("user"):
        analyst = next((a for a in services.roster.analysts if a.slack_id == p["user"]), None)
        return f"Slack, DM to {analyst.name if analyst else p['user']}"
    kind = str(p.get("kind") or "")
    if kind == "channel" and vip:
        kind = "vip"
    label = _KIND_LABELS.get(kind, "leads channel" if row.action == "post_leads" else row.action)
    return f"Slack, {label}"


async def _print_outbox(services: Services, echo: Echo) -> None:
    async with services.db.session() as s:
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        tickets = {
            esc_id: (ticket_id, vip)
            for esc_id, ticket_id, vip in await s.execute(
                select(Escalation.id, Escalation.ticket_id, Escalation.vip)
            )
        }
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    echo(
        "\nWhat Baton would send. Zendesk and Slack are not configured, so each action is "
        "recorded in the outbox as not sent and nothing leaves this machine:"
    )
    current: int | None = None
    for r in rows:
        ticket, vip = tickets.get(r.escalation_id or 0, (None, False))
        if ticket != current and ticket is not None:
            current = ticket
            echo(f"\n── ticket #{ticket} " + "─" * 60)
        text = r.payload.get("internal_note") or r.payload.get("text") or ""
        echo(f"  [{_target(services, r, vip=vip)}] ({r.last_error or r.status})")
        echo(textwrap.indent(str(text), "      "))
    echo("\nOutbox: " + ", ".join(f"{n} {st}" for st, n in sorted(by_status.items())))
