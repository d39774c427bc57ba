"""`/baton draft`, the alerts' Draft reply button, and the preview's buttons and Edit modal.

The rules (who may draft, which templates, the tipping-off gate, sending once) live in
``bot.drafts.flow``; this module reads the request, calls it, and renders with
``bot.slack_messages.drafts``. Buttons carry the stored draft's id only.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.domain import LANGUAGES
from bot.drafts import flow
from bot.drafts.tipping_off import SUBJECT, TippingOff
from bot.errors import N_, NotFound, UserFacingError
from bot.slack_messages import drafts as render
from bot.slack_messages.drafts import DraftAction, DraftView
from handlers.actions import (
    Respond,
    answer,
    escalation_id_of,
    open_form,
    run_work,
    slack_call,
)
from handlers.commands import Reply, Usage, parse_ticket, refusal
from handlers.context import Origin, UserLocales, dig
from handlers.slack_ids import AlertAction

if TYPE_CHECKING:
    from handlers.commands import Ctx

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


async def for_command(ctx: Ctx, args: list[str]) -> Reply:
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


async def for_escalation(ctx: Ctx, escalation_id: int) -> Reply:
    """The Draft reply button on an alert."""
    return _reply(
        ctx, await flow.preview(ctx.services, actor=ctx.actor, escalation_id=escalation_id)
    )


def _draft_id(raw: object) -> tuple[int, str]:
    parsed = render.parse_value(raw)
    if parsed is None:
        raise UserFacingError(N_("This button is out of date."))
    return parsed


async def send(ctx: Ctx, raw: object, *, public: bool) -> Reply:
    """Send as public reply / Save as internal note: the preview becomes what happened."""
    draft_id, _choice = _draft_id(raw)
    done = await flow.send(ctx.services, actor=ctx.actor, draft_id=draft_id, public=public)
    by = ctx.actor.analyst.name if ctx.actor.analyst else ctx.actor.key
    if done.already:
        owner = ctx.services.roster.by_key(done.draft.created_by)
        by = owner.name if owner else done.draft.created_by
    return Reply(
        *render.sent(ctx._, done.draft, by=by, already=done.already, locale=ctx.locale, tz=ctx.tz)
    )


async def change(ctx: Ctx, action: dict[str, Any], *, what: DraftAction) -> Reply:
    """Change language / Change template: the preview is re-written in place."""
    draft_id, choice = _draft_id(dig(action, "selected_option", "value"))
    if not choice:
        raise UserFacingError(N_("This button is out of date."))
    kwargs = {"language": choice} if what == DraftAction.LANGUAGE else {"template": choice}
    preview = await flow.change(ctx.services, actor=ctx.actor, draft_id=draft_id, **kwargs)
    return _reply(ctx, preview)


def register(bolt: AsyncApp, locales: UserLocales) -> None:
    """Listen for the Draft reply button, the preview's buttons and the Edit modal."""
    services, slack = locales.services, locales.slack

    async def run(body: dict[str, Any], respond: Respond, work: Any, *, swap: bool) -> None:
        origin = Origin.of(body)
        ctx = await locales.ctx(origin.user_id)
        text = await run_work(ctx, lambda: work(ctx))
        await answer(slack, ctx, origin, respond, text, replace_original=swap)

    @bolt.action(str(AlertAction.DRAFT))
    async def on_draft(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        esc = action.get("value")
        await run(body, respond, lambda ctx: for_escalation(ctx, escalation_id_of(esc)), swap=False)

    def sender(public: bool) -> Any:
        async def on_send(
            ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
        ) -> None:
            await ack()
            raw = action.get("value")
            await run(body, respond, lambda ctx: send(ctx, raw, public=public), swap=True)

        return on_send

    def changer(what: DraftAction) -> Any:
        async def on_change(
            ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
        ) -> None:
            await ack()
            await run(body, respond, lambda ctx: change(ctx, action, what=what), swap=True)

        return on_change

    # bolt passes listeners their arguments by name: one closure per button, no defaults.
    bolt.action(str(DraftAction.SEND))(sender(True))
    bolt.action(str(DraftAction.NOTE))(sender(False))
    bolt.action(str(DraftAction.LANGUAGE))(changer(DraftAction.LANGUAGE))
    bolt.action(str(DraftAction.TEMPLATE))(changer(DraftAction.TEMPLATE))

    @bolt.action(str(DraftAction.EDIT))
    async def on_edit(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        origin = Origin.of(body)
        # The trigger_id lasts 3 seconds: only the database before views.open, no users.info.
        ctx = locales.ctx_now(origin.user_id)

        async def build() -> dict[str, Any]:
            draft_id, _choice = _draft_id(action.get("value"))
            loaded = await flow.load(services, actor=ctx.actor, draft_id=draft_id)
            draft = loaded.draft
            meta = json.dumps({"d": draft.id, "r": origin.response_url}, separators=(",", ":"))
            return render.edit_modal(ctx._, draft, metadata=meta, neutral=loaded.compliance)

        await open_form(slack, ctx, origin, respond, build, again=ctx._("Press Edit again."))

    @bolt.view(str(DraftView.CALLBACK))
    async def on_edit_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Errors go back in the ack, within 3 seconds: no users.info before it.
        ctx = locales.ctx_now(Origin.of(body).user_id)
        values = dig(view, "state", "values") or {}
        subject = dig(values, str(DraftView.SUBJECT), str(DraftView.SUBJECT_INPUT), "value")
        text = dig(values, str(DraftView.BODY), str(DraftView.BODY_INPUT), "value")
        try:
            meta = json.loads(str(view.get("private_metadata") or "{}"))
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
                subject=subject if isinstance(subject, str) else "",
                body=text if isinstance(text, str) else "",
            )
        except (UserFacingError, NotFound) as err:
            field = (
                DraftView.SUBJECT if isinstance(err, TippingOff) and err.field == SUBJECT else None
            )
            block = str(field or DraftView.BODY)  # the input the refusal is about
            await ack(response_action="errors", errors={block: refusal(ctx._, err)})
            return
        await ack()
        reply = _reply(ctx, preview)
        if isinstance(response_url, str) and response_url.startswith(("https://", "http://")):
            await slack_call(
                "slack.respond_failed",
                slack.respond(response_url, text=reply.text, blocks=reply.blocks, replace=True),
            )
        else:
            log.info("slack.draft_edited_without_preview", extra={"draft": draft_id})
