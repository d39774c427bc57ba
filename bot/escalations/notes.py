"""Internal notes Baton writes on tickets, for the outsourcing agents who read them, and the
ticket update that carries one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.config import Tags
from bot.desk.roster import Roster
from bot.documents.findings import DocumentFindings
from bot.domain import RoutingDecision
from bot.escalations.classify import Classification
from bot.escalations.documents import note_lines
from bot.payments import notes as tx_notes
from bot.payments.findings import Findings
from bot.store.models import Escalation
from bot.store.outbox import OutboxItem

LANGUAGE_NAMES = {
    "en": "English",
    "pt": "Portuguese",
    "es": "Spanish",
    "zh": "Chinese",
    "ru": "Russian",
}
_SOURCES = {
    "tag": "from the {prefix} tag",  # the configured language prefix
    "text": "from the customer's words",
    "locale": "from the requester's locale",
}


def incomplete_note(missing: Sequence[str], *, tags: Tags) -> str:
    """Tell the agent what to add before re-escalating, with the tags they actually use."""
    lines = ["Baton: this escalation cannot go to a senior analyst yet. Please add:"]
    lines += [f"  • {m}" for m in missing]
    lines.append(
        "Write the facts in a new comment (an internal note is fine; the description cannot "
        f"be edited), then add the {tags.escalate} tag again to re-escalate."
    )
    return "\n".join(lines)


def routing_note(
    *,
    esc: Escalation,
    decision: RoutingDecision,
    roster: Roster,
    tags: Tags,
    classification: Classification | None = None,
    now: datetime | None = None,
) -> str:
    """Who owns the escalation, why, what was found, and the SLA deadline (overdue at ``now``)."""
    tz = roster.timezone
    lines: list[str] = []
    if decision.analyst is not None:
        a = decision.analyst
        shift = f"{a.shift.start:%H:%M}–{a.shift.end:%H:%M}"
        lines.append(f"Baton: escalated to {a.name} (senior analyst, shift {shift}).")
    else:
        lines.append("Baton: no senior analyst is on shift right now.")
        if decision.next_shift_at is not None:
            at = decision.next_shift_at.astimezone(tz)
            lines.append(f"It will be routed when the next shift starts, {at:%a %d %b %H:%M}.")
        lines.append("The team leads have been alerted.")
    lines.append("Why: " + "; ".join(decision.reasons) + ".")
    facts = [f"category {esc.category}"]
    if esc.vip:
        facts.append("VIP")
    if esc.language:
        name = LANGUAGE_NAMES.get(esc.language, esc.language)
        source = _SOURCES.get(classification.language_source, "") if classification else ""
        source = source.format(prefix=f"{tags.language_prefix}{esc.language}")
        facts.append(f"language {name} {source}".strip())
    lines.append("Found: " + ", ".join(facts) + ".")
    if esc.enrichment:
        lines += tx_notes.paragraph(Findings.from_json(esc.enrichment), tz=tz)
    lines += note_lines(DocumentFindings.from_json(esc.documents))
    if decision.language_needed:
        name = LANGUAGE_NAMES.get(decision.language_needed, decision.language_needed)
        lines.append(f"Note: no {name} speaker is on shift; the analyst has been told.")
    if esc.sla_due_at is not None:
        due = f"{esc.sla_due_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"
        if now is not None and esc.sla_due_at <= now:
            # Routed after its deadline (it waited for a shift): "resolve by" a past time misleads.
            lines.append(f"SLA: overdue since {due}; resolve it first.")
        else:
            lines.append(f"SLA: resolve by {due}.")
    return "\n".join(lines)


def ticket_update(
    *, key: str, ticket_id: int, escalation_id: int, note: str, **fields: object
) -> OutboxItem:
    """One Zendesk ticket update carrying an internal note, enqueued at most once by key.

    The key is also the note's marker line: a retry looks for it before writing again.
    """
    payload = {"ticket_id": ticket_id, "internal_note": note, "marker": key, **fields}
    return OutboxItem(
        key=key,
        service="zendesk",
        action="update_ticket",
        payload=payload,
        escalation_id=escalation_id,
    )
