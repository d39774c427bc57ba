"""`/baton txn`, the alerts' Transactions button and the answer's "More" button.

The lookup (role check, audit entry, which key a query names) is ``bot.transactions.lookup``;
this module reads the request, calls it, and renders one page. The "More" button has to carry
what was searched, and a button's value is stored in Slack with the message: it is sealed
(bot/sealing.py: Fernet, keyed from the signing secret) so the customer's e-mail never sits
there in clear, and a value nobody here sealed is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.errors import N_, UserFacingError
from bot.sealing import Sealer, Unsealable
from bot.slack_messages import transactions as render
from bot.store.models import Escalation
from bot.transactions.lookup import LookupResult, lookup, lookup_for_escalation, parse_query

if TYPE_CHECKING:
    from handlers.commands import Ctx

Rendered = tuple[str, list[dict[str, Any]]]
PAGE_TTL = 24 * 3600  # seconds a "More" button keeps working (its page may be stale by then)


@dataclass(frozen=True)
class Page:
    """Which page of which lookup: a query typed, or an escalation's customer."""

    query: str | None = None
    escalation_id: int | None = None
    cursor: str | None = None
    first: int = 1  # position of the page's first transaction


def _sealer(ctx: Ctx) -> Sealer:
    return Sealer(ctx.services.settings.slack_signing_secret, "txn-more")


def seal(ctx: Ctx, page: Page) -> str:
    """The More button's value for a page: sealed, so the query is not readable in Slack."""
    data = {"q": page.query, "e": page.escalation_id, "c": page.cursor, "n": page.first}
    return _sealer(ctx).seal(data, now=ctx.now)


def unseal(ctx: Ctx, value: object) -> Page:
    """Read a More button's value back; an expired or foreign one is out of date."""
    try:
        data = _sealer(ctx).open(value, ttl=PAGE_TTL, now=ctx.now)
        page = Page(query=data["q"], escalation_id=data["e"], cursor=data["c"], first=data["n"])
    except (Unsealable, KeyError, TypeError) as err:
        raise UserFacingError(N_("This button is out of date: search again.")) from err
    return page


async def _ticket(ctx: Ctx, escalation_id: int) -> int | None:
    async with ctx.services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    return esc.ticket_id if esc else None


async def show(ctx: Ctx, page: Page) -> Rendered:
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
        more = seal(ctx, following)
    # A bare value is tried as id, provider reference and customer id: none of them is "the" key.
    guessed = page.query is not None and parse_query(page.query)[0] is None
    return render.answer(
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


async def for_query(ctx: Ctx, query: str) -> Rendered:
    """The first page for what was typed after `/baton txn`."""
    return await show(ctx, Page(query=query))


async def for_escalation(ctx: Ctx, escalation_id: int) -> Rendered:
    """The first page for an escalation's customer (the alert's Transactions button)."""
    return await show(ctx, Page(escalation_id=escalation_id))


async def more(ctx: Ctx, value: object) -> Rendered:
    """The page a More button asks for."""
    return await show(ctx, unseal(ctx, value))
