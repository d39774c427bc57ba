"""The customer-facing texts of reply drafts, as English message ids in the "draft" context.

Marked with ``C_`` / ``NC_`` for ``pybabel extract`` (``-k C_:1c,2 -k NC_:1c,2,3``) and looked up
with ``pgettext`` / ``npgettext`` in the customer's catalog, so customer text never mixes with the
analyst-facing catalogue. Placeholders: {name} {analyst} {reason} {next_step} {documents} {count}
{amount} {date} {reference}. Keep every sentence free of internal jargon, blame and promises.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT = "draft"


def C_(context: str, msgid: str) -> str:
    """Mark a customer-facing message id in a context for extraction; return the id."""
    return msgid


def NC_(context: str, singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural customer-facing message id in a context; return both forms."""
    return singular, plural


@dataclass(frozen=True)
class Text:
    """One template's subject and body (message ids); details: show the transaction lines."""

    subject: str
    body: str
    details: bool = False


GREETING = C_("draft", "Dear {name},")
GREETING_NO_NAME = C_("draft", "Hello,")
CLOSING = C_("draft", "Kind regards,\n{analyst}")
CLOSING_NO_NAME = C_("draft", "Kind regards,")
AMOUNT = C_("draft", "Amount: {amount}")
DATE = C_("draft", "Date: {date}")
REFERENCE = C_("draft", "Reference: {reference}")
DOCUMENTS_NEEDED = NC_(
    "draft",
    "To complete the verification of your account, we need {count} document from you:",
    "To complete the verification of your account, we need {count} documents from you:",
)
DOCUMENTS_TO_RESEND = NC_(
    "draft",
    "Please send us {count} new document:",
    "Please send us {count} new documents:",
)
PIX_HINT = C_(
    "draft",
    "If you paid by Pix, the end-to-end ID of the transfer (it starts with “E”) is the most "
    "useful detail you can send.",
)

# Template id (bot.drafts.templates.Template value) → its subject and body.
TEMPLATES: dict[str, Text] = {
    "withdrawal_delayed": Text(
        C_("draft", "An update on your withdrawal"),
        C_(
            "draft",
            "Thank you for your patience. Your withdrawal is taking longer than usual to reach "
            "you: it is still being processed, and I am following it closely with our payment "
            "partner.\n\nI will write to you again as soon as it is confirmed. You do not need to "
            "make a new request in the meantime.",
        ),
        details=True,
    ),
    "withdrawal_processed": Text(
        C_("draft", "Your withdrawal has been sent"),
        C_(
            "draft",
            "Your withdrawal has been processed and sent to your account. Depending on your bank, "
            "it may take a little while to show in your balance.\n\nIf you do not see "
            "it in the next few days, just reply to this message and I will follow it up for you.",
        ),
        details=True,
    ),
    "withdrawal_rejected": Text(
        C_("draft", "About your withdrawal request"),
        C_(
            "draft",
            "I am sorry to tell you that your withdrawal could not be completed. {reason}\n\n"
            "{next_step}\n\nIf anything is unclear, just reply to this message and I will help.",
        ),
        details=True,
    ),
    "deposit_credited": Text(
        C_("draft", "Your deposit has been credited"),
        C_(
            "draft",
            "Thank you for waiting. Your deposit has now been credited to your account, and you "
            "will see it in your balance.\n\nPlease let me know if there is anything else I can "
            "do for you.",
        ),
        details=True,
    ),
    "deposit_not_received": Text(
        C_("draft", "Your deposit: a few details we need"),
        C_(
            "draft",
            "Thank you for letting us know. We have not yet received this deposit from the "
            "payment provider, so that I can trace it with them, could you please send me:\n\n"
            "- a receipt or a screenshot from your bank or payment app showing the amount, the "
            "date and time, and the recipient;\n- the transaction ID or reference your bank gave "
            "you.\n\nAs soon as I have them, I will follow it up with the provider.",
        ),
        details=True,
    ),
    "transaction_failed": Text(
        C_("draft", "About your recent payment"),
        C_(
            "draft",
            "Your payment could not be completed. {reason}\n\n{next_step}\n\nIf anything is "
            "unclear, just reply to this message and I will help.",
        ),
        details=True,
    ),
    "kyc_documents_requested": Text(
        C_("draft", "Documents to complete your verification"),
        C_(
            "draft",
            "{documents}\n\nYou can simply reply to this message with the files attached. Clear "
            "colour photos or scans, with all four corners visible, work best.",
        ),
    ),
    "kyc_approved": Text(
        C_("draft", "Your documents have been approved"),
        C_(
            "draft",
            "Thank you for sending your documents. They have been approved, and there is nothing "
            "more you need to do.",
        ),
    ),
    "kyc_rejected": Text(
        C_("draft", "New documents needed for your verification"),
        C_(
            "draft",
            "Thank you for sending your documents. Unfortunately, we could not accept them. "
            "{reason}\n\n{documents}\n\nYou can simply reply to this message with the files "
            "attached.",
        ),
    ),
    "account_verified": Text(
        C_("draft", "Your account is verified"),
        C_(
            "draft",
            "I am pleased to confirm that your account is now fully verified, and all of its "
            "features are available to you.",
        ),
    ),
    "account_restricted": Text(
        C_("draft", "About your account"),
        C_(
            "draft",
            "Some features of your account are currently unavailable. I am sorry for the "
            "inconvenience.\n\nI will write to you again as soon as I have an update. In the "
            "meantime, you can reply to this message if you have any questions.",
        ),
    ),
    "general_follow_up": Text(
        C_("draft", "Following up on your request"),
        C_(
            "draft",
            "I wanted to let you know that I am still working on your request. Thank you for your "
            "patience; I will write to you again as soon as I have news.",
        ),
    ),
    "looking_into_it": Text(
        C_("draft", "We have received your request"),
        C_(
            "draft",
            "Thank you for your message. Your request is now with our specialist team, and I am "
            "working on it personally.\n\nI will write to you again as soon as I have an update. "
            "There is no need to send a new request in the meantime.",
        ),
    ),
}

