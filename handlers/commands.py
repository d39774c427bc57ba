"""The `/baton` dispatcher: one table row per subcommand (handler, permission, usage line).

Adding a subcommand later is one ``Subcommand`` row in ``COMMANDS`` plus its function. Every
failure becomes an ephemeral message for the user: their usage line, a refusal, or an error id.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import i18n
from bot.desk import availability
from bot.desk.permissions import Action, Actor, allowed
from bot.desk.roster import next_shift_start, on_shift
from bot.domain import Analyst
from bot.errors import N_, BatonError, NotFound, UserFacingError
from bot.escalations import lifecycle
from bot.services import Services
from bot.slack_messages import blocks
from bot.slack_messages.text import escape
from bot.timers.handover import next_handover
from handlers import jira_slack, txn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ctx:
    """Who asked, in which language, and when."""

    services: Services
    actor: Actor
    locale: str
    now: datetime
    # Opens a modal with the slash command's trigger_id (True: opened); None outside a command.
    open_view: Callable[[dict[str, Any]], Awaitable[bool]] | None = None
    channel_id: str | None = None  # the channel a slash command came from

    @property
    def _(self) -> i18n.Gettext:
        return i18n.translator(self.locale)

    @property
    def tz(self) -> str:
        return str(self.services.roster.timezone)


class Usage(BatonError):
    """The arguments do not fit the subcommand: show its usage line."""


@dataclass(frozen=True)
class Reply:
    """An answer with blocks (buttons, sections), not only text."""

    text: str
    blocks: list[dict[str, Any]]


Handler = Callable[[Ctx, list[str]], Awaitable[str | Reply]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    action: Action
    usage: str
    describe: Callable[[i18n.Gettext], str]
    handler: Handler | None = None  # None: coming soon


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def refusal(_: i18n.Gettext, err: UserFacingError | NotFound) -> str:
    """The text shown for a refusal: translated when the core raised a message id, else as is.

    ``UserFacingError`` carries an ``N_``-marked message id and its parameters, translated here
    with the asking user's catalog; a plain ``NotFound`` (integrations) keeps its own text.
    """
    if isinstance(err, UserFacingError):
        # Parameters may echo what the user typed: shown as text, never as a mention or link.
        params = {k: escape(v) if isinstance(v, str) else v for k, v in err.params.items()}
        return _(err.msgid).format(**params)
    return escape(str(err))


def parse_ticket(word: str) -> int:
    """Parse "12345" or "#12345"."""
    text = word.lstrip("#")
    if not text.isdigit() or len(text) > 15:
        raise Usage(word)
    return int(text)


def resolve_user(ctx: Ctx, word: str) -> Analyst:
    """Find a roster analyst from a Slack mention (<@U…|name>), @key or key."""
    roster = ctx.services.roster
    m = _MENTION.match(word)
    found = roster.by_slack_id(m.group(1)) if m else roster.by_key(word.lstrip("@").lower())
    if found is None:
        raise UserFacingError(N_("{user} is not on the roster."), user=word)
    return found


def _me(ctx: Ctx) -> Analyst:
    if ctx.actor.analyst is None:
        raise UserFacingError(N_("You are not on the roster."))
    return ctx.actor.analyst


async def cmd_help(ctx: Ctx, _args: list[str]) -> str:
    entries = [(c.usage, c.describe(ctx._)) for c in COMMANDS.values()]
    return blocks.help_text(ctx._, entries)


async def cmd_who(ctx: Ctx, _args: list[str]) -> str:
    async with ctx.services.db.session() as s:
        marks = await availability.current(s, now=ctx.now)
    roster = ctx.services.roster
    nxt = next_shift_start(roster, ctx.now, marks)
    return blocks.who_text(
        ctx._,
        now_on=on_shift(roster, ctx.now, marks),
        next_on=nxt,
        locale=ctx.locale,
        tz=ctx.tz,
        next_handover=next_handover(roster, ctx.now),
    )


async def cmd_queue(ctx: Ctx, args: list[str]) -> str:
    if len(args) > 1:
        raise Usage()
    who = resolve_user(ctx, args[0]) if args else _me(ctx)
    async with ctx.services.db.session() as s:
        rows = await lifecycle.queue(s, analyst_key=who.key, viewer=ctx.actor, now=ctx.now)
    return blocks.queue_text(ctx._, rows, whose=who.name, locale=ctx.locale, tz=ctx.tz, now=ctx.now)


async def cmd_claim(ctx: Ctx, args: list[str]) -> str:
    if len(args) != 1:
        raise Usage()
    ticket = parse_ticket(args[0])
    async with ctx.services.db.session() as s:
        await lifecycle.claim(
            s, services=ctx.services, actor=ctx.actor, now=ctx.now, ticket_id=ticket
        )
    return ctx._("You claimed ticket #{ticket}.").format(ticket=ticket)


async def cmd_assign(ctx: Ctx, args: list[str]) -> str:
    if len(args) != 2:
        raise Usage()
    ticket, assignee = parse_ticket(args[0]), resolve_user(ctx, args[1])
    async with ctx.services.db.session() as s:
        await lifecycle.assign(
            s,
            services=ctx.services,
            actor=ctx.actor,
            assignee=assignee,
            now=ctx.now,
            ticket_id=ticket,
        )
    return ctx._("Ticket #{ticket} is now assigned to {name}.").format(
        ticket=ticket, name=assignee.name
    )


async def cmd_away(ctx: Ctx, args: list[str]) -> str:
    if len(args) > 1:
        raise Usage()
    me = _me(ctx)
    duration = availability.parse_duration(args[0]) if args else None
    async with ctx.services.db.session() as s:
        until = await availability.mark_away(
            s,
            roster=ctx.services.roster,
            analyst=me,
            now=ctx.now,
            actor=ctx.actor.key,
            duration=duration,
        )
    when = i18n.format_datetime(until, locale=ctx.locale, tz=ctx.tz)
    return ctx._("You are away until {time}. New escalations go to others.").format(time=when)


async def cmd_back(ctx: Ctx, args: list[str]) -> str:
    if args:
        raise Usage()
    me = _me(ctx)
    async with ctx.services.db.session() as s:
        await availability.mark_back(s, analyst=me, now=ctx.now, actor=ctx.actor.key)
    return ctx._("Welcome back: you receive escalations again.")


async def cmd_cover(ctx: Ctx, args: list[str]) -> str:
    if len(args) not in (3, 4) or args[1].lower() not in ("for", "por", "para", "за"):
        raise Usage()
    coverer, covered = resolve_user(ctx, args[0]), resolve_user(ctx, args[2])
    roster = ctx.services.roster
    until = (
        availability.parse_until(args[3], now=ctx.now, roster=roster) if len(args) == 4 else None
    )
    async with ctx.services.db.session() as s:
        ends = await availability.add_cover(
            s,
            roster=roster,
            coverer=coverer,
            covered=covered,
            now=ctx.now,
            actor=ctx.actor,
            until=until,
        )
    return ctx._("{coverer} covers for {covered} until {time}.").format(
        coverer=coverer.name,
        covered=covered.name,
        time=i18n.format_datetime(ends, locale=ctx.locale, tz=ctx.tz),
    )


async def cmd_txn(ctx: Ctx, args: list[str]) -> Reply:
    if not args:
        raise Usage()
    return Reply(*await txn.for_query(ctx, " ".join(args)))


async def cmd_jira(ctx: Ctx, args: list[str]) -> str:
    if len(args) not in (1, 2):
        raise Usage()
    return await jira_slack.for_ticket(ctx, parse_ticket(args[0]), args[1] if args[1:] else None)


async def cmd_draft(ctx: Ctx, args: list[str]) -> Reply:
    from handlers import drafts  # it builds on this module's Reply and Usage

    return await drafts.for_command(ctx, args)


async def cmd_resolve(ctx: Ctx, args: list[str]) -> str:
    from handlers import resolve  # it builds on this module's Ctx and Usage

    return await resolve.for_command(ctx, args)


async def cmd_report(ctx: Ctx, args: list[str]) -> str:
    from handlers import report  # it builds on this module's Ctx and Usage

    return await report.for_command(ctx, args)


def _soon(name: str, usage: str, action: Action) -> Subcommand:
    return Subcommand(name, action, usage, lambda _: _("coming soon"))


COMMANDS: dict[str, Subcommand] = {
    c.name: c
    for c in (
        Subcommand("help", Action.HELP, "/baton help", lambda _: _("this list"), cmd_help),
        Subcommand(
            "who", Action.WHO, "/baton who", lambda _: _("who is on shift now and next"), cmd_who
        ),
        Subcommand(
            "queue",
            Action.QUEUE,
            "/baton queue [@user]",
            lambda _: _("open escalations, oldest SLA first"),
            cmd_queue,
        ),
        Subcommand(
            "claim",
            Action.CLAIM,
            "/baton claim <ticket>",
            lambda _: _("take an escalation"),
            cmd_claim,
        ),
        Subcommand(
            "assign",
            Action.ASSIGN,
            "/baton assign <ticket> @user",
            lambda _: _("hand an escalation over"),
            cmd_assign,
        ),
        Subcommand(
            "away",
            Action.AWAY,
            "/baton away [30m|2h|1d]",
            lambda _: _("stop receiving escalations (default: until your shift ends)"),
            cmd_away,
        ),
        Subcommand(
            "back", Action.BACK, "/baton back", lambda _: _("receive escalations again"), cmd_back
        ),
        Subcommand(
            "cover",
            Action.COVER,
            "/baton cover @a for @b [until]",
            lambda _: _("@a takes @b's shift (until a time like 18:00 or for 4h)"),
            cmd_cover,
        ),
        Subcommand(
            "txn",
            Action.TXN,
            "/baton txn <transaction id | provider reference | e-mail | customer id>",
            lambda _: _("a customer's transactions, failures explained"),
            cmd_txn,
        ),
        Subcommand(
            "draft",
            Action.DRAFT,
            "/baton draft <ticket> [template] [lang]",
            lambda _: _("a reply to the customer in their language, to send or edit"),
            cmd_draft,
        ),
        Subcommand(
            "jira",
            Action.JIRA,
            "/baton jira <ticket> [project]",
            lambda _: _("create and link a Jira issue"),
            cmd_jira,
        ),
        Subcommand(
            "resolve",
            Action.RESOLVE,
            "/baton resolve <ticket>",
            lambda _: _("record how an escalation ended (root cause, outcome) and close it"),
            cmd_resolve,
        ),
        Subcommand(
            "report",
            Action.REPORT,
            "/baton report [week|month]",
            lambda _: _("the week's or month's numbers and charts, for leads"),
            cmd_report,
        ),
        _soon("kyc", "/baton kyc <doc type> <number>", Action.KYC),
    )
}


async def dispatch(ctx: Ctx, text: str) -> str | Reply:
    """Run one `/baton …` request and return the (ephemeral) answer; never raises."""
    _ = ctx._
    words = text.split()
    if not words:
        return await cmd_help(ctx, [])
    sub = COMMANDS.get(words[0].lower())
    if sub is None:
        unknown = _("Unknown command `{command}`.").format(command=escape(words[0][:40]))
        return f"{unknown}\n{await cmd_help(ctx, [])}"
    if not allowed(ctx.actor, sub.action):
        return _("Sorry, `/baton {command}` is for the analysts on the roster.").format(
            command=sub.name
        )
    if sub.handler is None:
        return _("`/baton {command}` is coming soon.").format(command=sub.name)
    try:
        return await sub.handler(ctx, words[1:])
    except Usage:
        return _("Usage: `{usage}`").format(usage=sub.usage)
    except (UserFacingError, NotFound) as err:
        return refusal(_, err)
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("slack.command_failed", extra={"command": sub.name, "error_id": error_id})
        return _("Something went wrong (error id {error_id}).").format(error_id=error_id)
