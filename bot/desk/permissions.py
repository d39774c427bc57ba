"""Who may do what from Slack, by roster role: one place to read and to change the rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.desk.roster import Roster
from bot.domain import Analyst, Category, Role
from bot.errors import N_, UserFacingError


class Action(StrEnum):
    """What a Slack user can ask Baton to do."""

    HELP = "help"
    WHO = "who"
    QUEUE = "queue"
    CLAIM = "claim"
    ASSIGN = "assign"
    AWAY = "away"
    BACK = "back"
    COVER = "cover"
    TXN = "txn"
    DRAFT = "draft"
    JIRA = "jira"
    RESOLVE = "resolve"
    REPORT = "report"
    KYC = "kyc"
    MONEY = "money"  # ask for, approve or reject a money movement (bot/money/rules.py)
    INCIDENT = "incident"  # provider incidents (bot/incidents)


# Unknown Slack users and outsourcing staff (not in the roster) get these only.
PUBLIC: frozenset[Action] = frozenset({Action.HELP, Action.WHO})
ANALYST: frozenset[Action] = PUBLIC | {
    Action.QUEUE,
    Action.CLAIM,
    Action.ASSIGN,  # own escalations only: see can_assign
    Action.AWAY,
    Action.BACK,
    Action.COVER,  # themselves covering only: see can_cover
    Action.TXN,
    Action.DRAFT,
    Action.JIRA,
    Action.RESOLVE,
    Action.KYC,
    Action.MONEY,
    Action.INCIDENT,
}
LEAD: frozenset[Action] = ANALYST | {Action.REPORT}


@dataclass(frozen=True)
class Actor:
    """The person behind a Slack request, and their roster entry if they have one."""

    slack_id: str
    analyst: Analyst | None = None

    @property
    def key(self) -> str:
        return self.analyst.key if self.analyst else f"slack:{self.slack_id}"

    @property
    def is_lead(self) -> bool:
        return self.analyst is not None and self.analyst.has_role(Role.LEAD)

    @property
    def is_compliance(self) -> bool:
        return self.analyst is not None and self.analyst.has_role(Role.COMPLIANCE)

    @property
    def is_staff(self) -> bool:
        return self.analyst is not None


def actor_for(roster: Roster, slack_id: str) -> Actor:
    """Look a Slack user up in the roster."""
    return Actor(slack_id=slack_id, analyst=roster.by_slack_id(slack_id))


def allowed(actor: Actor, action: Action) -> bool:
    """Say whether the actor may use a command at all."""
    if actor.analyst is None:
        return action in PUBLIC
    return action in (LEAD if actor.is_lead else ANALYST)


def require(actor: Actor, action: Action) -> None:
    """Refuse (UserFacingError) a button the actor may not press at all."""
    if not allowed(actor, action):
        raise UserFacingError(N_("Sorry, only analysts on the roster can do that."))


def can_see(actor: Actor, *, category: str | None, analyst_key: str | None) -> bool:
    """Compliance cases are visible to compliance, leads and the analyst handling them only."""
    if not actor.is_staff:
        return False
    if category is None or not Category(category).is_compliance:
        return True
    return actor.is_compliance or actor.is_lead or analyst_key == actor.key


def may_hold(
    analyst: Analyst, *, category: Category | str | None, compliance_on_shift: bool
) -> bool:
    """Whether the analyst may be given the escalation, by routing or by a person.

    A compliance case goes to someone with the compliance role while one is on shift, else to
    whoever the other rules pick (SPEC §5). Routing filters by this, and claim and assign
    check it, so a case is never handed to someone who would then be refused it.
    """
    if category is None or not Category(category).is_compliance:
        return True
    return analyst.has_role(Role.COMPLIANCE) or not compliance_on_shift


def can_assign(actor: Actor, *, current_analyst_key: str | None) -> bool:
    """Leads assign anything; an analyst can only hand over an escalation they hold."""
    if actor.is_lead:
        return True
    return actor.is_staff and current_analyst_key == actor.key


def can_cover(actor: Actor, *, coverer_key: str) -> bool:
    """Leads set cover for anyone; an analyst only volunteers themselves."""
    return actor.is_lead or (actor.is_staff and coverer_key == actor.key)


def require_assign(actor: Actor, *, current_analyst_key: str | None) -> None:
    """Refuse (UserFacingError) a reassignment the actor may not make (see can_assign)."""
    if not can_assign(actor, current_analyst_key=current_analyst_key):
        raise UserFacingError(N_("Sorry, only a lead or the analyst holding it can reassign this."))
