"""Incidents as data: for `/baton incident`, `baton incidents`, the message and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import IncidentSummary
from bot.incidents import core
from bot.incidents.grouping import groupable
from bot.incidents.jira import jira_resolution
from bot.incidents.resolve import progress
from bot.services import Services
from bot.store.models import Escalation, Incident, IncidentLink

PROVIDER_FIELDS = (
    "provider_reference",
    "id",
    "amount",
    "currency",
    "created_at",
    "status",
    "failure_code",
)


def amounts(escalations: Sequence[Escalation]) -> dict[str, Decimal]:
    """The sum of the matched transactions' amounts, per currency (one per escalation)."""
    out: dict[str, Decimal] = {}
    for esc in escalations:
        txs = (esc.enrichment or {}).get("transactions") or []
        if txs:
            tx = txs[0]
            try:
                out[str(tx["currency"])] = out.get(str(tx["currency"]), Decimal(0)) + Decimal(
                    str(tx["amount"])
                )
            except (KeyError, ArithmeticError, ValueError):
                continue
    return dict(sorted(out.items()))


async def summary(s: AsyncSession, incident: Incident) -> IncidentSummary:
    """One incident with its counts, amounts and analysts."""
    escs = [e for e, _ in await core.linked(s, incident.id)]
    if incident.status != core.OPEN:
        # A resolved incident keeps the escalations it answered (their links stay).
        escs = list(
            await s.scalars(
                select(Escalation)
                .join(IncidentLink, IncidentLink.escalation_id == Escalation.id)
                .where(IncidentLink.incident_id == incident.id, IncidentLink.unlinked_at.is_(None))
            )
        )
    analysts = tuple(sorted({e.analyst_key for e in escs if e.analyst_key}))
    return IncidentSummary(
        id=incident.id,
        ref=incident.ref,
        provider=incident.provider,
        category=incident.category,
        status=incident.status,
        source=incident.source,
        since=incident.began_at,
        count=len(escs),
        amounts=amounts(escs),
        analysts=analysts,
        jira_key=incident.jira_key,
        jira_url=incident.jira_url,
        replies_total=incident.replies_total or 0,
        replies_done=await progress(s, incident) if incident.replies_total else 0,
        root_cause=incident.root_cause,
        resolved_at=incident.resolved_at,
        jira_resolution=(
            await jira_resolution(s, incident.id) if incident.status == core.OPEN else None
        ),
    )


async def listing(s: AsyncSession, *, open_only: bool = False) -> list[IncidentSummary]:
    """Incidents, newest first (open ones only if asked)."""
    stmt = select(Incident).order_by(Incident.id.desc())
    if open_only:
        stmt = stmt.where(Incident.status == core.OPEN)
    return [await summary(s, i) for i in await s.scalars(stmt)]


async def open_incidents(services: Services) -> list[IncidentSummary]:
    """The open incidents as data (id, provider, category, since, count, amounts, analysts)."""
    async with services.db.read_session() as s:
        return await listing(s, open_only=True)


async def provider_transactions(s: AsyncSession, incident_id: int) -> list[dict[str, object]]:
    """The matched transaction of each linked escalation (never a compliance case's)."""
    out: list[dict[str, object]] = []
    for esc, _link in await core.linked(s, incident_id):
        if not groupable(esc.category):
            continue
        txs = (esc.enrichment or {}).get("transactions") or []
        if txs:
            tx = txs[0]
            # What the provider needs: references, amounts, times; no names, e-mails or ids.
            out.append({k: tx.get(k) for k in PROVIDER_FIELDS})
    return out
