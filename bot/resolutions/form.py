"""The resolution form (the Resolve modal's fields) and what makes it invalid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import CustomerOutcome, Lacked, RootCause
from bot.errors import N_

MIN_SUMMARY = 10  # characters: "done" is not a summary the leads can learn from
MAX_SUMMARY = 3000
STATUSES = ("solved", "pending")


class Field(StrEnum):
    """The form's fields; also the modal's block ids, so errors land under the right input."""

    ROOT_CAUSE = "res_root_cause"
    SUMMARY = "res_summary"
    OUTCOME = "res_outcome"
    AVOIDABLE = "res_avoidable"
    LACKED = "res_lacked"
    STATUS = "res_status"


@dataclass(frozen=True)
class ResolutionForm:
    """What the analyst says about how an escalation ended."""

    root_cause: RootCause
    summary: str
    outcome: CustomerOutcome
    avoidable: bool
    lacked: tuple[Lacked, ...] = ()
    zendesk_status: str = "solved"


Raw = Mapping[Field, str | Sequence[str] | None]


def _one(raw: Raw, field: Field) -> str:
    value = raw.get(field)
    return value.strip() if isinstance(value, str) else ""


def parse(raw: Raw) -> ResolutionForm | dict[Field, str]:
    """The form from the submitted values, or an N_ message id per invalid field."""
    errors: dict[Field, str] = {}
    root = _one(raw, Field.ROOT_CAUSE)
    outcome = _one(raw, Field.OUTCOME)
    summary = _one(raw, Field.SUMMARY)
    avoidable = _one(raw, Field.AVOIDABLE)
    status = _one(raw, Field.STATUS) or "solved"
    picked = raw.get(Field.LACKED) or ()
    lacked_raw = [picked] if isinstance(picked, str) else list(picked)
    if root not in {r.value for r in RootCause}:
        errors[Field.ROOT_CAUSE] = N_("Pick a root cause.")
    if outcome not in {o.value for o in CustomerOutcome}:
        errors[Field.OUTCOME] = N_("Pick what the customer got.")
    if len(summary) < MIN_SUMMARY:
        errors[Field.SUMMARY] = N_("Say in a sentence what was wrong and what you did.")
    elif len(summary) > MAX_SUMMARY:
        errors[Field.SUMMARY] = N_("Keep the summary under 3000 characters.")
    if avoidable not in ("yes", "no"):
        errors[Field.AVOIDABLE] = N_("Say whether the outsourcing team could have handled it.")
    valid_lacked = [Lacked(v) for v in lacked_raw if v in {x.value for x in Lacked}]
    if avoidable == "yes" and not valid_lacked:
        errors[Field.LACKED] = N_("Say what the outsourcing team lacked.")
    if status not in STATUSES:
        errors[Field.STATUS] = N_("Pick solved or pending.")
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
