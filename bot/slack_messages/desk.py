"""The desk in Slack: `/baton help`, who, queue, the App Home tab, the Reassign modal, notices.

Pure Block Kit builders: data and a gettext callable in, Slack dicts out (masked).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import i18n
from bot.desk.on_shift import WhoIsOn
from bot.domain import Analyst, Availability
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.alerts import Queued, buttons
from bot.slack_messages.ids import BlockId, CallbackId, HomeAction
from bot.slack_messages.modals import modal

Block = dict[str, Any]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mask(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mask(text)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def help_text(_: i18n.Gettext, entries: Sequence[tuple[str, str]]) -> str:
    """The /baton help text: one usage line and description per subcommand."""
    lines = [_("*Baton commands*")]
    lines += [f"• `{usage}` — {description}" for usage, description in entries]
    return "\n".join(lines)


def _when(value: datetime | None, *, locale: str, tz: str) -> str:
    return i18n.format_datetime(value, locale=locale, tz=tz) if value else "-"


def who_text(_: i18n.Gettext, desk: WhoIsOn, *, locale: str, tz: str) -> str:
    """Who is on shift now and next, with their languages, and the next handover."""
    lines = [_("*On shift now*")]
    if not desk.now_on:
        lines.append(_("Nobody is on shift right now."))
    for o in desk.now_on:
        until = i18n.format_time(o.ends_at, locale=locale, tz=tz)
        line = _("{name} ({languages}) until {time}").format(
            name=o.analyst.name, languages=", ".join(o.analyst.languages), time=until
        )
        if o.covering_for:
            line += " · " + _("covering for {name}").format(name=o.covering_for)
        lines.append(f"• {line} <@{o.analyst.slack_id}>")
    if desk.next_on is not None:
        at, people = desk.next_on
        lines.append(_("*Next on shift* ({time})").format(time=_when(at, locale=locale, tz=tz)))
        lines += [f"• {a.name} ({', '.join(a.languages)})" for a in people]
    if desk.next_handover is not None:
        handover = _when(desk.next_handover, locale=locale, tz=tz)
        lines.append(_("*Next handover* {time}").format(time=handover))
    return "\n".join(lines)


def queue_lines(
    _: i18n.Gettext,
    escalations: Sequence[Queued],
    *,
    locale: str,
    tz: str,
    now: datetime | None = None,
) -> list[str]:
    """One line per open escalation: ticket, category, status, next deadline (red if missed)."""
    labels = {
        "claim": _("claim by {time}"),
        "response": _("first response due {time}"),
        "resolution": _("SLA due {time}"),
    }
    out = []
    for q in escalations:
        e, nxt = q.esc, q.deadlines.next
        vip = "VIP · " if e.vip else ""
        due = labels[nxt[0]].format(time=_when(nxt[1], locale=locale, tz=tz)) if nxt else "-"
        if nxt and now is not None and nxt[1] <= now:
            due = _("Overdue: {what}").format(what=due)  # a past "SLA due" alone reads as pending
        late = ":red_circle: " if q.deadlines.overdue else ""
        out.append(f"• {late}#{e.ticket_id} · {vip}{e.category or '-'} · {e.status} · {due}")
    return out


def queue_text(
    _: i18n.Gettext,
    escalations: Sequence[Queued],
    *,
    whose: str,
    locale: str,
    tz: str,
    now: datetime | None = None,
) -> str:
    """The /baton queue answer, nearest deadline first."""
    if not escalations:
        return _("No open escalations for {who}.").format(who=whose)
    n = len(escalations)
    ngettext = i18n.ngettext(locale)
    count = ngettext("{count} open escalation", "{count} open escalations", n)
    title = _("Open escalations for {who} (nearest deadline first)").format(who=whose)
    lines = queue_lines(_, escalations, locale=locale, tz=tz, now=now)
    return limits.fit("\n".join([f"*{title}*", count.format(count=n), *lines]), limits.MESSAGE_TEXT)


def home_view(
    _: i18n.Gettext,
    *,
    analyst: Analyst | None,
    escalations: Sequence[Queued],
    who: str,
    away_until: datetime | None,
    locale: str,
    tz: str,
    now: datetime | None = None,
    extra: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home tab: my queue, who is on shift, and my availability with Away/Back.

    ``extra`` blocks (the "Needs a root cause" section) go before who is on shift. A queue
    longer than the tab has room for lists the rest in one section, without buttons.
    """
    blocks: list[Block] = [header(_("Baton: escalation desk"))]
    if analyst is None:
        blocks.append(section(_("You are not on the roster: ask a lead to add you.")))
    else:
        blocks.append(header(_("My open escalations")))
        if escalations:
            # Six blocks are the tab's own (three headers, availability, divider, who), one more
            # lists the rest of a long queue; each escalation takes two (its line and buttons).
            room = limits.VIEW_BLOCKS - 6 - len(extra)
            fits = 2 * len(escalations) <= room
            shown = escalations if fits else escalations[: max(room - 1, 0) // 2]
            for q in shown:
                line = queue_lines(_, [q], locale=locale, tz=tz, now=now)[0]
                blocks.append(section(line))
                blocks.append(buttons(q.esc.id, _))
            rest = queue_lines(_, escalations[len(shown) :], locale=locale, tz=tz, now=now)
            if rest:
                blocks.append(section(limits.fit("\n".join(rest), limits.SECTION_TEXT)))
        else:
            blocks.append(section(_("No open escalations for {who}.").format(who=analyst.name)))
        blocks.append(header(_("My availability")))
        if away_until is not None:
            state = _("Away until {time}").format(time=_when(away_until, locale=locale, tz=tz))
            button = (HomeAction.BACK, _("I'm back"))
        else:
            state = _("Available")
            button = (HomeAction.AWAY, _("Go away until end of shift"))
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": state},
                "accessory": {
                    "type": "button",
                    "action_id": str(button[0]),
                    "text": {"type": "plain_text", "text": button[1]},
                    "value": analyst.key,
                },
            }
        )
    blocks += extra
    blocks.append({"type": "divider"})
    blocks.append(section(who))
    return limits.view({"type": "home", "blocks": mask_deep(blocks)})


def away_until(marks: Sequence[Availability], *, key: str, now: datetime) -> datetime | None:
    """When the analyst's running away mark ends (None: not away; far future if open-ended)."""
    ends = [
        m.ends_at or datetime.max.replace(tzinfo=now.tzinfo)
        for m in marks
        if m.kind == "away" and m.analyst_key == key and m.active(now)
    ]
    return max(ends) if ends else None


def reassign_modal(_: i18n.Gettext, *, escalation_id: int, ticket_id: int) -> dict[str, Any]:
    """The Reassign modal: pick a user from a users select."""
    return modal(
        callback_id=str(CallbackId.REASSIGN),
        private_metadata=str(escalation_id),
        title=_("Reassign"),
        submit=_("Reassign"),
        close=_("Cancel"),
        blocks=[
            section(_("Hand ticket #{ticket} to:").format(ticket=ticket_id)),
            {
                "type": "input",
                "block_id": str(BlockId.REASSIGN_USER),
                "label": {"type": "plain_text", "text": _("Analyst")},
                "element": {
                    "type": "users_select",
                    "action_id": str(BlockId.REASSIGN_USER_ACTION),
                },
            },
        ],
    )


def notice_modal(_: i18n.Gettext, *, title: str, text: str) -> dict[str, Any]:
    """A modal with one message and a Close button: "loading…", or why it cannot go on."""
    return modal(
        callback_id=str(CallbackId.NOTICE), title=title, close=_("Close"), blocks=[section(text)]
    )
