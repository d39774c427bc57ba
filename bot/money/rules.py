"""Who must approve a money movement (SPEC §14), as pure functions of the request and people.

Nobody approves their own request. Above `lead_above` a lead must approve; above
`two_approvers_above` two different approvers, one a lead; a compliance case or a held
withdrawal needs compliance. An approval counts only if it brings the request closer to done,
so a second plain analyst cannot stand in for the lead it still needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.config.approvals import ApprovalsConfig
from bot.desk.permissions import Actor
from bot.errors import N_, UserFacingError


class Need(StrEnum):
    """One approval still missing."""

    LEAD = "lead"
    COMPLIANCE = "compliance"
    APPROVER = "approver"  # anyone on the roster but the requester


@dataclass(frozen=True)
class Needs:
    lead: bool = False
    two: bool = False
    compliance: bool = False

    @property
    def count(self) -> int:
        return 2 if self.two else 1


@dataclass(frozen=True)
class Approval:
    """Who approved, with the roles they had when they did."""

    by: str
    lead: bool
    compliance: bool
    at: str  # ISO time

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "lead": self.lead, "compliance": self.compliance, "at": self.at}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Approval:
        return cls(str(data["by"]), bool(data["lead"]), bool(data["compliance"]), str(data["at"]))


def needs_for(
    config: ApprovalsConfig, *, amount: Decimal, currency: str, compliance: bool
) -> Needs:
    """The approvals an amount in currency needs (thresholds are per currency)."""
    lead_above = config.lead_above.get(currency)
    two_above = config.two_approvers_above.get(currency)
    two = two_above is not None and amount > two_above
    lead = two or (lead_above is not None and amount > lead_above)
    return Needs(lead=lead, two=two, compliance=compliance)


def missing(needs: Needs, approvals: Sequence[Approval]) -> tuple[Need, ...]:
    """The approvals still needed, roles first; () when the request is approved."""
    roles: list[Need] = []
    if needs.lead and not any(a.lead for a in approvals):
        roles.append(Need.LEAD)
    if needs.compliance and not any(a.compliance for a in approvals):
        roles.append(Need.COMPLIANCE)
    others = max(0, needs.count - len(approvals) - len(roles))
    return (*roles, *[Need.APPROVER] * others)


def check_approver(
    actor: Actor, *, requested_by: str, needs: Needs, approvals: Sequence[Approval]
) -> Approval:
    """The actor's approval, or UserFacingError saying why it cannot count."""
    if not actor.is_staff:
        raise UserFacingError(N_("Sorry, only analysts on the roster can approve money movements."))
    if actor.key == requested_by:
        raise UserFacingError(N_("You asked for this movement: someone else must approve it."))
    if any(a.by == actor.key for a in approvals):
        raise UserFacingError(N_("You have approved this already; it needs someone else now."))
    mine = Approval(actor.key, actor.is_lead, actor.is_compliance, "")
    before = missing(needs, approvals)
    if len(missing(needs, [*approvals, mine])) >= len(before):
        if Need.LEAD in before and Need.COMPLIANCE in before:
            raise UserFacingError(N_("This movement needs a lead and compliance to approve it."))
        if Need.LEAD in before:
            raise UserFacingError(N_("This movement needs a lead to approve it."))
        raise UserFacingError(N_("This movement needs compliance to approve it."))
    return mine
