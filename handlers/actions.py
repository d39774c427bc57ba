"""Buttons and modals: alert buttons (Claim, Reassign, …), the Reassign modal, Away/Back.

The same buttons live on messages (alerts, DMs) and on the App Home tab. A message button is
answered ephemerally through its ``response_url``; a Home-tab button has none, so it is
answered by re-publishing the tab (which shows the new state) and a DM with the outcome.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp

from bot.desk.permissions import Action, allowed, can_assign
from bot.errors import N_, IntegrationError, NotFound, UserFacingError, UserFacingNotFound
from bot.escalations import lifecycle
from bot.masking import mask
from bot.ports import SlackPost
from bot.slack_messages import blocks
from bot.slack_messages.jira import JiraAction
from bot.store.models import Escalation
from bot.timers import offer
from handlers import commands, jira_slack, txn
from handlers.commands import Ctx, Reply, refusal
from handlers.context import Origin, UserLocales, dig
from handlers.home import publish_home
from handlers.slack_ids import AlertAction, BlockId, CallbackId, HomeAction, TxnAction
from integrations.slack import SlackClient

log = logging.getLogger(__name__)

T = TypeVar("T")
Respond = Callable[..., Awaitable[Any]]
Work = Callable[[Ctx], Awaitable[str | Reply]]
COMING_SOON: tuple[AlertAction, ...] = ()  # buttons shown before their feature lands


async def run_work(ctx: Ctx, work: Callable[[], Awaitable[T]]) -> T | str:
    """Run a button's work; return its answer, a refusal, or an error id. Never raises."""
    try:
        return await work()
    except (UserFacingError, NotFound) as err:
        return refusal(ctx._, err)
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("slack.action_failed", extra={"error_id": error_id})
        return ctx._("Something went wrong (error id {error_id}).").format(error_id=error_id)


async def slack_call(event: str, call: Awaitable[Any]) -> Any:
    """Make a best-effort Slack call: failures are logged, never raised to bolt."""
    try:
        return await call
    except IntegrationError as err:  # expected now and then (expired trigger, closed modal)
        log.warning(event, extra={"error": str(err)})
    except Exception:
        log.exception(event)
    return None


async def answer(
    slack: SlackClient,
    ctx: Ctx,
    origin: Origin,
    respond: Respond,
    text: str | Reply,
    *,
    replace_original: bool = False,
) -> None:
    """Tell the user how it went, the way the surface allows; never raises.

    ``replace_original`` swaps the message the button was on for a ``Reply`` (a next page);
    a plain-text answer (a refusal) never replaces it.
    """
    if origin.on_home:
        await slack_call("slack.home_publish_failed", publish_home(slack, ctx))
    if not text:
        return
    body, blocks = (text.text, text.blocks) if isinstance(text, Reply) else (text, [])
    if origin.response_url and not origin.on_home:
        swap = replace_original and isinstance(text, Reply)
        extra = {"blocks": blocks} if blocks else {}
        reply = respond(text=body, response_type="ephemeral", replace_original=swap, **extra)
        await slack_call("slack.respond_failed", reply)
    else:
        # No message to answer under (Home tab): the app's DM with the user.
        dm = slack.post(SlackPost(channel=origin.user_id, text=mask(body), blocks=blocks))
        await slack_call("slack.dm_failed", dm)


async def open_form(
    slack: SlackClient,
    ctx: Ctx,
    origin: Origin,
    respond: Respond,
    build: Callable[[], Awaitable[dict[str, Any]]],
    *,
    again: str,
) -> None:
    """Open the modal build() makes (within the trigger_id's 3 seconds), or say why not.

    ``again``: the translated hint shown when there was no form to open ("Press Edit again.").
    """
    modal: dict[str, Any] = {}

    async def work() -> str:
        modal.update(await build())
        return ""

    text = await run_work(ctx, work)
    if modal and origin.trigger_id:
        opened = await slack_call(
            "slack.modal_not_opened", slack.views_open(origin.trigger_id, modal)
        )
        if opened is not None:
            return
        text = ctx._("Slack did not open the form in time: press the button again.")
    await answer(slack, ctx, origin, respond, text or again)


async def _open_loading(slack: SlackClient, ctx: Ctx, origin: Origin) -> tuple[str, str] | None:
    """Open a modal saying "Loading…"; return its view id and hash (None: not opened)."""
    if not origin.trigger_id:
        return None
    view = blocks.notice_modal(ctx._, title=ctx._("Reassign"), text=ctx._("Loading…"))
    opened = await slack_call("slack.modal_not_opened", slack.views_open(origin.trigger_id, view))
    if opened is None:
        return None
    return str(opened["view"]["id"]), str(opened["view"]["hash"])


