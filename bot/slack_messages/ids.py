"""Every Slack id Baton's messages carry: action ids, block ids and callback ids, one StrEnum each.

Builders put them in the blocks, handlers listen for them: both import them from here, so an
id is never a string literal in two places. Ids are stored in Slack with each message: a value
changes only with a migration of what is already posted.
"""

from __future__ import annotations

from enum import StrEnum


class AlertAction(StrEnum):
    """Button action ids on alert messages (and the App Home's queue)."""

    CLAIM = "esc_claim"
    REASSIGN = "esc_reassign"
    DRAFT = "esc_draft"
    TXN = "esc_txn"
    JIRA = "esc_jira"
    RESOLVE = "esc_resolve"
    TAKE = "esc_take"  # on a breach offer: the next best analyst takes the escalation
    MONEY = "esc_money"  # opens the money movement form (SPEC §14)


class HomeAction(StrEnum):
    """Buttons on the App Home tab."""

    AWAY = "home_away"
    BACK = "home_back"


class DraftAction(StrEnum):
    """Action ids on a draft preview."""

    SEND = "draft_send"
    NOTE = "draft_note"
    EDIT = "draft_edit"
    LANGUAGE = "draft_language"
    TEMPLATE = "draft_template"


class DraftView(StrEnum):
    """The Edit modal: its callback id, and the ids of its input blocks and elements."""

    CALLBACK = "draft_edit_modal"
    SUBJECT = "draft_subject"
    SUBJECT_INPUT = "draft_subject_input"
    BODY = "draft_body"
    BODY_INPUT = "draft_body_input"


class TxnAction(StrEnum):
    """Button action ids on transaction answers."""

    MORE = "txn_more"


class JiraAction(StrEnum):
    """Button action ids of Jira messages."""

    ADD_NOTE = "jira_add_note"


class ResolveView(StrEnum):
    """The Resolve modal's callback id."""

    CALLBACK = "resolve_modal"


class ResolveField(StrEnum):
    """The Resolve modal's input blocks: also the resolution form's fields, so the errors
    ``bot.resolutions.form.parse`` returns land under the right input."""

    ROOT_CAUSE = "res_root_cause"
    SUMMARY = "res_summary"
    OUTCOME = "res_outcome"
    AVOIDABLE = "res_avoidable"
    LACKED = "res_lacked"
    STATUS = "res_status"

    @property
    def input_id(self) -> str:
        """The action id of the field's input element."""
        return f"{self}_input"


class CallbackId(StrEnum):
    """Callback ids of the desk's modals."""

    REASSIGN = "reassign_modal"
    NOTICE = "notice_modal"  # a message in a modal (loading, refusal): nothing to submit


class BlockId(StrEnum):
    """Input blocks (and their elements) whose values handlers read back."""

    REASSIGN_USER = "reassign_user"
    REASSIGN_USER_ACTION = "reassign_user_select"


class MoneyAction(StrEnum):
    """Buttons on a money request's approval message (SPEC §14)."""

    APPROVE = "money_approve"
    REJECT = "money_reject"


class MoneyView(StrEnum):
    """The money modals: callback ids, and the ids of their input blocks and elements."""

    REQUEST = "money_request_modal"
    REJECT = "money_reject_modal"
    KIND = "money_kind"
    AMOUNT = "money_amount"
    CURRENCY = "money_currency"
    REASON = "money_reason"
    NOTE = "money_note"
    WHY = "money_reject_why"

    @property
    def input_id(self) -> str:
        """The action id of the block's input element."""
        return f"{self}_input"


class IncidentAction(StrEnum):
    """Buttons on a provider incident's message (bot/slack_messages/incidents.py)."""

    PROVIDER_MESSAGE = "inc_provider_message"
    RESOLVE = "inc_resolve"


class IncidentField(StrEnum):
    """The incident's Resolve modal: its callback id and input blocks (bot/incidents/resolve
    parse_form's field names are their suffixes)."""

    CALLBACK = "inc_resolve_modal"
    ROOT_CAUSE = "inc_root_cause"
    SUMMARY = "inc_summary"
    TEMPLATE = "inc_template"

    @property
    def input_id(self) -> str:
        """The action id of the block's input element."""
        return f"{self}_input"
