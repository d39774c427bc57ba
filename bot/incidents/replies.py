"""The reply every linked customer gets when an incident is resolved, in their language.

Customer-facing text, in the catalogs under the message context "incident" (marked ``C_`` for
``pybabel extract``, looked up with ``pgettext`` in the customer's catalog).
"""

from __future__ import annotations

from enum import StrEnum

from bot import i18n

CONTEXT = "incident"


def C_(context: str, msgid: str) -> str:
    """Mark a customer-facing message id in a context for extraction; return the id."""
    return msgid


class ReplyTemplate(StrEnum):
    """What the customers are told, chosen on the resolve form."""

    PROCESSED = "processed"  # the delayed payments went through
    RETRY = "retry"  # nothing went through: please try again
    RETURNED = "returned"  # the money came back to the account


GREETING = C_("incident", "Hello,")
CLOSING = C_("incident", "Kind regards,\nThe VIP support team")
BODIES: dict[ReplyTemplate, str] = {
    ReplyTemplate.PROCESSED: C_(
        "incident",
        "Thank you for your patience. The problem at our payment provider that delayed your "
        "transaction has been fixed, and your transaction has now been processed. There is "
        "nothing more you need to do.\n\nWe are sorry for the inconvenience.",
    ),
    ReplyTemplate.RETRY: C_(
        "incident",
        "Thank you for your patience. The problem at our payment provider that affected your "
        "transaction has been fixed. Your transaction did not go through, so please try it "
        "again now; it should work normally.\n\nWe are sorry for the inconvenience.",
    ),
    ReplyTemplate.RETURNED: C_(
        "incident",
        "Thank you for your patience. The problem at our payment provider that affected your "
        "transaction has been fixed. Your transaction did not go through, and the amount has "
        "been returned to your account balance.\n\nWe are sorry for the inconvenience.",
    ),
}


def render(template: ReplyTemplate, *, language: str | None) -> str:
    """The public reply in the customer's language (English when Baton has no catalog for it)."""
    tr = i18n.translations(i18n.normalize(language))
    parts = [GREETING, BODIES[template], CLOSING]
    return "\n\n".join(str(tr.pgettext(CONTEXT, p)) for p in parts)
