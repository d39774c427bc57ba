"""`/baton incident …`, the incident message's buttons and its Resolve modal.

The rules live in ``bot.incidents``; this module parses the words, opens the modals and
answers with ``response_action: errors`` when the form is not complete.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.desk.permissions import Action, require
from bot.errors import N_, NotFound, UserFacingError
from bot.incidents import commands as core
from bot.incidents import overview
from bot.incidents.core import parse_ref
from bot.incidents.resolve import parse_form, resolve
from bot.slack_messages import incidents as render
from bot.slack_messages.ids import IncidentAction, IncidentField
from handlers.slack.payloads import ButtonPress, ViewSubmission
from handlers.slack.request import Ctx, Responder, Usage, parse_ticket, refusal

log = logging.getLogger(__name__)


async def command(ctx: Ctx, args: list[str]) -> str:
    """`/baton incident [open <provider> [category] | link <ticket> <incident> |
    unlink <ticket> | resolve <incident>]`."""
    _ = ctx._
    services = ctx.services
    if not args:
        return render.listing(await overview.open_incidents(services), _, tz=ctx.tz)
    verb, rest = args[0].lower(), args[1:]
    if verb == "open" and len(rest) in (1, 2):
        inc, opened = await core.open_by_hand(
            services, actor=ctx.actor, provider=rest[0], category=rest[1] if len(rest) > 1 else None
        )
        said = _("Opened {incident}.") if opened else _("{incident} is open already.")
        return said.format(incident=inc.ref)
    if verb == "link" and len(rest) == 2:
        inc = await core.link_ticket(
            services,
            actor=ctx.actor,
            ticket_id=parse_ticket(rest[0]),
            incident_id=parse_ref(rest[1]),
        )
        return _("Ticket #{ticket} is in {incident} now.").format(
            ticket=rest[0].lstrip("#"), incident=inc.ref
        )
    if verb == "unlink" and len(rest) == 1:
        inc = await core.unlink_ticket(services, actor=ctx.actor, ticket_id=parse_ticket(rest[0]))
        return _("Ticket #{ticket} is out of {incident}.").format(
            ticket=rest[0].lstrip("#"), incident=inc.ref
        )
    if verb == "resolve" and len(rest) == 1:
        inc = await core.for_form(services, incident_id=parse_ref(rest[0]))
        if ctx.open_view is not None and await ctx.open_view(render.resolve_modal(inc, _)):
            return ""
        return _("Slack did not open the form in time: try again.")
    raise Usage()


def values(submitted: ViewSubmission) -> dict[str, str | None]:
    """The Resolve modal's values by the form's field names."""
    out: dict[str, str | None] = {}
    for field, name in (
        (IncidentField.ROOT_CAUSE, "root_cause"),
        (IncidentField.SUMMARY, "summary"),
        (IncidentField.TEMPLATE, "template"),
    ):
        block, element = str(field), field.input_id
        out[name] = submitted.text(block, element) or submitted.picked(block, element)
    return out


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for the incident message's buttons and the Resolve modal."""
    services, locales = responder.services, responder.locales

    async def provider_message(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        require(ctx.actor, Action.INCIDENT)
        incident_id = parse_ref(press.value or "")
        inc, text = await core.provider_message(services, incident_id=incident_id)
        return render.provider_modal(inc, text, ctx._)

    async def resolve_form(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        inc = await core.for_form(services, incident_id=parse_ref(press.value or ""))
        return render.resolve_modal(inc, ctx._)

    again = N_("Press it again.")
    responder.form_button(bolt, IncidentAction.PROVIDER_MESSAGE, provider_message, again=again)
    responder.form_button(bolt, IncidentAction.RESOLVE, resolve_form, again=again)

    @bolt.view(str(IncidentField.CALLBACK))
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        ctx = locales.ctx_now(submitted.user_id)
        blocks = {
            "root_cause": IncidentField.ROOT_CAUSE,
            "summary": IncidentField.SUMMARY,
            "template": IncidentField.TEMPLATE,
        }
        parsed = parse_form(values(submitted))
        if isinstance(parsed, dict):
            errors = {str(blocks[k]): ctx._(v) for k, v in parsed.items()}
            await ack(response_action="errors", errors=errors)
            return
        try:
            async with services.db.session() as s:
                inc = await resolve(
                    s,
                    services,
                    incident_id=parse_ref(submitted.private_metadata),
                    actor=ctx.actor,
                    form=parsed,
                    now=services.clock(),
                )
        except (UserFacingError, NotFound) as err:
            await ack(
                response_action="errors", errors={str(IncidentField.SUMMARY): refusal(ctx._, err)}
            )
            return
        await ack()
        log.info(
            "slack.incident_resolved", extra={"incident": inc.id, "replies": inc.replies_total}
        )
