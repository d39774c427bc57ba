"""The demo's closing report: resolve some of the demo's escalations, then report on them all.

A lead logs root causes for most of the routed escalations (varied, a third of them avoidable),
so the report has every view filled; it prints the terminal tables and writes the Excel workbook
and the three chart images next to the demo's database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.desk.permissions import Actor
from bot.domain import CustomerOutcome, EscalationStatus, Lacked, Role, RootCause
from bot.reports import charts, text
from bot.reports.run import load_report
from bot.reports.xlsx import write_xlsx
from bot.resolutions.form import ResolutionForm
from bot.resolutions.resolve import resolve
from bot.services import Services
from bot.store.models import Escalation

Echo = Callable[[str], object]
CAUSES = (
    RootCause.PROVIDER_DELAY,
    RootCause.KYC_INCOMPLETE,
    RootCause.CUSTOMER_ERROR,
    RootCause.PROVIDER_FAILURE,
    RootCause.PROCESS_GAP,
)
OUTCOMES = (
    CustomerOutcome.FUNDS_CREDITED,
    CustomerOutcome.DOCUMENTS_APPROVED,
    CustomerOutcome.INFORMATION_GIVEN,
    CustomerOutcome.WITHDRAWAL_PAID,
    CustomerOutcome.NO_ACTION_NEEDED,
)
LACKS = ((Lacked.ACCESS,), (Lacked.KNOWLEDGE, Lacked.INFORMATION), (Lacked.AUTHORITY,))


def output_folder(database_url: str) -> Path:
    """The folder of the demo's SQLite file (else the current folder)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path.cwd()


async def resolve_some(services: Services) -> int:
    """Resolve all but every fourth open escalation as a lead; returns how many."""
    lead = next(a for a in services.roster.analysts if a.has_role(Role.LEAD))
    actor = Actor(slack_id=lead.slack_id or "demo", analyst=lead)
    async with services.db.read_session() as s:
        rows = list(
            await s.execute(
                select(Escalation.id, Escalation.received_at, Escalation.routed_at)
                .where(Escalation.status.in_([EscalationStatus.ROUTED, EscalationStatus.CLAIMED]))
                .order_by(Escalation.id)
            )
        )
    done = 0
    for n, (escalation_id, received_at, routed_at) in enumerate(rows):
        if n % 4 == 3:
            continue  # left open: not every case is closed by the end of the demo
        avoidable = n % 3 == 0
        form = ResolutionForm(
            root_cause=CAUSES[n % len(CAUSES)],
            summary="Resolved during the demo.",
            outcome=OUTCOMES[n % len(OUTCOMES)],
            avoidable=avoidable,
            lacked=LACKS[(n // 3) % len(LACKS)] if avoidable else (),
        )
        # Resolved 40 minutes to 6 hours after it reached its analyst, so timings spread.
        at = (routed_at or received_at) + timedelta(minutes=40 + 37 * (n % 10))
        async with services.db.session() as s:
            await resolve(
                s, services=services, actor=actor, form=form, now=at, escalation_id=escalation_id
            )
        done += 1
    return done


async def print_report(services: Services, *, database_url: str, echo: Echo) -> None:
    """Resolve some escalations, print the report over all of them, save Excel and charts."""
    resolved = await resolve_some(services)
    async with services.db.read_session() as s:
        first, last = (
            await s.execute(
                select(func.min(Escalation.received_at), func.max(Escalation.received_at))
            )
        ).one()
    if first is None:
        return
    tz = services.roster.timezone
    spec = f"{first.astimezone(tz).date()}..{last.astimezone(tz).date()}"
    report = await load_report(services.db, roster=services.roster, spec=spec, now=services.clock())
    echo(f"\nA lead logged root causes for {resolved} escalations (/baton resolve). The report:\n")
    echo(text.render(report))
    folder = output_folder(database_url)
    workbook = await asyncio.to_thread(write_xlsx, report, folder / "baton-report.xlsx")
    images = await asyncio.to_thread(charts.render_all, report)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    echo(f"Excel workbook: {workbook}")
    echo(f"Charts ({', '.join(images)}): in {folder}")
