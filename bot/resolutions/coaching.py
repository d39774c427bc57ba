"""Coaching the outsourcing agent on an avoidable escalation: a short playbook per root cause.

The note is in English, the outsourcing team's working language (their tickets, macros and
training are in English whatever the customer speaks). ``[coaching]`` in BATON_CONFIG may
replace any root cause's advice.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import Lacked, RootCause

PLAYBOOK: Mapping[RootCause, str] = {
    RootCause.PROVIDER_DELAY: (
        "Check the transaction's status in the back office: a pending payout within the "
        "provider's published window needs no escalation. Tell the customer the expected time "
        "and set the ticket to pending."
    ),
    RootCause.PROVIDER_FAILURE: (
        "A failed transaction shows its failure code in the back office: look it up in the "
        "failure-code guide and give the customer the next step it lists."
    ),
    RootCause.CUSTOMER_ERROR: (
        "Compare what the customer sent with what the back office shows (amount, reference, "
        "account); explain the difference and how to retry."
    ),
    RootCause.KYC_INCOMPLETE: (
        "Check the KYC checklist: ask the customer for the missing documents with the "
        "KYC macro before escalating."
    ),
    RootCause.DOCUMENT_SUSPICIOUS: (
        "Escalate suspicious documents straight to compliance with the esc_fraud tag, and "
        "say nothing to the customer about the suspicion."
    ),
    RootCause.INTERNAL_BUG: (
        "Check the status page and the known-issues list first; link the ticket to the "
        "known issue instead of escalating."
    ),
    RootCause.PROCESS_GAP: (
        "Follow the process in the knowledge base; if it does not cover the case, ask your "
        "team lead before escalating."
    ),
    RootCause.FRAUD_CONFIRMED: (
        "Escalate fraud to compliance with the esc_fraud tag, and never tell the customer "
        "about the investigation."
    ),
    RootCause.OTHER: "Check the knowledge base and ask your team lead before escalating.",
}

LACKED_TEXT: Mapping[Lacked, str] = {
    Lacked.ACCESS: "access to the right tool",
    Lacked.KNOWLEDGE: "knowledge of how to handle it",
    Lacked.AUTHORITY: "the authority to act",
    Lacked.INFORMATION: "information about the case",
}


def advice(root_cause: RootCause, overrides: Mapping[str, str] | None = None) -> str:
    """The playbook's advice for a root cause (a configured one first)."""
    if overrides and (text := overrides.get(root_cause.value)):
        return text
    return PLAYBOOK[root_cause]


def note(
    *,
    agent_name: str | None = None,
    root_cause: RootCause,
    lacked: tuple[Lacked, ...],
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The coaching paragraph for the agent who escalated."""
    # Zendesk notes cannot mention an agent: the note says who it is for.
    who = agent_name or "the agent who escalated this ticket"
    missing = ", ".join(LACKED_TEXT[x] for x in lacked) or "nothing in particular"
    return (
        f"Coaching for {who}: the support team could have handled this escalation. "
        f"What was missing: {missing}.\n"
        f"Next time: {advice(root_cause, overrides)}"
    )
