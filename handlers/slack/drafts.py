"""`/baton draft`, the alerts' Draft reply button, and the preview's buttons and Edit modal.

The rules (who may draft, which templates, the tipping-off gate, sending once) live in
``bot.drafts.flow``; this module reads the request, calls it, and renders with
``bot.slack_messages.drafts``. Buttons carry the stored draft's id only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.domain import LANGUAGES
from bot.drafts import flow
from bot.drafts.tipping_off import SUBJECT, TippingOff
from bot.errors import N_, NotFound, UserFacingError
from bot.slack_messages import drafts as render
from bot.slack_messages.ids import DraftAction, DraftView
from handlers.slack.payloads import ButtonPress, ViewSubmission
from handlers.slack.request import (
    Ctx,
    Reply,
    Responder,
    Usage,
    escalation_id_of,
    parse_ticket,
    refusal,
)

log = logging.getLogger(__name__)


def _reply(ctx: Ctx, preview: flow.Preview) -> Reply:
    return Reply(
        *render.preview(
            ctx._,
            preview.draft,
            templates=[str(t) for t in preview.templates],
            labels=preview.labels,
            compliance=preview.compliance,
            held=preview.held,
        )
    )


def _is_language(word: str) -> bool:
    return word.lower().replace("_", "-").split("-")[0] in LANGUAGES


async def command(ctx: Ctx, args: list[str]) -> Reply:
    """`/baton draft <ticket> [template] [lang]` (template and language in either order)."""
    if not 1 <= len(args) <= 3:
        raise Usage()
    ticket = parse_ticket(args[0])
    language = next((w for w in args[1:] if _is_language(w)), None)
    rest = [w for w in args[1:] if w is not language]
    if len(rest) > 1:
        raise Usage()
    preview = await flow.preview(
        ctx.services,
        actor=ctx.actor,
        ticket_id=ticket,
        template=rest[0].lower() if rest else None,
        language=language,
    )
    return _reply(ctx, preview)


async def for_escalation(ctx: Ctx, press: ButtonPress) -> Reply:
    """The Draft reply button on an alert."""
    escalation_id = escalation_id_of(press.value)
    return _reply(
        ctx, await flow.preview(ctx.services, actor=ctx.actor, escalation_id=escalation_id)
    )


def _draft_id(raw: object) -> tuple[int, str]:
    parsed = render.parse_value(raw)
    if parsed is None:
        raise UserFacingError(N_("This button is out of date."))
    return parsed


async def send(ctx: Ctx, press: ButtonPress, *, public: bool) -> Reply:
    """Send as public reply / Save as internal note: the preview becomes what happened."""
    draft_id, _choice = _draft_id(press.value)
    done = await flow.send(ctx.services, actor=ctx.actor, draft_id=draft_id, public=public)
    by = ctx.actor.analyst.name if ctx.actor.analyst else ctx.actor.key
    if done.already:
        owner = ctx.services.roster.by_key(done.draft.created_by)
        by = owner.name if owner else done.draft.created_by
    return Reply(
        *render.sent(ctx._, done.draft, by=by, already=done.already, locale=ctx.locale, tz=ctx.tz)
    )


async def change(ctx: Ctx, press: ButtonPress, *, what: DraftAction) -> Reply:
    """Change language / Change template: the preview is re-written in place."""
    draft_id, choice = _draft_id(press.selected)
    if not choice:
        raise UserFacingError(N_("This button is out of date."))
    kwargs = {"language": choice} if what == DraftAction.LANGUAGE else {"template": choice}
    preview = await flow.change(ctx.services, actor=ctx.actor, draft_id=draft_id, **kwargs)
    return _reply(ctx, preview)


async def send_reply(ctx: Ctx, press: ButtonPress) -> Reply:
    """The preview's Send as public reply button."""
    return await send(ctx, press, public=True)


async def save_note(ctx: Ctx, press: ButtonPress) -> Reply:
    """The preview's Save as internal note button."""
    return await send(ctx, press, public=False)


async def change_language(ctx: Ctx, press: ButtonPress) -> Reply:
    """The preview's language select."""
    return await change(ctx, press, what=DraftAction.LANGUAGE)


async def change_template(ctx: Ctx, press: ButtonPress) -> Reply:
    """The preview's template select."""
    return await change(ctx, press, what=DraftAction.TEMPLATE)


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for the preview's Edit button and the Edit modal (the other buttons are rows
    of the button table)."""
    services, locales = responder.services, responder.locales

    async def edit_form(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        draft_id, _choice = _draft_id(press.value)
        loaded = await flow.load(services, actor=ctx.actor, draft_id=draft_id)
        draft = loaded.draft
        meta = json.dumps({"d": draft.id, "r": press.origin.response_url}, separators=(",", ":"))
        return render.edit_modal(ctx._, draft, metadata=meta, neutral=loaded.compliance)

    responder.form_button(bolt, DraftAction.EDIT, edit_form, again=N_("Press Edit again."))

    @bolt.view(str(DraftView.CALLBACK))
    async def on_edit_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        ctx = locales.ctx_now(submitted.user_id)
        subject = submitted.text(str(DraftView.SUBJECT), str(DraftView.SUBJECT_INPUT))
        text = submitted.text(str(DraftView.BODY), str(DraftView.BODY_INPUT))
        try:
            meta = json.loads(submitted.private_metadata or "{}")
            draft_id = int(meta["d"])
            response_url = meta.get("r")
        except (ValueError, KeyError, TypeError):
            stale = ctx._("This button is out of date.")
            await ack(response_action="errors", errors={str(DraftView.BODY): stale})
            return
        try:
            preview = await flow.edit(
                services,
                actor=ctx.actor,
                draft_id=draft_id,
                subject=subject or "",
                body=text or "",
            )
        except (UserFacingError, NotFound) as err:
            field = (
                DraftView.SUBJECT if isinstance(err, TippingOff) and err.field == SUBJECT else None
            )
            block = str(field or DraftView.BODY)  # the input the refusal is about
            await ack(response_action="errors", errors={block: refusal(ctx._, err)})
            return
        await ack()
        if not await responder.respond_later(response_url, _reply(ctx, preview)):
            log.info("slack.draft_edited_without_preview", extra={"draft": draft_id})
