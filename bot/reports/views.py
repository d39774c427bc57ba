"""The report's numbers as small frozen dataclasses: what the terminal, Excel and Slack render.

Durations are seconds (float) or None when nothing in the group has the two instants; rates are
fractions (0..1) or None when their denominator is zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.reports.period import Period

NEEDS_ROOT_CAUSE = "needs_root_cause"
UNKNOWN = "unknown"


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Headline:
    """The period's totals."""

    escalations: int
    vip: int
    resolved: int
    with_root_cause: int  # resolved with /baton resolve (the log is complete for these)
    needs_root_cause: int  # closed in Zendesk without one
    avoidable: int
    sla_due: int  # escalations whose SLA has come due, or that were resolved
    sla_met: int  # resolved by sla_due_at

    @property
    def avoidable_rate(self) -> float | None:
        return rate(self.avoidable, self.with_root_cause)

    @property
    def sla_attainment(self) -> float | None:
        return rate(self.sla_met, self.sla_due)


@dataclass(frozen=True)
class Count:
    """How many escalations had one value of a dimension, now and in the previous period."""

    key: str
    count: int
    previous: int = 0


@dataclass(frozen=True)
class AgentRow:
    """One outsourcing agent: escalations, how many were avoidable, and what they lacked."""

    agent_id: int | None
    escalations: int
    with_root_cause: int
    avoidable: int
    lacked: tuple[tuple[str, int], ...]  # most frequent first, zero counts left out

    @property
    def avoidable_rate(self) -> float | None:
        return rate(self.avoidable, self.with_root_cause)


@dataclass(frozen=True)
class Timing:
    """Median and 90th percentile durations (seconds) for one category."""

    category: str
    escalations: int
    first_action_median: float | None
    first_action_p90: float | None
    resolve_median: float | None  # on the desk's clock (from desk_started_at)
    resolve_p90: float | None
    customer_resolve_median: float | None  # on the customer's clock (from received_at)
    customer_resolve_p90: float | None


@dataclass(frozen=True)
class HourRow:
    """Escalations received in one local hour of the day, against analysts on shift then."""

    hour: int
    received: int
    on_shift: float  # mean number of analysts scheduled at that hour over the period's days


@dataclass(frozen=True)
class DayCount:
    day: date
    category: str
    count: int


@dataclass(frozen=True)
class MoneyTotal:
    """Money movements of one dimension's value in one currency: how many, and their total."""

    dimension: str  # type | reason | analyst | approver
    key: str
    currency: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    headline: Headline
    previous: Headline
    by_category: tuple[Count, ...]
    by_root_cause: tuple[Count, ...]
    by_vip: tuple[Count, ...]
    by_language: tuple[Count, ...]
    by_agent: tuple[AgentRow, ...]
    lacked: tuple[tuple[str, int], ...]
    timings: tuple[Timing, ...]
    hours: tuple[HourRow, ...]
    per_day: tuple[DayCount, ...]
    # Money movements executed in the period (bot/reports/money.py), by type, reason, analyst
    # and approver, per currency.
    money: tuple[MoneyTotal, ...] = ()
    # Outsourcing agents' Zendesk names by id (bot/store/agents), those known.
    agent_names: Mapping[int, str] = field(default_factory=dict)

    def agent_label(self, agent_id: int | None) -> str:
        """An agent as a reader knows them: their Zendesk name, else their Zendesk id."""
        if agent_id is None:
            return "-"
        return self.agent_names.get(agent_id) or str(agent_id)

    # Provider incidents (bot/incidents): escalations per incident, and the resolution-clock
    # time paused while they were linked, counted apart from the desk's time.
    by_incident: tuple[Count, ...] = ()
    paused_seconds: float = 0.0
