"""`baton history <ticket>`: an escalation's life as one timeline, from what Baton stored.

The audit log (who did what, when), routing decisions with their reasons, drafts, Jira links
and the resolution are merged in time order and told as sentences a lead reads ("Carla Mendes
claimed it", "Routed to Ana Souza: speaks pt; lowest open load"), people by their roster names,
in the roster's time zone. Each step is told once: a routing by its decision, a resolution by
its audit entry (an amendment as "amended"). Customer text is masked: the timeline is for the
desk, and it may be pasted anywhere; its control characters (ESC sequences, OSC 8 links,
\\r, bells) are shown as escapes (bot/text_safety.py), so it cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.roster import Roster
from bot.errors import NotFound
from bot.escalations.notes import LANGUAGE_NAMES
from bot.masking import mask
from bot.store.models import (
    AuditEntry,
    DraftRow,
    Escalation,
    JiraLink,
    ResolutionRow,
    RoutingDecisionRow,
)
from bot.text_safety import inert

TIME_FORMAT = "%Y-%m-%d %H:%M"  # every line's time; the zone is named once, in the heading
SERVICES = {
    "baton": "Baton",
    "zendesk": "Zendesk",
    "jira": "Jira",
    "backoffice": "The back office",
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, and what happened as a sentence."""

    at: datetime
    what: str
    escalation_id: int | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def _words(value: object) -> str:
    """A stored value as words: ``kyc_incomplete`` → "kyc incomplete", lists joined by commas."""
    if isinstance(value, list | tuple | set):
        return ", ".join(_words(v) for v in value)
    return str(value).replace("_", " ")


