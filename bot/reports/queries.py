"""The report's numbers, aggregated in the database: every query returns a bounded number of rows.

Counts are GROUP BYs; percentiles are ``percentile_cont`` on PostgreSQL and, on SQLite, the same
linear interpolation over the two ranked rows around each percentile (a window function picks
them, so only four rows per category come back). Days and hours of day are read in the roster's
zone from hourly UTC buckets counted in SQL, so a day boundary is exact for whole-hour offsets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy import String as SqlString
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.roster import Roster, on_shift
from bot.domain import EscalationStatus, Lacked, Role
from bot.reports.money import money_movements
from bot.reports.period import Period
from bot.reports.views import (
    NEEDS_ROOT_CAUSE,
    UNKNOWN,
    AgentRow,
    Count,
    DayCount,
    Headline,
    HourRow,
    Report,
    Timing,
)
from bot.store import agents as agent_names
from bot.store.models import Escalation, IncidentLink, ResolutionRow

# ResolutionRow.resolved_by when the ticket was closed in Zendesk without a root cause.
ZENDESK = "zendesk"
Progress = Callable[[str], None]
JOIN_MARGIN = timedelta(days=1)

E, R = Escalation, ResolutionRow
_rated = and_(R.id.is_not(None), R.resolved_by != ZENDESK)
_avoidable = and_(_rated, R.avoidable.is_(True))
_needs_cause = and_(
    E.status == EscalationStatus.RESOLVED.value, or_(R.id.is_(None), R.resolved_by == ZENDESK)
)
_desk_start = func.coalesce(E.desk_started_at, E.received_at)
# first_response_at is the first action of any kind (a claim, a reply, a Jira request): a reply
# sent before the claim came first. claimed_at alone: rows from before it was recorded.
_first_action = func.coalesce(E.first_response_at, E.claimed_at)


def _sum(cond: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _lacked_sums() -> list[ColumnElement[Any]]:
    # `lacked` is a short JSON list of fixed words: matching the quoted word in its text is exact.
    text = cast(R.lacked, SqlString)
    return [_sum(and_(_avoidable, text.like(f'%"{word.value}"%'))) for word in Lacked]


def _in(period: Period) -> ColumnElement[bool]:
    return and_(E.received_at >= period.starts_at, E.received_at < period.ends_at)


def _joined(*columns: Any, since: datetime) -> Any:
    """Escalations with their resolutions, for escalations received since ``since``.

    A resolution comes after its escalation was received, so only resolutions from then on (a
    day's margin for clocks) can match: on 1M rows this keeps the join from hashing the whole
    resolutions table for a month's report (the index on resolved_at finds them).
    """
    on = and_(R.escalation_id == E.id, R.resolved_at >= since - JOIN_MARGIN)
    return select(*columns).select_from(E).outerjoin(R, on)


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _seconds(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[Any]:
    if _is_pg(session):
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _hour(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    if _is_pg(session):
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _as_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _both(period: Period) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """The period and the one before it, scanned once: the filter, and 1 for this period's rows."""
    before = period.previous()
    scope = and_(E.received_at >= before.starts_at, E.received_at < period.ends_at)
    return scope, case((E.received_at >= period.starts_at, 1), else_=0).label("current")


async def headline(
    session: AsyncSession, period: Period, *, now: datetime
) -> tuple[Headline, Headline]:
    """The period's totals and the previous period's, in one query."""
    due = and_(E.sla_due_at.is_not(None), or_(E.resolved_at.is_not(None), E.sla_due_at < now))
    scope, current = _both(period)
    rows = await session.execute(
        _joined(
            current,
            func.count(E.id),
            _sum(E.vip.is_(True)),
            _sum(E.resolved_at.is_not(None)),
            _sum(_rated),
            _sum(_needs_cause),
            _sum(_avoidable),
            _sum(due),
            _sum(and_(E.sla_due_at.is_not(None), E.resolved_at <= E.sla_due_at)),
            since=period.previous().starts_at,
        )
        .where(scope)
        .group_by(current)
    )
    found = {int(flag): Headline(*(int(v or 0) for v in values)) for flag, *values in rows}
    empty = Headline(0, 0, 0, 0, 0, 0, 0, 0)
    return found.get(1, empty), found.get(0, empty)


async def counts(
    session: AsyncSession, period: Period, dimension: Any, *, joined: bool = False
) -> tuple[dict[str, int], dict[str, int]]:
    """Escalations per value of one expression (category, language, …), now and before."""
    key = dimension.label("key")
    scope, current = _both(period)
    columns = (current, key, func.count(E.id))
    stmt: Any = _joined(*columns, since=period.previous().starts_at) if joined else select(*columns)
    result = await session.execute(stmt.where(scope).group_by(current, key))
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    for flag, k, n in result:
        (now if flag else before)[UNKNOWN if k is None else str(k)] = int(n)
    return now, before


_ROOT_CAUSE = case((_rated, R.root_cause), (_needs_cause, literal(NEEDS_ROOT_CAUSE)), else_=None)
_VIP = case((E.vip.is_(True), literal("vip")), else_=literal("standard"))


def _compare(now: dict[str, int], before: dict[str, int]) -> tuple[Count, ...]:
    keys = sorted(set(now) | set(before), key=lambda k: (-now.get(k, 0), -before.get(k, 0), k))
    return tuple(Count(k, now.get(k, 0), before.get(k, 0)) for k in keys)


async def agents(
    session: AsyncSession, period: Period
) -> tuple[tuple[AgentRow, ...], tuple[tuple[str, int], ...]]:
    """Per outsourcing agent, and overall, what was avoidable and what they lacked."""
    rows = await session.execute(
        _joined(
            E.agent_id,
            func.count(E.id),
            _sum(_rated),
            _sum(_avoidable),
            *_lacked_sums(),
            since=period.starts_at,
        )
        .where(_in(period))
        .group_by(E.agent_id)
    )
    words = [w.value for w in Lacked]
    out: list[AgentRow] = []
    overall: dict[str, int] = defaultdict(int)
    for agent_id, total, rated, avoidable, *lacked in rows:
        pairs = [(w, int(n)) for w, n in zip(words, lacked, strict=True) if n]
        for word, n in pairs:
            overall[word] += n
        pairs.sort(key=lambda p: (-p[1], p[0]))
        out.append(AgentRow(agent_id, int(total), int(rated), int(avoidable), tuple(pairs)))
    out.sort(key=lambda a: (-a.escalations, a.agent_id or 0))
    top = tuple(sorted(overall.items(), key=lambda p: (-p[1], p[0])))
    return tuple(out), top


async def percentiles(
    session: AsyncSession, period: Period, value: ColumnElement[Any], where: ColumnElement[bool]
) -> dict[str, tuple[float | None, float | None]]:
    """Median and p90 of ``value`` per category, over rows where ``where`` holds."""
    category = func.coalesce(E.category, UNKNOWN)
    scope = and_(_in(period), where)
    if _is_pg(session):
        stmt = (
            select(
                category,
                func.percentile_cont(0.5).within_group(value),
                func.percentile_cont(0.9).within_group(value),
            )
            .where(scope)
            .group_by(category)
        )
        return {str(c): (_float(m), _float(p)) for c, m, p in await session.execute(stmt)}
    ranked = (
        select(
            category.label("c"),
            value.label("v"),
            func.row_number().over(partition_by=category, order_by=value).label("rn"),
            func.count().over(partition_by=category).label("n"),
        )
        .where(scope)
        .subquery()
    )
    wanted = []
    for q in (0.5, 0.9):
        low = cast(1 + q * (ranked.c.n - 1), Integer)
        wanted += [ranked.c.rn == low, ranked.c.rn == low + 1]
    rows = await session.execute(
        select(ranked.c.c, ranked.c.n, ranked.c.rn, ranked.c.v).where(or_(*wanted))
    )
    ranks: dict[str, dict[int, float]] = defaultdict(dict)
    sizes: dict[str, int] = {}
    for c, n, rn, v in rows:
        ranks[str(c)][int(rn)] = float(v)
        sizes[str(c)] = int(n)
    return {
        c: (_interpolate(ranks[c], sizes[c], 0.5), _interpolate(ranks[c], sizes[c], 0.9))
        for c in sizes
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _interpolate(ranked: dict[int, float], n: int, q: float) -> float | None:
    """percentile_cont: linear interpolation between the rows at ranks floor(pos) and pos+1."""
    pos = 1 + q * (n - 1)
    low = int(pos)
    if low not in ranked:
        return None
    high = ranked.get(low + 1, ranked[low])
    return ranked[low] + (pos - low) * (high - ranked[low])


async def timings(
    session: AsyncSession, period: Period, sizes: dict[str, int]
) -> tuple[Timing, ...]:
    """Time to first analyst action and to resolution per category (median, p90)."""
    first_s = _seconds(session, _first_action, _desk_start)
    desk_s = _seconds(session, E.resolved_at, _desk_start)
    customer_s = _seconds(session, E.resolved_at, E.received_at)
    none = (None, None)
    if _is_pg(session):
        # One scan: percentile_cont skips NULLs, so each measure keeps only the rows it fits.
        category = func.coalesce(E.category, UNKNOWN)
        aggregates = [
            func.percentile_cont(q).within_group(v)
            for v in (first_s, desk_s, customer_s)
            for q in (0.5, 0.9)
        ]
        result = await session.execute(
            select(category, *aggregates).where(_in(period)).group_by(category)
        )
        found = {str(c): tuple(_float(v) for v in values) for c, *values in result}
        return tuple(
            Timing(c, n, *found.get(c, (None,) * 6))
            for c, n in sorted(sizes.items(), key=lambda p: (-p[1], p[0]))
        )
    first = await percentiles(session, period, first_s, _first_action.is_not(None))
    done = E.resolved_at.is_not(None)
    desk = await percentiles(session, period, desk_s, done)
    customer = await percentiles(session, period, customer_s, done)
    return tuple(
        Timing(c, n, *first.get(c, none), *desk.get(c, none), *customer.get(c, none))
        for c, n in sorted(sizes.items(), key=lambda p: (-p[1], p[0]))
    )


async def hourly(session: AsyncSession, period: Period) -> list[tuple[datetime, str, int]]:
    """Escalations received per UTC hour and category (at most 24 rows a day per category)."""
    bucket = _hour(session, E.received_at).label("h")
    category = func.coalesce(E.category, UNKNOWN).label("c")
    stmt = select(bucket, category, func.count(E.id)).where(_in(period)).group_by(bucket, category)
    return [(_as_utc(h), str(c), int(n)) for h, c, n in await session.execute(stmt)]


def coverage(roster: Roster, period: Period) -> dict[int, float]:
    """Mean number of analysts scheduled at each local hour of the day over the period.

    Only people who take escalations count (the analyst role): a lead-only or office account
    on the roster is not coverage.
    """
    totals: dict[int, int] = defaultdict(int)
    samples: dict[int, int] = defaultdict(int)
    at = period.starts_at.replace(minute=30, second=0, microsecond=0)
    if at < period.starts_at:
        at += timedelta(hours=1)
    while at < period.ends_at:
        hour = at.astimezone(period.tz).hour
        totals[hour] += sum(1 for o in on_shift(roster, at) if o.analyst.has_role(Role.ANALYST))
        samples[hour] += 1
        at += timedelta(hours=1)
    return {h: totals[h] / samples[h] for h in samples}


def _hours(
    buckets: Sequence[tuple[datetime, str, int]], roster: Roster, period: Period
) -> tuple[HourRow, ...]:
    received: dict[int, int] = defaultdict(int)
    for at, _, n in buckets:
        received[at.astimezone(period.tz).hour] += n
    staffed = coverage(roster, period)
    return tuple(HourRow(h, received.get(h, 0), round(staffed.get(h, 0.0), 2)) for h in range(24))


def _days(buckets: Sequence[tuple[datetime, str, int]], period: Period) -> tuple[DayCount, ...]:
    per: dict[tuple[Any, str], int] = defaultdict(int)
    for at, category, n in buckets:
        per[(at.astimezone(period.tz).date(), category)] += n
    return tuple(DayCount(d, c, n) for (d, c), n in sorted(per.items()))


async def build_report(
    session: AsyncSession,
    *,
    period: Period,
    roster: Roster,
    now: datetime,
    progress: Progress | None = None,
) -> Report:
    """Every view of the report for ``period``, with the previous period for trends."""
    say = progress or (lambda _step: None)
    say("totals")
    head, prev_head = await headline(session, period, now=now)
    say("breakdowns")
    dims: dict[str, Any] = {
        "category": E.category,
        "root_cause": _ROOT_CAUSE,
        "vip": _VIP,
        "language": E.language,
        "incident": E.incident_ref,
    }
    compared: dict[str, tuple[Count, ...]] = {}
    category_now: dict[str, int] = {}
    for name, dim in dims.items():
        now_counts, before_counts = await counts(session, period, dim, joined=name == "root_cause")
        if name == "root_cause":
            now_counts.pop(UNKNOWN, None)  # still open: no root cause yet, and none needed yet
            before_counts.pop(UNKNOWN, None)
        if name == "incident":
            now_counts.pop(UNKNOWN, None)  # in no incident
            before_counts.pop(UNKNOWN, None)
        if name == "category":
            category_now = now_counts
        compared[name] = _compare(now_counts, before_counts)
    say("agents")
    by_agent, lacked = await agents(session, period)
    say("timings")
    times = await timings(session, period, category_now)
    say("hours")
    buckets = await hourly(session, period)
    say("money")
    money = await money_movements(session, period, roster)
    paused = await session.scalar(
        select(func.sum(IncidentLink.paused_seconds))
        .join(E, E.id == IncidentLink.escalation_id)
        .where(_in(period))
    )
    return Report(
        period=period,
        generated_at=now,
        headline=head,
        previous=prev_head,
        by_category=compared["category"],
        by_root_cause=compared["root_cause"],
        by_vip=compared["vip"],
        by_language=compared["language"],
        by_agent=by_agent,
        lacked=lacked,
        timings=times,
        hours=_hours(buckets, roster, period),
        per_day=_days(buckets, period),
        money=money,
        agent_names=await agent_names.names(session, (a.agent_id for a in by_agent)),
        by_incident=compared["incident"],
        paused_seconds=float(paused or 0.0),
    )
