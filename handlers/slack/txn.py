"""`/baton txn`, the alerts' Transactions button and the answer's "More" button.

The lookup (role check, audit entry, which key a query names) is ``bot.transactions.lookup``;
this module reads the request, calls it, and renders one page. The "More" button has to carry
what was searched, sealed (``bot.sealing``: Fernet, keyed from the signing secret) so the
customer's e-mail never sits in Slack in clear, and a value nobody here sealed is refused.
"""

from __future__ import annotations

from dataclasses import replace

from bot.sealing import LookupPage, open_lookup_page, seal_lookup_page
from bot.slack_messages import transactions as render
from bot.store.models import Escalation
from bot.transactions.lookup import LookupResult, lookup, lookup_for_escalation, parse_query
from handlers.slack.payloads import ButtonPress
from handlers.slack.request import Ctx, Reply, Usage, escalation_id_of


async def _ticket(ctx: Ctx, escalation_id: int) -> int | None:
    async with ctx.services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    return esc.ticket_id if esc else None


async def show(ctx: Ctx, page: LookupPage) -> Reply:
    """Look one page up and render it, with a More button when there is a next one."""
    ticket = None
    result: LookupResult
    if page.escalation_id is not None:
        result = await lookup_for_escalation(
            ctx.services, actor=ctx.actor, escalation_id=page.escalation_id, cursor=page.cursor
        )
        ticket = await _ticket(ctx, page.escalation_id)
    else:
        result = await lookup(
            ctx.services, actor=ctx.actor, query=page.query or "", cursor=page.cursor
        )
    more = None
    if result.next_cursor:
        following = replace(
            page, cursor=result.next_cursor, first=page.first + len(result.transactions)
        )
        more = seal_lookup_page(ctx.services.settings.secret_key, following, now=ctx.now)
    # A bare value is tried as id, provider reference and customer id: none of them is "the" key.
    guessed = page.query is not None and parse_query(page.query)[0] is None
    return Reply(
        *render.answer(
            ctx._,
            value=result.value,
            by=None if guessed and not result.transactions else result.by,
            transactions=result.transactions,
            first=page.first,
            more=more,
            ticket=ticket,
            locale=ctx.locale,
            tz=ctx.tz,
        )
    )


async def command(ctx: Ctx, args: list[str]) -> Reply:
    """`/baton txn <query>`: the first page for what was typed."""
    if not args:
        raise Usage()
    return await show(ctx, LookupPage(query=" ".join(args)))


async def for_escalation(ctx: Ctx, press: ButtonPress) -> Reply:
    """The alert's Transactions button: the first page for the escalation's customer."""
    return await show(ctx, LookupPage(escalation_id=escalation_id_of(press.value)))


async def more(ctx: Ctx, press: ButtonPress) -> Reply:
    """The page a More button asks for."""
    secret = ctx.services.settings.secret_key
    return await show(ctx, open_lookup_page(secret, press.value, now=ctx.now))
