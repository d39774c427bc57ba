"""`/baton kyc <type> <number>`, `/baton kyc mrz <lines>` and `/baton kyc <ticket>`.

Reads the words, calls bot/kyc, renders with bot/slack_messages/kyc; every answer is ephemeral
and shows numbers masked but for their last characters.
"""

from __future__ import annotations

from bot.documents.numbers import MODULES
from bot.kyc import check
from bot.slack_messages import kyc as render
from handlers.slack.request import Ctx, Reply, Usage


async def command(ctx: Ctx, args: list[str]) -> Reply | str:
    """Route the words to a number, an MRZ or a ticket check."""
    if not args:
        raise Usage()
    first = args[0].lower()
    if first.lstrip("#").isdigit() and len(args) == 1:
        ticket_id = int(first.lstrip("#"))
        found = await check.ticket(ctx.services, actor=ctx.actor, ticket_id=ticket_id)
        return Reply(*render.ticket_answer(ctx._, ticket_id=ticket_id, found=found))
    if first == "mrz":
        if len(args) < 3:
            raise Usage()
        zone = await check.machine_zone(ctx.services, actor=ctx.actor, lines=args[1:])
        return Reply(*render.mrz_answer(ctx._, zone.zone, list(zone.lines)))
    if first not in MODULES or len(args) < 2:
        return render.types_help(ctx._)
    # A number may be typed with spaces ("390 533 447 05"): the rest of the line is the number.
    result = await check.number(ctx.services, actor=ctx.actor, kind=first, value="".join(args[1:]))
    return Reply(*render.number_answer(ctx._, result))
