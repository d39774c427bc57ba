"""The now page's data: the floor at one instant, read in one snapshot.

Open escalations by state with their deadlines (the browser counts them down), who is on shift
now and next, today's arrivals per hour against the analysts scheduled then, the services that
are failing, and panels other capabilities fill (open incidents, money requests waiting): each
``Panel`` reads its rows in the page's session; handlers/dashboard/panels.py hands them in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.viewer import Viewer
from bot.desk import availability
from bot.desk.on_shift import WhoIsOn, who_is_on
from bot.desk.roster import Roster, on_shift
from bot.domain import Category, EscalationStatus
from bot.masking import mask
from bot.store import health
from bot.store.models import Escalation

# The order the now page lists states in: what needs a person first.
STATES = (
    EscalationStatus.UNASSIGNED,
    EscalationStatus.ROUTED,
    EscalationStatus.CLAIMED,
    EscalationStatus.INCOMPLETE,
    EscalationStatus.RECEIVED,
)
MAX_ROWS = 200  # per page: a wall shows fewer; beyond this the page says how many more
COMPLIANCE = [
    c.value for c in Category if c.is_compliance
]  # per page: a wall shows fewer; a burst beyond this is said, not drawn


@dataclass(frozen=True)
class OpenRow:
    escalation_id: int
    ticket_id: int
    subject: str  # masked; the template escapes it
    category: str | None
    vip: bool
    status: str
    owner: str | None  # roster name
    received_at: datetime
    due_at: datetime | None  # the deadline that comes next: claim, first response or SLA
    due_kind: str | None  # "claim" | "first_response" | "sla"
    sla_due_at: datetime | None


@dataclass(frozen=True)
class PanelRow:
    text: str
    link: str | None = None
    at: datetime | None = None


# One panel's rows for this instant (read in the page's snapshot), for this viewer.
PanelRows = Callable[[AsyncSession, datetime, Viewer], Awaitable[Sequence[PanelRow]]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str  # a msgid (N_): the page translates it
    rows: PanelRows


@dataclass(frozen=True)
class Arrivals:
    hour: int  # desk time
    received: int
    on_shift: int


@dataclass(frozen=True)
class Failing:
    service: str
    since: datetime | None
    down: bool
    error: str | None


@dataclass(frozen=True)
class NowPage:
    at: datetime
    rows: tuple[OpenRow, ...]
    more: int  # open escalations beyond MAX_ROWS
    who: WhoIsOn
    arrivals: tuple[Arrivals, ...]
    failing: tuple[Failing, ...]
    panels: tuple[tuple[Panel, tuple[PanelRow, ...]], ...] = field(default=())

    def by_state(self) -> list[tuple[str, list[OpenRow]]]:
        """The open rows grouped in STATES order, empty states left out."""
        out = []
        for state in STATES:
            rows = [r for r in self.rows if r.status == state.value]
            if rows:
                out.append((state.value, rows))
        return out


def _aware(at: datetime | None) -> datetime | None:
    return None if at is None else at if at.tzinfo else at.replace(tzinfo=UTC)


def next_deadline(esc: Escalation) -> tuple[datetime | None, str | None]:
    """The deadline that comes next for this escalation, and which one it is."""
    pending: list[tuple[datetime, str]] = []
    if esc.claimed_at is None and esc.claim_due_at is not None:
        pending.append((_aware(esc.claim_due_at) or esc.claim_due_at, "claim"))
    if esc.first_response_at is None and esc.first_response_due_at is not None:
        at = _aware(esc.first_response_due_at) or esc.first_response_due_at
        pending.append((at, "first_response"))
    if esc.sla_due_at is not None:
        pending.append((_aware(esc.sla_due_at) or esc.sla_due_at, "sla"))
    if not pending:
        return None, None
    at, kind = min(pending)
    return at, kind


def _row(esc: Escalation, roster: Roster) -> OpenRow:
    owner = roster.by_key(esc.analyst_key) if esc.analyst_key else None
    due_at, due_kind = next_deadline(esc)
    return OpenRow(
        escalation_id=esc.id,
        ticket_id=esc.ticket_id,
        subject=mask(esc.subject or ""),
        category=esc.category,
        vip=esc.vip,
        status=esc.status,
        owner=owner.name if owner else esc.analyst_key,
        received_at=_aware(esc.received_at) or esc.received_at,
        due_at=due_at,
        due_kind=due_kind,
        sla_due_at=_aware(esc.sla_due_at),
    )


async def open_rows(
    session: AsyncSession, *, roster: Roster, viewer: Viewer
) -> tuple[list[OpenRow], int]:
    """Open escalations this viewer may see, soonest SLA first; and how many more there are."""
    visible = Escalation.status != EscalationStatus.RESOLVED.value
    if not viewer.is_compliance:  # compliance cases are left out in SQL, before the limit
        visible = visible & (Escalation.category.is_(None) | Escalation.category.not_in(COMPLIANCE))
    found = await session.scalars(
        select(Escalation)
        .where(visible)
        .order_by(Escalation.sla_due_at.is_(None), Escalation.sla_due_at, Escalation.id)
        .limit(MAX_ROWS)
    )
    rows = [_row(e, roster) for e in found if viewer.may_see(e.category)]
    if len(rows) < MAX_ROWS:
        return rows, 0
    total = await session.scalar(select(func.count()).select_from(Escalation).where(visible))
    return rows, max(0, int(total or 0) - len(rows))


async def arrivals_today(
    session: AsyncSession, *, roster: Roster, now: datetime
) -> tuple[Arrivals, ...]:
    """Escalations received in each desk hour of today so far, against analysts on shift."""
    tz = roster.timezone
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight.astimezone(UTC)
    received = await session.scalars(
        select(Escalation.received_at).where(
            Escalation.received_at >= start, Escalation.received_at <= now
        )
    )
    per_hour = [0] * 24
    for at in received:
        per_hour[(_aware(at) or at).astimezone(tz).hour] += 1
    marks = await availability.current(session, now=start)
    out = []
    for hour in range(local.hour + 1):
        instant = (midnight + timedelta(hours=hour)).astimezone(UTC)
        out.append(Arrivals(hour, per_hour[hour], len(on_shift(roster, instant, marks))))
    return tuple(out)


async def failing(session: AsyncSession) -> tuple[Failing, ...]:
    """Services failing now (down, or failing without being down yet)."""
    return tuple(
        Failing(name, _aware(st.failing_since), st.down, st.last_error)
        for name, st in sorted((await health.states(session)).items())
        if st.failures > 0
    )


async def now_page(
    session: AsyncSession,
    *,
    roster: Roster,
    viewer: Viewer,
    now: datetime,
    panels: Sequence[Panel] = (),
) -> NowPage:
    """Everything the now page shows, for this viewer at this instant."""
    rows, more = await open_rows(session, roster=roster, viewer=viewer)
    marks = await availability.current(session, now=now)
    filled = []
    for panel in panels:
        filled.append((panel, tuple(await panel.rows(session, now, viewer))))
    return NowPage(
        at=now,
        rows=tuple(rows),
        more=more,
        who=who_is_on(roster, now=now, marks=marks),
        arrivals=await arrivals_today(session, roster=roster, now=now),
        failing=await failing(session),
        panels=tuple(filled),
    )
