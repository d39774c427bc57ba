"""`/baton credit|debit|refund|release|executed`, the alert's Money button and its form, and
the approval message's Approve / Reject (with the rejection's reason modal).

The rules (amounts, who may approve, execution exactly once) live in ``bot.money``; this
module reads the request, calls it and says what happened.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import N_, NotFound, UserFacingError
from bot.money import decide, notify
from bot.money.ask import Asked, ask, first_transaction, prefill
from bot.money.kinds import Kind
from bot.sealing import Unsealable
from bot.slack_messages import money as render
from bot.slack_messages.ids import AlertAction, MoneyAction, MoneyView
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


def _asked(ctx: Ctx, request_id: int, still: tuple[str, ...] = ()) -> str:
    _ = ctx._
    if still:
        return _("Request {id} is waiting for approval; it needs {needs}.").format(
            id=request_id, needs=", ".join(_need(ctx, n) for n in still)
        )
    return _("Request {id} is waiting for approval in the approvals channel.").format(id=request_id)


def _need(ctx: Ctx, need: str) -> str:
    _ = ctx._
    return {"lead": _("a lead"), "compliance": _("compliance"), "approver": _("an approver")}.get(
        need, need
    )


async def _ask(ctx: Ctx, asked: Asked) -> str:
    row = await ask(ctx.services, actor=ctx.actor, asked=asked)
    card = notify.card(ctx.services, row)
    return _asked(ctx, row.id, card.missing)


async def credit(ctx: Ctx, args: list[str]) -> str:
    """`/baton credit <ticket> <amount> <currency> <reason> [note]`."""
    return await _credit_or_debit(ctx, args, Kind.CREDIT)


async def debit(ctx: Ctx, args: list[str]) -> str:
    """`/baton debit <ticket> <amount> <currency> <reason> [note]`."""
    return await _credit_or_debit(ctx, args, Kind.DEBIT)


async def _credit_or_debit(ctx: Ctx, args: list[str], kind: Kind) -> str:
    if len(args) < 4:
        raise Usage()
    ticket, amount, currency, reason, *note = args
    asked = Asked(
        kind=kind,
        reason=reason,
        note=" ".join(note),
        ticket_id=parse_ticket(ticket),
        amount=amount,
        currency=currency,
    )
    return await _ask(ctx, asked)


async def refund(ctx: Ctx, args: list[str]) -> str:
    """`/baton refund <transaction> [amount] [reason] [note]`: the whole amount by default."""
    if not args:
        raise Usage()
    txn, rest = args[0], args[1:]
    # An amount starts with a digit or a sign; a reason is a word.
    amount = rest.pop(0) if rest and rest[0][:1] in "0123456789-+." else None
    reason = rest.pop(0) if rest else "other"
    asked = Asked(
        kind=Kind.REFUND, reason=reason, note=" ".join(rest), transaction_id=txn, amount=amount
    )
    return await _ask(ctx, asked)


async def release(ctx: Ctx, args: list[str]) -> str:
    """`/baton release <transaction> [note]`: a held withdrawal, compliance approves."""
    if not args:
        raise Usage()
    asked = Asked(
        kind=Kind.RELEASE, reason="other", note=" ".join(args[1:]), transaction_id=args[0]
    )
    return await _ask(ctx, asked)


async def executed(ctx: Ctx, args: list[str]) -> str:
    """`/baton executed <request> <reference>`: a movement done by hand in the back office."""
    if len(args) != 2 or not args[0].isdigit():
        raise Usage()
    row = await decide.record_reference(
        ctx.services, actor=ctx.actor, request_id=int(args[0]), reference=args[1]
    )
    return ctx._("Request {id} is recorded as done, reference {ref}.").format(
        id=row.id, ref=args[1][:100]
    )


def _request_id(ctx: Ctx, value: object) -> int:
    try:
        data = notify.sealer(ctx.services).open(value, ttl=notify.ttl(ctx.services), now=ctx.now)
        return int(data["r"])
    except (Unsealable, KeyError, TypeError, ValueError) as err:
        raise UserFacingError(N_("This button is out of date.")) from err


async def approve(ctx: Ctx, press: ButtonPress) -> str:
    """Approve: counted once, never the requester's own."""
    decided = await decide.approve(
        ctx.services, actor=ctx.actor, request_id=_request_id(ctx, press.value)
    )
    if decided.still_needed:
        return ctx._("Approved. Request {id} still needs {needs}.").format(
            id=decided.request.id, needs=", ".join(_need(ctx, n) for n in decided.still_needed)
        )
    if ctx.services.adjustments is None:
        return ctx._(
            "Approved. Execute request {id} in the back office, "
            "then `/baton executed {id} <reference>`."
        ).format(id=decided.request.id)
    return ctx._("Approved. Request {id} goes to the back office now.").format(
        id=decided.request.id
    )


