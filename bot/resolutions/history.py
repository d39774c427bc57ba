"""`baton history <ticket>`: an escalation's life as one timeline, from what Baton stored.

The audit log (who did what, when), routing decisions with their reasons, drafts, Jira links
and the resolution are merged in time order and printed in the roster's time zone. Customer
text is masked: the timeline is for the desk, and it may be pasted anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.masking import mask
from bot.store.models import (
    AuditEntry,
    DraftRow,
    Escalation,
    JiraLink,
    ResolutionRow,
    RoutingDecisionRow,
)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    who: str
    what: str
    escalation_id: int | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def _detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    parts = [f"{k}={v}" for k, v in detail.items() if v not in (None, "", [], {})]
    return f" ({', '.join(parts)})" if parts else ""


async def timeline(session: AsyncSession, *, ticket_id: int) -> list[Entry]:
    """Everything stored about the ticket's escalations, oldest first."""
    escalations = list(
        await session.scalars(
            select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.id)
        )
    )
    ids = [e.id for e in escalations]
    out: list[Entry] = []
    for esc in escalations:
        out.append(
            Entry(esc.received_at, "agent", f"escalated ({esc.category or 'no category'})", esc.id)
        )
    audit = await session.scalars(
        select(AuditEntry).where(
            or_(AuditEntry.ticket_id == ticket_id, AuditEntry.escalation_id.in_(ids))
        )
    )
    out += [Entry(a.at, a.actor, a.action + _detail(a.detail), a.escalation_id) for a in audit]
    decisions = await session.scalars(
        select(RoutingDecisionRow).where(RoutingDecisionRow.escalation_id.in_(ids))
    )
    for d in decisions:
        to = d.analyst_key or "nobody (unassigned)"
        reasons = "; ".join(str(r) for r in d.reasons or [])
        out.append(
            Entry(d.decided_at, "baton", f"routing decision: {to} — {reasons}", d.escalation_id)
        )
    drafts = await session.scalars(select(DraftRow).where(DraftRow.escalation_id.in_(ids)))
    for r in drafts:
        what = f"draft {r.template} in {r.language} ({r.status})"
        out.append(Entry(r.created_at, r.created_by, what, r.escalation_id))
    links = await session.scalars(select(JiraLink).where(JiraLink.escalation_id.in_(ids)))
    for link in links:
        status = f", {link.status}" if link.status else ""
        out.append(
            Entry(
                link.created_at,
                link.created_by,
                f"Jira {link.issue_key}{status}",
                link.escalation_id,
            )
        )
    resolutions = await session.scalars(
        select(ResolutionRow).where(ResolutionRow.escalation_id.in_(ids))
    )
    for res in resolutions:
        lacked = f", lacked {', '.join(res.lacked)}" if res.avoidable and res.lacked else ""
        what = (
            f"resolution: {res.root_cause}, outcome {res.outcome}, "
            f"{'avoidable' if res.avoidable else 'not avoidable'}{lacked}, "
            f"ticket {res.zendesk_status} — {res.summary}"
        )
        if res.amendments:
            what += f" (amended {res.amendments}×)"
        out.append(Entry(res.resolved_at, res.resolved_by, what, res.escalation_id))
    return sorted(out, key=lambda e: (_aware(e.at), e.escalation_id or 0))


def render(entries: list[Entry], *, ticket_id: int, tz: ZoneInfo) -> str:
    """The timeline as text, one line per step, in the time zone given."""
    if not entries:
        return f"No escalation of ticket #{ticket_id} is stored."
    lines = [f"Ticket #{ticket_id} ({tz.key})"]
    for e in entries:
        when = _aware(e.at).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        esc = f"[esc {e.escalation_id}] " if e.escalation_id is not None else ""
        summary = " ".join(e.what.split())
        lines.append(f"{when}  {esc}{e.who}: {mask(summary)}")
    return "\n".join(lines)


async def print_history(
    database_url: str, *, ticket_id: int, tz: ZoneInfo, echo: Callable[[str], object]
) -> None:
    """Print the ticket's timeline (`baton history <ticket>`); NotFound if none is stored."""
    from bot.store.db import Database

    db = Database(database_url)
    try:
        async with db.read_session() as s:
            entries = await timeline(s, ticket_id=ticket_id)
    finally:
        await db.dispose()
    if not entries:
        raise NotFound(f"no escalation for ticket #{ticket_id} is stored")
    echo(render(entries, ticket_id=ticket_id, tz=tz))
