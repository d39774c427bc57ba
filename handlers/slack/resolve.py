"""`/baton resolve <ticket>`, the Resolve button (alerts, App Home) and the Resolve modal.

The rules (who may, what is stored, what the ticket, Jira and the alerts get) live in
``bot.resolutions``; this module opens the modal, reads its values back, and answers with
``response_action: errors`` when the form is not complete.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import N_, NotFound, UserFacingError
from bot.resolutions import resolve as core
from bot.resolutions.form import Raw, parse
from bot.slack_messages import resolve as render
from bot.slack_messages.ids import AlertAction, ResolveField, ResolveView
from handlers.slack.payloads import ButtonPress, ViewSubmission
from handlers.slack.request import (
    Ctx,
    Responder,
    Usage,
    escalation_id_of,
    parse_ticket,
    refusal,
)

log = logging.getLogger(__name__)


async def _modal(
    ctx: Ctx, *, escalation_id: int | None = None, ticket_id: int | None = None
) -> dict[str, Any]:
    esc, stored = await core.for_form(
        ctx.services, actor=ctx.actor, escalation_id=escalation_id, ticket_id=ticket_id
    )
    return render.modal(ctx._, escalation_id=esc.id, ticket_id=esc.ticket_id, stored=stored)


async def command(ctx: Ctx, args: list[str]) -> str:
    """`/baton resolve <ticket>`: open the Resolve modal (prefilled when amending)."""
    if len(args) != 1:
        raise Usage()
    view = await _modal(ctx, ticket_id=parse_ticket(args[0]))
    if ctx.open_view is not None and await ctx.open_view(view):
        return ""
    return ctx._("Slack did not open the form in time: try again.")


def values(submitted: ViewSubmission) -> Raw:
    """The submitted values by field, as the modal's inputs send them."""
    out: dict[ResolveField, str | list[str] | None] = {}
    for field in ResolveField:
        block, element = str(field), field.input_id
        if not submitted.element(block, element):
            continue
        typed, picked = submitted.text(block, element), submitted.picked(block, element)
        ticked = submitted.picked_all(block, element)
        if typed is not None:
            out[field] = typed
        elif picked is not None:
            out[field] = picked
        elif ticked is not None:
            out[field] = ticked
    return out


def _errors(ctx: Ctx, errors: dict[ResolveField, str]) -> dict[str, str]:
    return {str(field): ctx._(msgid) for field, msgid in errors.items()}


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for the Resolve button and the Resolve modal."""
    services, locales = responder.services, responder.locales

    async def form(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        return await _modal(ctx, escalation_id=escalation_id_of(press.value))

    responder.form_button(bolt, AlertAction.RESOLVE, form, again=N_("Press Resolve again."))

    @bolt.view(str(ResolveView.CALLBACK))
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        ctx = locales.ctx_now(submitted.user_id)
        parsed = parse(values(submitted))
        if isinstance(parsed, dict):
            await ack(response_action="errors", errors=_errors(ctx, parsed))
            return
        try:
            escalation_id = escalation_id_of(submitted.private_metadata)
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
            summary = str(ResolveField.SUMMARY)
            await ack(response_action="errors", errors={summary: refusal(ctx._, err)})
            return
        await ack()
        log.info(
            "slack.resolved",
            extra={"escalation": row.escalation_id, "amendments": row.amendments},
        )
        # Its queue (and "needs a root cause") just changed.
        await responder.refresh_home(ctx)
