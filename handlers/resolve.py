"""`/baton resolve <ticket>`, the Resolve button (alerts, App Home) and the Resolve modal.

The rules (who may, what is stored, what the ticket, Jira and the alerts get) live in
``bot.resolutions``; this module opens the modal, reads its values back, and answers with
``response_action: errors`` when the form is not complete.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import NotFound, UserFacingError
from bot.resolutions import resolve as core
from bot.resolutions.form import Field, Raw, parse
from bot.slack_messages import resolve as render
from bot.slack_messages.resolve import ResolveView
from handlers.actions import (
    Respond,
    escalation_id_of,
    open_form,
    slack_call,
)
from handlers.commands import Ctx, Usage, parse_ticket, refusal
from handlers.context import Origin, UserLocales, dig
from handlers.home import publish_home
from handlers.slack_ids import AlertAction

log = logging.getLogger(__name__)


async def _modal(
    ctx: Ctx, *, escalation_id: int | None = None, ticket_id: int | None = None
) -> dict[str, Any]:
    esc, stored = await core.for_form(
        ctx.services, actor=ctx.actor, escalation_id=escalation_id, ticket_id=ticket_id
    )
    return render.modal(ctx._, escalation_id=esc.id, ticket_id=esc.ticket_id, stored=stored)


async def for_command(ctx: Ctx, args: list[str]) -> str:
    """`/baton resolve <ticket>`: open the Resolve modal (prefilled when amending)."""
    if len(args) != 1:
        raise Usage()
    view = await _modal(ctx, ticket_id=parse_ticket(args[0]))
    if ctx.open_view is not None and await ctx.open_view(view):
        return ""
    return ctx._("Slack did not open the form in time: try again.")


def values(view: dict[str, Any]) -> Raw:
    """The submitted values by field, as the modal's inputs send them."""
    state = dig(view, "state", "values") or {}
    out: dict[Field, str | list[str] | None] = {}
    for field in Field:
        element = dig(state, str(field), render.action_id(field))
        if not isinstance(element, dict):
            continue
        if isinstance(element.get("value"), str):
            out[field] = element["value"]
        elif isinstance(dig(element, "selected_option", "value"), str):
            out[field] = dig(element, "selected_option", "value")
        elif isinstance(element.get("selected_options"), list):
            out[field] = [
                str(o.get("value")) for o in element["selected_options"] if isinstance(o, dict)
            ]
    return out


def _errors(ctx: Ctx, errors: dict[Field, str]) -> dict[str, str]:
    return {str(field): ctx._(msgid) for field, msgid in errors.items()}


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for the Resolve button and the Resolve modal."""
    services, slack = locales.services, locales.slack

    @bolt.action(str(AlertAction.RESOLVE))
    async def on_resolve(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        origin = Origin.of(body)
        # The trigger_id lasts 3 seconds: only the database before views.open, no users.info.
        ctx = locales.ctx_now(origin.user_id)

        async def build() -> dict[str, Any]:
            return await _modal(ctx, escalation_id=escalation_id_of(action.get("value")))

        await open_form(slack, ctx, origin, respond, build, again=ctx._("Press Resolve again."))

    @bolt.view(str(ResolveView.CALLBACK))
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        origin = Origin.of(body)
        ctx = locales.ctx_now(origin.user_id)
        parsed = parse(values(view))
        if isinstance(parsed, dict):
            await ack(response_action="errors", errors=_errors(ctx, parsed))
            return
        try:
            escalation_id = escalation_id_of(view.get("private_metadata"))
            async with services.db.session() as s:
                row = await core.resolve(
                    s,
                    services=services,
                    actor=ctx.actor,
                    form=parsed,
                    now=services.clock(),
                    escalation_id=escalation_id,
                )
        except (UserFacingError, NotFound) as err:
            await ack(response_action="errors", errors={str(Field.SUMMARY): refusal(ctx._, err)})
            return
        await ack()
        log.info(
            "slack.resolved",
            extra={"escalation": row.escalation_id, "amendments": row.amendments},
        )
        if ctx.actor.analyst is not None:
            # Its queue (and "needs a root cause") just changed.
            await slack_call("slack.home_publish_failed", publish_home(slack, ctx))
