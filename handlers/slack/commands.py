"""The `/baton` dispatcher: one table row per subcommand (handler, permission, usage line).

Adding a subcommand later is one ``Subcommand`` row in ``COMMANDS``, its function in the
module of its capability. Every failure becomes an ephemeral message for the user: their
usage line, a refusal, or an error id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import i18n
from bot.desk.permissions import Action, allowed
from bot.errors import NotFound, UserFacingError
from bot.slack_messages import desk as render
from bot.slack_messages.text import escape
from handlers.slack import desk, drafts, incidents, jira, kyc, money, report, resolve, txn
from handlers.slack.request import Answer, Ctx, Usage, refusal

log = logging.getLogger(__name__)

Handler = Callable[[Ctx, list[str]], Awaitable[Answer]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    action: Action
    usage: str
    describe: Callable[[i18n.Gettext], str]
    handler: Handler | None = None  # None: coming soon


async def help_text(ctx: Ctx, _args: list[str]) -> str:
    """`/baton help`: every subcommand's usage line."""
    entries = [(c.usage, c.describe(ctx._)) for c in COMMANDS.values()]
    return render.help_text(ctx._, entries)


COMMANDS: dict[str, Subcommand] = {
    c.name: c
    for c in (
        Subcommand("help", Action.HELP, "/baton help", lambda _: _("this list"), help_text),
        Subcommand(
            "who", Action.WHO, "/baton who", lambda _: _("who is on shift now and next"), desk.who
        ),
        Subcommand(
            "queue",
            Action.QUEUE,
            "/baton queue [@user]",
            lambda _: _("open escalations, oldest SLA first"),
            desk.queue,
        ),
        Subcommand(
            "claim",
            Action.CLAIM,
            "/baton claim <ticket>",
            lambda _: _("take an escalation"),
            desk.claim,
        ),
        Subcommand(
            "assign",
            Action.ASSIGN,
            "/baton assign <ticket> @user",
            lambda _: _("hand an escalation over"),
            desk.assign,
        ),
        Subcommand(
            "away",
            Action.AWAY,
            "/baton away [30m|2h|1d]",
            lambda _: _("stop receiving escalations (default: until your shift ends)"),
            desk.away,
        ),
        Subcommand(
            "back", Action.BACK, "/baton back", lambda _: _("receive escalations again"), desk.back
        ),
        Subcommand(
            "cover",
            Action.COVER,
            "/baton cover @a for @b [until]",
            lambda _: _("@a takes @b's shift (until a time like 18:00 or for 4h)"),
            desk.cover,
        ),
        Subcommand(
            "txn",
            Action.TXN,
            "/baton txn <transaction id | provider reference | e-mail | customer id>",
            lambda _: _("a customer's transactions, failures explained"),
            txn.command,
        ),
        Subcommand(
            "draft",
            Action.DRAFT,
            "/baton draft <ticket> [template] [lang]",
            lambda _: _("a reply to the customer in their language, to send or edit"),
            drafts.command,
        ),
        Subcommand(
            "jira",
            Action.JIRA,
            "/baton jira <ticket> [project]",
            lambda _: _("create and link a Jira issue"),
            jira.command,
        ),
        Subcommand(
            "resolve",
            Action.RESOLVE,
            "/baton resolve <ticket>",
            lambda _: _("record how an escalation ended (root cause, outcome) and close it"),
            resolve.command,
        ),
        Subcommand(
            "report",
            Action.REPORT,
            "/baton report [week|month]",
            lambda _: _("the week's or month's numbers and charts, for leads"),
            report.command,
        ),
        # Money movements under four-eyes approval (SPEC §14).
        Subcommand(
            "credit",
            Action.MONEY,
            "/baton credit <ticket> <amount> <currency> <reason> [note]",
            lambda _: _("ask to credit a customer; someone else approves"),
            money.credit,
        ),
        Subcommand(
            "debit",
            Action.MONEY,
            "/baton debit <ticket> <amount> <currency> <reason> [note]",
            lambda _: _("ask to debit a customer; someone else approves"),
            money.debit,
        ),
        Subcommand(
            "refund",
            Action.MONEY,
            "/baton refund <transaction> [amount] [reason] [note]",
            lambda _: _("ask to refund a payment, all of it or part"),
            money.refund,
        ),
        Subcommand(
            "release",
            Action.MONEY,
            "/baton release <transaction> [note]",
            lambda _: _("ask compliance to release a held withdrawal"),
            money.release,
        ),
        Subcommand(
            "executed",
            Action.MONEY,
            "/baton executed <request> <reference>",
            lambda _: _("record the back office's reference of a movement done by hand"),
            money.executed,
        ),
        Subcommand(
            "kyc",
            Action.KYC,
            "/baton kyc <doc type> <number> | mrz <lines> | <ticket>",
            lambda _: _("check a document number, a passport's MRZ, or a ticket's documents"),
            kyc.command,
        ),
        Subcommand(
            "incident",
            Action.INCIDENT,
            "/baton incident [open <provider> [category] | link <ticket> <incident> | "
            "unlink <ticket> | resolve <incident>]",
            lambda _: _("provider incidents: the wave worked and answered as one"),
            incidents.command,
        ),
    )
}


async def dispatch(ctx: Ctx, text: str) -> Answer:
    """Run one `/baton …` request and return the (ephemeral) answer; never raises."""
    _ = ctx._
    words = text.split()
    if not words:
        return await help_text(ctx, [])
    sub = COMMANDS.get(words[0].lower())
    if sub is None:
        unknown = _("Unknown command `{command}`.").format(command=escape(words[0][:40]))
        return f"{unknown}\n{await help_text(ctx, [])}"
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