def escalation_id_of(value: object) -> int:
    """The escalation id a button or modal carries (a positive database id)."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise UserFacingError(N_("This button is out of date."))
    return int(text)


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for alert buttons, the Reassign modal and the App Home buttons."""
    services = locales.services

    slack = locales.slack

    async def button(
        body: dict[str, Any],
        respond: Respond,
        work: Work,
        *,
        home_only: bool = False,
        replace_original: bool = False,
    ) -> None:
        origin = Origin.of(body)
        if home_only:
            origin = replace(origin, on_home=True)
        ctx = await locales.ctx(origin.user_id)
        text = await run_work(ctx, lambda: work(ctx))
        await answer(slack, ctx, origin, respond, text, replace_original=replace_original)

    @bolt.action(str(AlertAction.CLAIM))
    async def on_claim(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
    ) -> None:
        await ack()

        async def work(ctx: Ctx) -> str:
            if not allowed(ctx.actor, Action.CLAIM):
                return ctx._("Sorry, only analysts on the roster can do that.")
            async with services.db.session() as s:
                esc = await lifecycle.claim(
                    s,
                    services=services,
                    actor=ctx.actor,
                    now=ctx.now,
                    escalation_id=escalation_id_of(action.get("value")),
                )
            return ctx._("You claimed ticket #{ticket}.").format(ticket=esc.ticket_id)

        await button(body, respond, work)

    @bolt.action(str(AlertAction.TAKE))
    async def on_take(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
    ) -> None:
        await ack()

        async def work(ctx: Ctx) -> str:
            if not allowed(ctx.actor, Action.CLAIM):
                return ctx._("Sorry, only analysts on the roster can do that.")
            offered = offer.unseal(services, action.get("value"), now=ctx.now)
            async with services.db.session() as s:
                esc = await offer.take(
                    s, services=services, actor=ctx.actor, now=ctx.now, offer=offered
                )
            return ctx._("You took ticket #{ticket}.").format(ticket=esc.ticket_id)

        await button(body, respond, work)

    @bolt.action(str(AlertAction.REASSIGN))
    async def on_reassign(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
    ) -> None:
        await ack()
        origin = Origin.of(body)
        # A trigger_id is good for 3 seconds: open the modal before any lookup (users.info,
        # the database), with the language already known, then fill it in.
        opened = await _open_loading(slack, locales.ctx_now(origin.user_id), origin)
        ctx = await locales.ctx(origin.user_id)
        if opened is None:
            text = ctx._("Slack did not open the form in time: press the button again.")
            await answer(slack, ctx, origin, respond, text)
            return
        modal: dict[str, Any] = {}

        async def work() -> str:
            async with services.db.session() as s:
                esc = await s.get(Escalation, escalation_id_of(action.get("value")))
            if esc is None:
                raise UserFacingNotFound(N_("This escalation no longer exists."))
            if not can_assign(ctx.actor, current_analyst_key=esc.analyst_key):
                return ctx._("Sorry, only a lead or the analyst holding it can reassign this.")
            modal.update(
                blocks.reassign_modal(ctx._, escalation_id=esc.id, ticket_id=esc.ticket_id)
            )
            return ""

        text = await run_work(ctx, work)
        view = modal or blocks.notice_modal(ctx._, title=ctx._("Reassign"), text=text)
        view_id, view_hash = opened
        # The hash guards against overwriting a newer state of the view (Slack: hash_conflict);
        # a modal the user already closed is not_found. Either way there is nothing to show.
        await slack_call(
            "slack.modal_not_updated",
            slack.views_update(view_id, view_hash, view),
        )

    @bolt.view(str(CallbackId.REASSIGN))
    async def on_reassign_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        ctx = locales.ctx_now(Origin.of(body).user_id)
        picked = dig(
            view,
            "state",
            "values",
            str(BlockId.REASSIGN_USER),
            str(BlockId.REASSIGN_USER_ACTION),
            "selected_user",
        )
        assignee = services.roster.by_slack_id(picked if isinstance(picked, str) else "")
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
                    escalation_id=escalation_id_of(view.get("private_metadata")),
                )
        except (UserFacingError, NotFound) as err:
            errors = {str(BlockId.REASSIGN_USER): refusal(ctx._, err)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        log.info("slack.reassigned", extra={"escalation": esc.id, "to": assignee.key})
        if ctx.actor.analyst is not None:
            # The modal may have been opened from the Home tab: its queue just changed.
            await slack_call("slack.home_publish_failed", publish_home(slack, ctx))

    @bolt.action(str(AlertAction.TXN))
    async def on_txn(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
    ) -> None:
        await ack()

        async def work(ctx: Ctx) -> str | Reply:
            if not allowed(ctx.actor, Action.TXN):
                return ctx._("Sorry, only analysts on the roster can do that.")
            return Reply(*await txn.for_escalation(ctx, escalation_id_of(action.get("value"))))

        await button(body, respond, work)

    @bolt.action(str(TxnAction.MORE))
    async def on_txn_more(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
    ) -> None:
        await ack()

        async def work(ctx: Ctx) -> str | Reply:
            if not allowed(ctx.actor, Action.TXN):
                return ctx._("Sorry, only analysts on the roster can do that.")
            return Reply(*await txn.more(ctx, action.get("value")))

        # The next page takes the place of the one the button was on.
        await button(body, respond, work, replace_original=True)

    @bolt.action(str(AlertAction.JIRA))
    async def on_jira(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        value = action.get("value")
        await button(
            body, respond, lambda ctx: jira_slack.for_escalation(ctx, escalation_id_of(value))
        )

    @bolt.action(str(JiraAction.ADD_NOTE))
    async def on_jira_add_note(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        offer_id = action.get("value")
        await button(body, respond, lambda ctx: jira_slack.add_note(ctx, offer_id))

    for coming in COMING_SOON:

        @bolt.action(str(coming))
        async def on_coming_soon(ack: Any, body: dict[str, Any], respond: Respond) -> None:
            await ack()

            async def work(ctx: Ctx) -> str:
                return ctx._("This button is coming soon.")

            await button(body, respond, work)

    @bolt.action(str(HomeAction.AWAY))
    async def on_away(ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await button(body, respond, lambda c: commands.cmd_away(c, []), home_only=True)

    @bolt.action(str(HomeAction.BACK))
    async def on_back(ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await button(body, respond, lambda c: commands.cmd_back(c, []), home_only=True)