# Customer-safe reason (bot.drafts.placeholders.Reason value) → (reason, next step).
REASONS: dict[str, tuple[str, str]] = {
    "insufficient_funds": (
        C_("draft", "The bank account or card used did not have enough available balance."),
        C_("draft", "Please check the balance with your bank and then try again."),
    ),
    "provider_error": (
        C_(
            "draft",
            "The payment provider had a temporary technical problem and did not confirm it.",
        ),
        C_(
            "draft",
            "Please do not try again yet: I am confirming the final status with the provider "
            "first, so that nothing is charged or paid twice.",
        ),
    ),
    "verification_pending": (
        C_("draft", "The verification of your account is not complete yet."),
        C_(
            "draft",
            "Please send us the documents we asked for; once your account is verified, you can "
            "make the payment again.",
        ),
    ),
    "name_mismatch": (
        C_(
            "draft", "The name on the bank account does not match the name on your account with us."
        ),
        C_(
            "draft",
            "Please use a bank account in your own name: we cannot send money to, or accept it "
            "from, an account that belongs to someone else.",
        ),
    ),
    "account_unavailable": (
        C_("draft", "The receiving bank account could not accept the payment."),
        C_("draft", "Please send us the details of another bank account in your own name."),
    ),
    "limit_exceeded": (
        C_("draft", "The amount is above the limit for this payment method."),
        C_("draft", "You can try a smaller amount or another payment method."),
    ),
    "card_declined": (
        C_("draft", "Your bank or card issuer declined the payment."),
        C_(
            "draft",
            "Please contact your bank to allow the payment, or use another card or payment method.",
        ),
    ),
    "duplicate": (
        C_(
            "draft",
            "It was identical to a payment that had already gone through, so it was stopped to "
            "avoid charging you twice.",
        ),
        C_("draft", "You do not need to do anything: the original payment stands."),
    ),
    "other": (
        C_("draft", "I am sorry for the inconvenience this causes."),
        C_("draft", "I will write to you again with the next steps as soon as I can."),
    ),
}

# Why documents were not accepted (bot.drafts.placeholders.DocumentIssue value) → sentence.
DOCUMENT_ISSUES: dict[str, str] = {
    "expired": C_("draft", "The document has expired."),
    "unreadable": C_("draft", "The images were not clear enough to read all the details."),
    "name_mismatch": C_(
        "draft", "The name on the document does not match the name on your account."
    ),
    "old_address_proof": C_("draft", "The proof of address is older than three months."),
    "incomplete": C_("draft", "Part of the document was missing, for example the back of the ID."),
    "other": C_("draft", "They did not meet the requirements for verification."),
}

# A document the customer is asked for (bot.drafts.placeholders.Document value) → its description.
DOCUMENTS: dict[str, str] = {
    "id_document": C_("draft", "an identity document (front and back)"),
    "selfie": C_("draft", "a selfie of you holding the same identity document"),
    "proof_of_address": C_(
        "draft", "a proof of address from the last three months (a utility bill or bank statement)"
    ),
    "bank_statement": C_("draft", "a bank statement showing the account in your name"),
    "proof_of_payment": C_("draft", "the receipt of the payment from your bank"),
}
