"""The desk from Slack: who is on shift, queues, claims, hand-overs, cover, away and back.

`/baton who|queue|claim|assign|away|back|cover`, the alerts' Claim, Take and Reassign buttons,
the Reassign modal, and the App Home's Away/Back. The rules live in ``bot.desk`` and
``bot.escalations.lifecycle``; this module reads the request, calls them and says what happened.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import i18n
from bot.desk import availability
from bot.desk.on_shift import who_is_on
from bot.desk.permissions import require_assign
from bot.domain import Analyst
from bot.errors import N_, NotFound, UserFacingError, UserFacingNotFound
from bot.escalations import lifecycle
from bot.slack_messages import desk as render
from bot.slack_messages.ids import AlertAction, BlockId, CallbackId
from bot.store.models import Escalation
from bot.timers import offer
from handlers.slack.payloads import ButtonPress, Origin, ViewSubmission
from handlers.slack.request import (
    Ctx,
    Respond,
    Responder,
    Usage,
    escalation_id_of,
    parse_ticket,
    refusal,
    run_work,
    slack_call,
)

log = logging.getLogger(__name__)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


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


async def who(ctx: Ctx, _args: list[str]) -> str:
    """`/baton who`: who is on shift now and next."""
    async with ctx.services.db.session() as s:
        marks = await availability.current(s, now=ctx.now)
    desk = who_is_on(ctx.services.roster, now=ctx.now, marks=marks)
    return render.who_text(ctx._, desk, locale=ctx.locale, tz=ctx.tz)


async def queue(ctx: Ctx, args: list[str]) -> str:
    """`/baton queue [@user]`."""
    if len(args) > 1:
        raise Usage()
    whose = resolve_user(ctx, args[0]) if args else _me(ctx)
    async with ctx.services.db.session() as s:
        rows = await lifecycle.queue(s, analyst_key=whose.key, viewer=ctx.actor, now=ctx.now)
    return render.queue_text(
        ctx._, rows, whose=whose.name, locale=ctx.locale, tz=ctx.tz, now=ctx.now
    )


async def claim(ctx: Ctx, args: list[str]) -> str:
    """`/baton claim <ticket>`."""
    if len(args) != 1:
        raise Usage()
    ticket = parse_ticket(args[0])
    async with ctx.services.db.session() as s:
        await lifecycle.claim(
            s, services=ctx.services, actor=ctx.actor, now=ctx.now, ticket_id=ticket
        )
    return ctx._("You claimed ticket #{ticket}.").format(ticket=ticket)


async def assign(ctx: Ctx, args: list[str]) -> str:
    """`/baton assign <ticket> @user`."""
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


async def away(ctx: Ctx, args: list[str]) -> str:
    """`/baton away [30m|2h|1d]` and the Home tab's Away button."""
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


async def back(ctx: Ctx, args: list[str]) -> str:
    """`/baton back` and the Home tab's Back button."""
    if args:
        raise Usage()
    me = _me(ctx)
    async with ctx.services.db.session() as s:
        await availability.mark_back(s, analyst=me, now=ctx.now, actor=ctx.actor.key)
    return ctx._("Welcome back: you receive escalations again.")


async def cover(ctx: Ctx, args: list[str]) -> str:
    """`/baton cover @a for @b [until]`."""
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


async def claim_button(ctx: Ctx, press: ButtonPress) -> str:
    """The Claim button on an alert."""
    async with ctx.services.db.session() as s:
        esc = await lifecycle.claim(
            s,
            services=ctx.services,
            actor=ctx.actor,
            now=ctx.now,
            escalation_id=escalation_id_of(press.value),
        )
    return ctx._("You claimed ticket #{ticket}.").format(ticket=esc.ticket_id)


async def take_button(ctx: Ctx, press: ButtonPress) -> str:
    """The Take button on a breach offer (its value is sealed)."""
    offered = offer.unseal(ctx.services, press.value, now=ctx.now)
    async with ctx.services.db.session() as s:
        esc = await offer.take(
            s, services=ctx.services, actor=ctx.actor, now=ctx.now, offer=offered
        )
    return ctx._("You took ticket #{ticket}.").format(ticket=esc.ticket_id)


async def away_button(ctx: Ctx, _press: ButtonPress) -> str:
    """The Home tab's Away button: away until the end of the shift."""
    return await away(ctx, [])


async def back_button(ctx: Ctx, _press: ButtonPress) -> str:
    """The Home tab's Back button."""
    return await back(ctx, [])


async def _reassign_form(ctx: Ctx, escalation_id: int) -> dict[str, Any]:
    async with ctx.services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    if esc is None:
        raise UserFacingNotFound(N_("This escalation no longer exists."))
    require_assign(ctx.actor, current_analyst_key=esc.analyst_key)
    return render.reassign_modal(ctx._, escalation_id=esc.id, ticket_id=esc.ticket_id)


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for the Reassign button and the Reassign modal."""
    services, locales = responder.services, responder.locales

    @bolt.action(str(AlertAction.REASSIGN))
    async def on_reassign(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        press = ButtonPress.of(body, action)
        origin: Origin = press.origin
        # A trigger_id is good for 3 seconds: open the modal before any lookup (users.info,
        # the database), with the language already known, then fill it in.
        first = locales.ctx_now(origin.user_id)
        loading = render.notice_modal(first._, title=first._("Reassign"), text=first._("Loading…"))
        opened = await responder.open_view(origin.trigger_id, loading)
        ctx = await locales.ctx(origin.user_id)
        if opened is None:
            text = ctx._("Slack did not open the form in time: press the button again.")
            await responder.answer(ctx, origin, respond, text)
            return
        form: dict[str, Any] = {}

        async def work() -> str:
            form.update(await _reassign_form(ctx, escalation_id_of(press.value)))
            return ""

        text = await run_work(ctx, work)
        view = form or render.notice_modal(ctx._, title=ctx._("Reassign"), text=text)
        # The hash guards against overwriting a newer state of the view (Slack: hash_conflict);
        # a modal the user already closed is not_found. Either way there is nothing to show.
        await slack_call(
            "slack.modal_not_updated",
            services.slack.views_update(opened.id, opened.hash, view),
        )

    @bolt.view(str(CallbackId.REASSIGN))
    async def on_reassign_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        ctx = locales.ctx_now(submitted.user_id)
        picked = submitted.user(str(BlockId.REASSIGN_USER), str(BlockId.REASSIGN_USER_ACTION))
        assignee = services.roster.by_slack_id(picked or "")
        if assignee is None:
            errors = {str(BlockId.REASSIGN_USER): ctx._("Pick an analyst on the roster.")}
            await ack(response_action="errors", errors=errors)
            return
        try:
            async with services.db.session() as s:
                esc = await lifecycle.assign(
                    s,
                    services=services,
                    actor=ctx.actor,
                    assignee=assignee,
                    now=ctx.now,
                    escalation_id=escalation_id_of(submitted.private_metadata),
                )
        except (UserFacingError, NotFound) as err:
            errors = {str(BlockId.REASSIGN_USER): refusal(ctx._, err)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        log.info("slack.reassigned", extra={"escalation": esc.id, "to": assignee.key})
        # The modal may have been opened from the Home tab: its queue just changed.
        await responder.refresh_home(ctx)
