"""The button table: one row per button that runs a piece of work and answers its presser.

A row names the button's action id, the permission it needs (checked by ``bot.desk``), the
work, and how it answers. The same buttons live on messages (alerts, DMs) and on the App Home
tab: a message button is answered ephemerally through its ``response_url``; a Home-tab button
has none, so it is answered by re-publishing the tab (which shows the new state) and a DM with
the outcome. Buttons that open a modal (Reassign, Resolve, Edit) live with their modal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.desk.permissions import Action, require
from bot.slack_messages.ids import (
    AlertAction,
    DraftAction,
    HomeAction,
    JiraAction,
    MoneyAction,
    TxnAction,
)
from handlers.slack import desk, drafts, jira, money, txn
from handlers.slack.payloads import ButtonPress
from handlers.slack.request import Answer, Ctx, Respond, Responder

ButtonWork = Callable[[Ctx, ButtonPress], Awaitable[Answer]]
Listener = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Button:
    """One button: what it does, who may press it, and how its answer is shown."""

    action_id: str
    work: ButtonWork
    permission: Action | None = None  # checked before the work; None: the work checks
    home_only: bool = False  # only on the App Home tab: answered by re-publishing it
    replace_original: bool = False  # the answer takes the place of the message it was on


BUTTONS: tuple[Button, ...] = (
    Button(AlertAction.CLAIM, desk.claim_button, Action.CLAIM),
    Button(AlertAction.TAKE, desk.take_button, Action.CLAIM),
    Button(AlertAction.TXN, txn.for_escalation, Action.TXN),
    # The next page takes the place of the one the button was on.
    Button(TxnAction.MORE, txn.more, Action.TXN, replace_original=True),
    Button(AlertAction.JIRA, jira.for_escalation),
    Button(JiraAction.ADD_NOTE, jira.add_note),
    Button(AlertAction.DRAFT, drafts.for_escalation),
    Button(DraftAction.SEND, drafts.send_reply, replace_original=True),
    Button(DraftAction.NOTE, drafts.save_note, replace_original=True),
    Button(DraftAction.LANGUAGE, drafts.change_language, replace_original=True),
    Button(DraftAction.TEMPLATE, drafts.change_template, replace_original=True),
    Button(MoneyAction.APPROVE, money.approve, Action.MONEY),
    Button(HomeAction.AWAY, desk.away_button, home_only=True),
    Button(HomeAction.BACK, desk.back_button, home_only=True),
)


def _listener(responder: Responder, button: Button) -> Listener:
    async def work(ctx: Ctx, press: ButtonPress) -> Answer:
        if button.permission is not None:
            require(ctx.actor, button.permission)
        return await button.work(ctx, press)

    # bolt passes listeners their arguments by name: one closure per button, no defaults.
    async def on_button(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        await responder.button(
            ButtonPress.of(body, action),
            respond,
            work,
            home_only=button.home_only,
            replace_original=button.replace_original,
        )

    return on_button


def register(bolt: AsyncApp, responder: Responder) -> None:
    """Listen for every button of the table."""
    for button in BUTTONS:
        bolt.action(str(button.action_id))(_listener(responder, button))