class _Teller:
    """Turns stored rows into sentences, naming people from the roster."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def who(self, key: str | None) -> str:
        if not key:
            return "nobody"
        return self.names.get(key) or SERVICES.get(key) or key

    def resolution(self, verb: str, d: Mapping[str, Any]) -> str:
        parts = [f"root cause {_words(d.get('root_cause'))}"]
        if d.get("outcome"):
            parts.append(_words(d["outcome"]))
        if d.get("avoidable"):
            lacked = f", lacked {_words(d['lacked'])}" if d.get("lacked") else ""
            parts.append(f"avoidable{lacked}")
        else:
            parts.append("not avoidable")
        if d.get("zendesk_status"):
            parts.append(f"ticket {d['zendesk_status']}")
        return f"{verb}: {'; '.join(parts)}"

    def audit(self, a: AuditEntry, decisions: Mapping[int, RoutingDecisionRow]) -> str | None:
        """The sentence for one audit entry; None when another row tells the same step."""
        d: Mapping[str, Any] = a.detail or {}
        who = self.who(a.actor)
        action = a.action
        if action in ("routed", "unassigned") and d.get("decision") in decisions:
            return None  # its routing decision tells it, with the reasons
        if action == "escalation.rerouted":
            row = decisions.get(d.get("decision") or -1)
            why = "; ".join(str(r) for r in row.reasons or []) if row else _words(d.get("why"))
            moved = f"from {self.who(d.get('previous'))} to {self.who(d.get('analyst'))}"
            return f"Re-routed {moved}: {why}" if why else f"Re-routed {moved}"
        if action == "escalation.claimed":
            previous = d.get("previous")
            taken = f" from {self.who(previous)}" if previous and previous != a.actor else ""
            return f"{who} claimed it{taken}"
        if action == "escalation.assigned":
            return f"{who} assigned it to {self.who(d.get('assignee'))}"
        if action == "escalation.reclassified":
            return f"Re-classified {d.get('from') or '-'} → {d.get('to')}"
        if action == "incomplete":
            return f"Sent back to the agent, missing: {'; '.join(map(str, d.get('missing') or []))}"
        if action == "escalation.resolved":
            return self.resolution(f"{who} resolved it", d)
        if action == "resolution.amended":
            return self.resolution(f"{who} amended the resolution", d)
        if action == "resolved":
            status = d.get("ticket_status") or "solved"
            return f"Ticket {status} in Zendesk: the escalation ended without a root cause"
        if action in ("draft.sent", "draft.noted"):
            language = LANGUAGE_NAMES.get(str(d.get("language")), str(d.get("language")))
            edited = ", edited" if d.get("edited") else ""
            how = "sent a reply" if action == "draft.sent" else "added a draft as an internal note"
            return f"{who} {how} in {language} ({_words(d.get('template'))}{edited})"
        if action == "jira.requested":
            return f"{who} asked for a Jira issue in {d.get('project')}"
        if action == "jira.created":
            return None  # the Jira link tells it
        if action == "jira.customer_comment":
            return f"Jira: a customer-facing comment on {d.get('issue')}, offered as a note"
        if action == "jira.comment_noted":
            return f"{who} added the Jira comment on {d.get('issue')} as an internal note"
        if action.startswith("money."):
            return self.money(who, action, d)
        if action == "transactions.lookup":
            by = f" by {_words(d['by'])}" if d.get("by") else ""
            return f"{who} looked up transactions{by}: {d.get('count', 0)} found"
        return f"{who}: {_words(action.replace('.', ' '))}{self.detail(d)}"

    def money(self, who: str, action: str, d: Mapping[str, Any]) -> str:
        """A step of a money request (bot/money): what, how much, who, never the customer."""
        request = f"money request {d.get('request')}"
        if action == "money.requested":
            what = f"a {d.get('kind')} of {d.get('amount')} {d.get('currency')}"
            return f"{who} asked for {what} ({_words(d.get('reason'))}), {request}"
        if action == "money.approved":
            left = f", still needs {_words(d['left'])}" if d.get("left") else ""
            return f"{who} approved {request}{left}"
        if action == "money.rejected":
            return f"{who} rejected {request}: {d.get('why') or '-'}"
        if action == "money.expired":
            return f"{request.capitalize()} expired without a decision"
        if action == "money.executing":
            return f"{request.capitalize()} sent to the back office"
        if action == "money.manual_execution":
            return f"{request.capitalize()} approved: to be executed by hand in the back office"
        if action == "money.executed":
            return f"{who} executed {request} (reference {d.get('reference') or '-'})"
        if action == "money.refused":
            return f"The back office refused {request} (reference {d.get('reference') or '-'})"
        return f"{who}: {_words(action.replace('.', ' '))} ({request})"

    def detail(self, d: Mapping[str, Any]) -> str:
        parts = [f"{_words(k)} {_words(v)}" for k, v in d.items() if v not in (None, "", [], {})]
        return f" ({'; '.join(parts)})" if parts else ""

    def decision(self, d: RoutingDecisionRow) -> str:
        reasons = "; ".join(str(r) for r in d.reasons or [])
        if d.analyst_key is None:
            return f"Waiting for a shift: {reasons}" if reasons else "Waiting for a shift"
        to = f"Routed to {self.who(d.analyst_key)}"
        return f"{to}: {reasons}" if reasons else to


async def timeline(
    session: AsyncSession, *, ticket_id: int, names: Mapping[str, str] | None = None
) -> list[Entry]:
    """Everything stored about the ticket's escalations as sentences, oldest first."""
    tell = _Teller(names or {})
    escalations = list(
        await session.scalars(
            select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.id)
        )
    )
    ids = [e.id for e in escalations]
    out: list[Entry] = []
    for esc in escalations:
        agent = f"Agent {esc.agent_id}" if esc.agent_id else "The agent"
        what = _words(esc.category) if esc.category else "no category"
        vip = ", VIP" if esc.vip else ""
        out.append(Entry(esc.received_at, f"{agent} escalated it ({what}{vip})", esc.id))
    decisions = {
        d.id: d
        for d in await session.scalars(
            select(RoutingDecisionRow).where(RoutingDecisionRow.escalation_id.in_(ids))
        )
    }
    audit = list(
        await session.scalars(
            select(AuditEntry).where(
                or_(AuditEntry.ticket_id == ticket_id, AuditEntry.escalation_id.in_(ids))
            )
        )
    )
    rerouted = {
        (a.detail or {}).get("decision") for a in audit if a.action == "escalation.rerouted"
    }
    resolved = _last_resolution_step(audit)
    summaries = {
        r.escalation_id: r
        for r in await session.scalars(
            select(ResolutionRow).where(ResolutionRow.escalation_id.in_(ids))
        )
    }
    # Before the audit entries: a routing and what it set off share the instant, and the sort
    # below keeps this order.
    out += [
        Entry(d.decided_at, tell.decision(d), d.escalation_id)
        for d in decisions.values()
        if d.id not in rerouted
    ]
    for a in audit:
        told = tell.audit(a, decisions)
        if told is None:
            continue
        row = summaries.get(a.escalation_id or -1)
        if row is not None and resolved.get(row.escalation_id) is a and row.summary:
            told += f" — {row.summary}"  # the summary as it stands, after any amendment
        out.append(Entry(a.at, told, a.escalation_id))
    for row in summaries.values():
        if row.escalation_id not in resolved:  # stored without its audit entry: tell it once
            stored: dict[str, Any] = {
                "root_cause": row.root_cause,
                "outcome": row.outcome,
                "lacked": row.lacked,
                "avoidable": row.avoidable,
                "zendesk_status": row.zendesk_status,
            }
            what = tell.resolution(f"{tell.who(row.resolved_by)} resolved it", stored)
            amended = f" (amended {row.amendments}×)" if row.amendments else ""
            out.append(
                Entry(row.resolved_at, f"{what}{amended} — {row.summary}", row.escalation_id)
            )
    for r in await session.scalars(select(DraftRow).where(DraftRow.escalation_id.in_(ids))):
        if r.status == "preview":  # sent or noted ones are told by their audit entry
            language = LANGUAGE_NAMES.get(r.language, r.language)
            what = f"{tell.who(r.created_by)} prepared a reply in {language}, not sent"
            out.append(Entry(r.created_at, f"{what} ({_words(r.template)})", r.escalation_id))
    for link in await session.scalars(select(JiraLink).where(JiraLink.escalation_id.in_(ids))):
        status = f", now {link.status}" if link.status else ""
        what = f"Jira issue {link.issue_key} created in {link.project}{status}"
        out.append(Entry(link.created_at, what, link.escalation_id))
    return sorted(out, key=lambda e: (_aware(e.at), e.escalation_id or 0))


