"""Slack action, block and callback ids: one StrEnum each, never string literals in handlers."""

from __future__ import annotations

from enum import StrEnum

from bot.slack_messages.alerts import AlertAction
from bot.slack_messages.drafts import DraftAction, DraftView
from bot.slack_messages.transactions import TxnAction

__all__ = [
    "AlertAction",
    "BlockId",
    "CallbackId",
    "DraftAction",
    "DraftView",
    "HomeAction",
    "TxnAction",
]


class HomeAction(StrEnum):
    """Buttons on the App Home tab."""

    AWAY = "home_away"
    BACK = "home_back"
    REFRESH = "home_refresh"


class CallbackId(StrEnum):
    """Modal callback ids."""

    REASSIGN = "reassign_modal"
    NOTICE = "notice_modal"  # a message in a modal (loading, refusal): nothing to submit


class BlockId(StrEnum):
    """Input blocks whose values handlers read back."""

    REASSIGN_USER = "reassign_user"
    REASSIGN_USER_ACTION = "reassign_user_select"
