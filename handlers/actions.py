"""Buttons and modals: alert buttons (Claim, Reassign, …), the Reassign modal, Away/Back."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import availability, escalations
from bot.errors import N_, NotFound, UserFacingError, UserFacingNotFound
from bot.models import Escalation
from bot.permissions import Action, allowed, can_assign
from handlers import blocks
from handlers.commands import Ctx, refusal
from handlers.context import UserLocales
from handlers.home import publish_home
from handlers.slack_ids import AlertAction, BlockId, CallbackId, HomeAction

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]
COMING_SOON = (AlertAction.DRAFT, AlertAction.TXN, AlertAction.JIRA, AlertAction.RESOLVE)


async def _say(respond: Respond, text: str) -> None:
    await respond(text=text, response_type="ephemeral", replace_original=False)


async def _guard(ctx: Ctx, respond: Respond, work: Callable[[], Awaitable[str]]) -> None:
    """Run a button's work and answer ephemerally: result (if any), refusal, or an error id."""
    try:
        text = await work()
    except (UserFacingError, NotFound) as err:
        text = refusal(ctx._, err)
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("slack.action_failed", extra={"error_id": error_id})
        text = ctx._("Something went wrong (error id {error_id}).").format(error_id=error_id)
    if text:
        await _say(respond, text)


def _esc_id(action: dict[str, Any]) -> int:
    try:
        return int(action.get("value", ""))
    except ValueError as err:
        raise UserFacingError(N_("This button is out of date.")) from err


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for alert buttons, the Reassign modal and the App Home buttons."""
    services = locales.services

    @bolt.action(str(AlertAction.CLAIM))
    async def on_claim(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Respond,
    ) -> None:
        await ack()
        ctx = await locales.ctx(client, body["user"]["id"])

        async def work() -> str:
            if not allowed(ctx.actor, Action.CLAIM):
                return ctx._("Sorry, only analysts on the roster can do that.")
            async with services.db.session() as s:
                esc = await escalations.claim(
                    s,
                    services=services,
                    actor=ctx.actor,
                    now=ctx.now,
                    escalation_id=_esc_id(action),
                )
            return ctx._("You claimed ticket #{ticket}.").format(ticket=esc.ticket_id)

        await _guard(ctx, respond, work)

    @bolt.action(str(AlertAction.REASSIGN))
    async def on_reassign(
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Respond,
    ) -> None:
        await ack()
        ctx = await locales.ctx(client, body["user"]["id"])

        async def work() -> str:
            async with services.db.session() as s:
                esc = await s.get(Escalation, _esc_id(action))
            if esc is None:
                raise UserFacingNotFound(N_("This escalation no longer exists."))
            if not can_assign(ctx.actor, current_analyst_key=esc.analyst_key):
                return ctx._("Sorry, only a lead or the analyst holding it can reassign this.")
            view = blocks.reassign_modal(ctx._, escalation_id=esc.id, ticket_id=esc.ticket_id)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return ""

        await _guard(ctx, respond, work)

    @bolt.view(str(CallbackId.REASSIGN))
    async def on_reassign_submit(
        ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        ctx = await locales.ctx(client, body["user"]["id"])
        values = view.get("state", {}).get("values", {})
        picked = (
            values.get(str(BlockId.REASSIGN_USER), {})
            .get(str(BlockId.REASSIGN_USER_ACTION), {})
            .get("selected_user")
        )
        assignee = services.roster.by_slack_id(str(picked or ""))
        if assignee is None:
            errors = {str(BlockId.REASSIGN_USER): ctx._("Pick an analyst on the roster.")}
            await ack(response_action="errors", errors=errors)
            return
        try:
            async with services.db.session() as s:
                esc = await escalations.assign(
                    s,
                    services=services,
                    actor=ctx.actor,
                    assignee=assignee,
                    now=ctx.now,
                    escalation_id=int(view.get("private_metadata") or 0),
                )
        except (UserFacingError, NotFound) as err:
            errors = {str(BlockId.REASSIGN_USER): refusal(ctx._, err)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        log.info("slack.reassigned", extra={"escalation": esc.id, "to": assignee.key})

    for coming in COMING_SOON:

        @bolt.action(str(coming))
        async def on_coming_soon(
            ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Respond
        ) -> None:
            await ack()
            ctx = await locales.ctx(client, body["user"]["id"])
            await _say(respond, ctx._("This button is coming soon."))

    @bolt.action(str(HomeAction.AWAY))
    async def on_away(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ctx = await locales.ctx(client, body["user"]["id"])
        me = ctx.actor.analyst
        if me is None:
            return
        async with services.db.session() as s:
            await availability.mark_away(
                s, roster=services.roster, analyst=me, now=ctx.now, actor=ctx.actor.key
            )
        await publish_home(client, ctx)

    @bolt.action(str(HomeAction.BACK))
    async def on_back(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        ctx = await locales.ctx(client, body["user"]["id"])
        me = ctx.actor.analyst
        if me is None:
            return
        async with services.db.session() as s:
            await availability.mark_back(s, analyst=me, now=ctx.now, actor=ctx.actor.key)
        await publish_home(client, ctx)
