"""The resolution form (the Resolve modal's fields) and what makes it invalid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain import RESOLUTION_STATUSES, CustomerOutcome, Lacked, RootCause
from bot.errors import N_
from bot.slack_messages.ids import ResolveField

MIN_SUMMARY = 10  # characters: "done" is not a summary the leads can learn from
MAX_SUMMARY = 3000


@dataclass(frozen=True)
class ResolutionForm:
    """What the analyst says about how an escalation ended."""

    root_cause: RootCause
    summary: str
    outcome: CustomerOutcome
    avoidable: bool
    lacked: tuple[Lacked, ...] = ()
    zendesk_status: str = "solved"


Raw = Mapping[ResolveField, str | Sequence[str] | None]


def _one(raw: Raw, field: ResolveField) -> str:
    value = raw.get(field)
    return value.strip() if isinstance(value, str) else ""


def parse(raw: Raw) -> ResolutionForm | dict[ResolveField, str]:
    """The form from the submitted values, or an N_ message id per invalid field."""
    errors: dict[ResolveField, str] = {}
    root = _one(raw, ResolveField.ROOT_CAUSE)
    outcome = _one(raw, ResolveField.OUTCOME)
    summary = _one(raw, ResolveField.SUMMARY)
    avoidable = _one(raw, ResolveField.AVOIDABLE)
    status = _one(raw, ResolveField.STATUS) or "solved"
    picked = raw.get(ResolveField.LACKED) or ()
    lacked_raw = [picked] if isinstance(picked, str) else list(picked)
    if root not in {r.value for r in RootCause}:
        errors[ResolveField.ROOT_CAUSE] = N_("Pick a root cause.")
    if outcome not in {o.value for o in CustomerOutcome}:
        errors[ResolveField.OUTCOME] = N_("Pick what the customer got.")
    if len(summary) < MIN_SUMMARY:
        errors[ResolveField.SUMMARY] = N_("Say in a sentence what was wrong and what you did.")
    elif len(summary) > MAX_SUMMARY:
        errors[ResolveField.SUMMARY] = N_("Keep the summary under 3000 characters.")
    if avoidable not in ("yes", "no"):
        errors[ResolveField.AVOIDABLE] = N_(
            "Say whether the outsourcing team could have handled it."
        )
    valid_lacked = [Lacked(v) for v in lacked_raw if v in {x.value for x in Lacked}]
    if avoidable == "yes" and not valid_lacked:
        errors[ResolveField.LACKED] = N_("Say what the outsourcing team lacked.")
    if status not in RESOLUTION_STATUSES:
        errors[ResolveField.STATUS] = N_("Pick solved or pending.")
    if errors:
        return errors
    return ResolutionForm(
        root_cause=RootCause(root),
        summary=summary,
        outcome=CustomerOutcome(outcome),
        avoidable=avoidable == "yes",
        # What they lacked only matters when the escalation was avoidable.
        lacked=tuple(dict.fromkeys(valid_lacked)) if avoidable == "yes" else (),
        zendesk_status=status,
    )