def _last_resolution_step(audit: Iterable[AuditEntry]) -> dict[int, AuditEntry]:
    """Per escalation, its latest resolve or amend entry (which carries the summary)."""
    last: dict[int, AuditEntry] = {}
    for a in audit:
        if a.escalation_id is None:
            continue
        if a.action in ("escalation.resolved", "resolution.amended"):
            seen = last.get(a.escalation_id)
            if seen is None or (_aware(a.at), a.id) >= (_aware(seen.at), seen.id):
                last[a.escalation_id] = a
    return last


def render(entries: list[Entry], *, ticket_id: int, tz: ZoneInfo) -> str:
    """The timeline as text, one line per step, in the time zone given."""
    if not entries:
        return f"No escalation of ticket #{ticket_id} is stored."
    several = len({e.escalation_id for e in entries if e.escalation_id is not None}) > 1
    lines = [f"Ticket #{ticket_id}, times in {tz.key}"]
    for e in entries:
        when = _aware(e.at).astimezone(tz).strftime(TIME_FORMAT)
        esc = f"[escalation {e.escalation_id}] " if several and e.escalation_id else ""
        summary = " ".join(e.what.split())
        lines.append(f"{when}  {esc}{inert(mask(summary))}")
    return "\n".join(lines)


async def print_history(
    database_url: str,
    *,
    ticket_id: int,
    tz: ZoneInfo,
    echo: Callable[[str], object],
    roster: Roster | None = None,
) -> None:
    """Print the ticket's timeline (`baton history <ticket>`); NotFound if none is stored."""
    from bot.store.db import Database

    names = {a.key: a.name for a in roster.analysts} if roster else {}
    db = Database(database_url)
    try:
        async with db.read_session() as s:
            entries = await timeline(s, ticket_id=ticket_id, names=names)
    finally:
        await db.dispose()
    if not entries:
        raise NotFound(f"no escalation for ticket #{ticket_id} is stored")
    echo(render(entries, ticket_id=ticket_id, tz=tz))
