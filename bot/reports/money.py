"""The report's money movements (SPEC §14): what was executed in the period, by type, reason,
analyst and approver, with the count and total per currency.

Read straight from the money_requests table (the reports never import bot/money: capabilities
do not reach sideways); amounts are summed as Decimals, never floats.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.roster import Roster
from bot.reports.period import Period
from bot.reports.views import MoneyTotal
from bot.store.models import MoneyRequest

DIMENSIONS = ("type", "reason", "analyst", "approver")


async def money_movements(
    session: AsyncSession, period: Period, roster: Roster
) -> tuple[MoneyTotal, ...]:
    """Movements executed in the period (completed), grouped by each dimension and currency."""
    rows = await session.execute(
        select(
            MoneyRequest.kind,
            MoneyRequest.reason,
            MoneyRequest.requested_by,
            MoneyRequest.approvals,
            MoneyRequest.currency,
            MoneyRequest.amount,
        ).where(
            MoneyRequest.state == "completed",
            MoneyRequest.executed_at >= period.starts_at,
            MoneyRequest.executed_at < period.ends_at,
        )
    )
    names = {a.key: a.name for a in roster.analysts}
    sums: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for kind, reason, requester, approvals, currency, amount in rows:
        approvers = [str(a.get("by")) for a in approvals or [] if isinstance(a, dict)]
        keys = [("type", kind), ("reason", reason), ("analyst", names.get(requester, requester))]
        keys += [("approver", names.get(a, a)) for a in approvers]
        for dimension, key in keys:
            total = sums[(dimension, key, currency)]
            total[0] += 1
            total[1] += Decimal(amount)
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    return tuple(
        MoneyTotal(dimension, key, currency, int(count), total)
        for (dimension, key, currency), (count, total) in sorted(
            sums.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2])
        )
    )
