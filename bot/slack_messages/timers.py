"""Timer messages: reminders and offers (DMs), breach alerts (leads), handovers (routing).

Pure builders: data and a gettext in, (fallback text, blocks) out, masked. No customer text
appears in them: a ticket number, its category and the people on the roster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import i18n
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.alerts import is_compliance
from bot.slack_messages.ids import AlertAction
from bot.store.models import Escalation

Message = tuple[str, list[dict[str, Any]]]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def what(esc: Escalation, _: i18n.Gettext) -> str:
    """ "ticket #123 (VIP, withdrawal)": never the customer's words, nor a compliance category."""
    category = _("compliance case") if is_compliance(esc) else (esc.category or "-")
    tags = [_("VIP")] if esc.vip else []
    return _("ticket #{ticket} ({details})").format(
        ticket=esc.ticket_id, details=", ".join([*tags, category])
    )


def reminder(
    esc: Escalation, *, kind: str, deadline: datetime, locale: str | None, tz: str
) -> Message:
    """A DM to the owner: a deadline is near."""
    _ = i18n.translator(locale)
    when = i18n.format_time(deadline, locale=locale, tz=tz)
    texts = {
        "claim_remind": _(
            "Reminder: claim {what} by {time}, or it moves to the next analyst on shift."
        ),
        "response_remind": _("Reminder: {what} needs a first response by {time}."),
        "resolution_remind": _("Reminder: {what} is due to be resolved by {time}."),
    }
    text = texts[kind].format(what=what(esc, _), time=when)
    return limits.message(mask(text), mask_deep([_section(f":alarm_clock: {text}")]))


def breach_text(
    esc: Escalation,
    *,
    kind: str,
    deadline: datetime,
    owner: str | None,
    offered_to: str | None,
    tz: str,
) -> str:
    """The leads channel's alert for a missed deadline."""
    _ = i18n.translator(None)
    when = i18n.format_time(deadline, locale=None, tz=tz)
    if kind == "response_breach":
        text = _("Overdue: {what} had no first response by {time}.")
    else:
        text = _("Overdue: {what} was not resolved by {time}.")
    lines = [":red_circle: " + text.format(what=what(esc, _), time=when)]
    lines.append(
        _("Owner: {name}.").format(name=owner) if owner else _("Nobody owns it (unassigned).")
    )
    if offered_to:
        lines.append(_("Offered to {name}, who can take it.").format(name=offered_to))
    return "\n".join(lines)


def offer(
    esc: Escalation,
    *,
    kind: str,
    deadline: datetime,
    owner: str | None,
    value: str,
    locale: str | None,
    tz: str,
) -> Message:
    """A DM to the next best analyst: a deadline was missed, take it?

    ``value``: the Take button's sealed value (bot/timers/offer.py), never read here.
    """
    _ = i18n.translator(locale)
    when = i18n.format_time(deadline, locale=locale, tz=tz)
    if kind == "response_breach":
        text = _("{what} had no first response by {time}.")
    else:
        text = _("{what} was not resolved by {time}.")
    text = text.format(what=what(esc, _), time=when)
    if owner:
        text += " " + _("It is with {name}; you are next best on shift.").format(name=owner)
    button = {
        "type": "button",
        "action_id": str(AlertAction.TAKE),
        "style": "primary",
        "text": {"type": "plain_text", "text": _("Take it")},
        "value": value,
    }
    blocks = [
        _section(f":red_circle: {text}"),
        {"type": "actions", "block_id": f"esc_offer:{esc.id}", "elements": [button]},
    ]
    return limits.message(mask(text), mask_deep(blocks))


@dataclass(frozen=True)
class HandoverLine:
    """One open escalation in a handover message, and what became of it."""

    esc: Escalation
    state: str  # its status at the handover, before any move
    next_name: str | None  # the next deadline's name: "claim" | "response" | "resolution"
    next_at: datetime | None
    last_action: datetime | None
    moved_to: str | None  # the new owner's name; None: it stays
    why: str  # "unclaimed" | "unattended" | "recent" | "nobody"


def _moment(value: datetime, around: datetime, tz: str) -> str:
    """A time of day if within 12 hours of the handover, else date and time."""
    if abs(value - around) < timedelta(hours=12):
        return i18n.format_time(value, locale=None, tz=tz)
    return i18n.format_datetime(value, locale=None, tz=tz)


def handover(*, name: str, shift_end: datetime, lines: Sequence[HandoverLine], tz: str) -> Message:
    """The routing channel's handover message for one analyst going off shift."""
    _ = i18n.translator(None)
    ngettext = i18n.ngettext(None)
    n = len(lines)
    title = ngettext(
        "Handover from {name} (shift ended {time}): {count} open escalation",
        "Handover from {name} (shift ended {time}): {count} open escalations",
        n,
    ).format(name=name, time=i18n.format_time(shift_end, locale=None, tz=tz), count=n)
    deadlines = {
        "claim": _("claim by {time}"),
        "response": _("first response by {time}"),
        "resolution": _("resolve by {time}"),
    }
    out = [f":busts_in_silhouette: *{title}*"]
    for line in lines:
        e = line.esc
        parts = [what(e, _), line.state]
        if line.next_name and line.next_at:
            due = deadlines[line.next_name].format(time=_moment(line.next_at, shift_end, tz))
            if line.next_at <= shift_end:  # missed: say so, not just "resolve by" a past time
                due = ":red_circle: " + _("Overdue: {what}").format(what=due)
            parts.append(due)
        if line.last_action:
            last = _moment(line.last_action, shift_end, tz)
            parts.append(_("last action {time}").format(time=last))
        else:
            parts.append(_("no action yet"))
        if line.moved_to:
            why = _("unclaimed") if line.why == "unclaimed" else _("unattended")
            fate = _("→ reassigned to {name} ({why})").format(name=line.moved_to, why=why)
        elif line.why == "nobody":
            fate = _("stays: nobody on shift to take it")
        else:
            fate = _("stays with {name} (recent action)").format(name=name)
        out.append(f"• {' · '.join(parts)} {fate}")
    # A long handover is several sections (a line is never split), as many as a message holds.
    sections = [_section(chunk) for chunk in limits.pack(out)]
    return limits.message(mask(title), mask_deep(sections))