def _metadata(submitted: ViewSubmission) -> dict[str, Any]:
    try:
        data = json.loads(submitted.private_metadata)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UserFacingError(N_("This form is out of date."))
    return data


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for the Money button, Reject, and the two modals."""
    services, locales = responder.services, responder.locales

    async def money_form(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        start = await prefill(
            services, actor=ctx.actor, escalation_id=escalation_id_of(press.value)
        )
        found = await first_transaction(services, start.escalation_id)
        metadata = json.dumps({"e": start.escalation_id, "t": found})
        return render.request_form(
            ctx._,
            escalation_id=start.escalation_id,
            ticket_id=start.ticket_id,
            kind=start.kind.value,
            amount=start.amount,
            currency=start.currency,
            metadata=metadata,
        )

    responder.form_button(bolt, AlertAction.MONEY, money_form, again=N_("Press Money again."))

    @bolt.view(str(MoneyView.REQUEST))
    async def on_request(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        ctx = locales.ctx_now(submitted.user_id)

        def field(block: MoneyView) -> str:
            return (
                submitted.text(str(block), block.input_id)
                or submitted.picked(str(block), block.input_id)
                or ""
            )

        try:
            meta = _metadata(submitted)
            kind = Kind(field(MoneyView.KIND))
            asked = Asked(
                kind=kind,
                reason=field(MoneyView.REASON),
                note=field(MoneyView.NOTE),
                escalation_id=escalation_id_of(meta.get("e")),
                amount=field(MoneyView.AMOUNT) or None,
                currency=field(MoneyView.CURRENCY) or None,
                transaction_id=meta.get("t") if kind in (Kind.REFUND, Kind.RELEASE) else None,
            )
            row = await ask(services, actor=ctx.actor, asked=asked)
        except ValueError:
            await ack(response_action="errors", errors={str(MoneyView.KIND): ctx._("Pick a type.")})
            return
        except (UserFacingError, NotFound) as err:
            errors = {str(MoneyView.AMOUNT): refusal(ctx._, err)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        log.info("slack.money_requested", extra={"request": row.id})

    async def reject_form(ctx: Ctx, press: ButtonPress) -> dict[str, Any]:
        request_id = _request_id(ctx, press.value)
        metadata = json.dumps({"r": press.value})
        return render.reject_form(ctx._, request_id=request_id, metadata=metadata)

    responder.form_button(bolt, MoneyAction.REJECT, reject_form, again=N_("Press Reject again."))

    @bolt.view(str(MoneyView.REJECT))
    async def on_reject_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = ViewSubmission.of(body, view)
        ctx = locales.ctx_now(submitted.user_id)
        why = submitted.text(str(MoneyView.WHY), MoneyView.WHY.input_id) or ""
        try:
            request_id = _request_id(ctx, _metadata(submitted).get("r"))
            await decide.reject(services, actor=ctx.actor, request_id=request_id, why=why)
        except (UserFacingError, NotFound) as err:
            await ack(response_action="errors", errors={str(MoneyView.WHY): refusal(ctx._, err)})
            return
        await ack()
        log.info("slack.money_rejected", extra={"request": request_id})
