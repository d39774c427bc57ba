"""A small hand-made week of escalations and resolutions, with the numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.period import Period, parse_period
from bot.store.db import Database
from bot.store.models import Escalation, ResolutionRow

TZ = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year since 2019
NOW = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def week() -> Period:
    return parse_period("2026-01-05..2026-01-11", now=NOW, tz=TZ)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _esc(n: int, received: datetime, **fields: Any) -> Escalation:
    values: dict[str, Any] = {
        "ticket_id": 48000 + n,
        "status": "resolved",
        "category": "withdrawal",
        "vip": False,
        "language": "pt",
        "received_at": received,
        "desk_started_at": received,
    }
    values.update(fields)
    return Escalation(**values)


def _res(
    esc: Escalation, cause: str, *, avoidable: bool = False, lacked: Any = (), by: str = "carla"
) -> ResolutionRow:
    assert esc.resolved_at is not None
    return ResolutionRow(
        escalation_id=esc.id,
        root_cause=cause,
        summary="done",
        outcome="funds_credited",
        avoidable=avoidable,
        lacked=list(lacked),
        zendesk_status="solved",
        resolved_by=by,
        resolved_at=esc.resolved_at,
    )


async def seed(db: Database) -> None:
    """Five escalations in the week of 5 January 2026, one before it and one after it."""
    t1, t2, t3 = local(5, 10), local(5, 10, 30), local(6, 14)
    t4, t5 = local(7, 9), local(8, 20)
    e1 = _esc(
        1,
        t1,
        vip=True,
        agent_id=501,
        claimed_at=t1 + 10 * MIN,
        resolved_at=t1 + 60 * MIN,
        sla_due_at=t1 + 120 * MIN,
    )
    e2 = _esc(
        2,
        t2,
        language="en",
        agent_id=501,
        claimed_at=t2 + 20 * MIN,
        resolved_at=t2 + 180 * MIN,
        sla_due_at=t2 + 120 * MIN,
    )
    desk3 = t3 + 30 * MIN  # the customer wrote half an hour before the desk got it
    e3 = _esc(
        3,
        t3,
        category="deposit",
        agent_id=502,
        desk_started_at=desk3,
        first_response_at=desk3 + 5 * MIN,
        resolved_at=desk3 + 40 * MIN,
        sla_due_at=desk3 + 60 * MIN,
    )
    e4 = _esc(
        4,
        t4,
        category="deposit",
        vip=True,
        language="es",
        agent_id=502,
        claimed_at=t4 + 30 * MIN,
        resolved_at=t4 + 100 * MIN,
        sla_due_at=t4 + 60 * MIN,
    )
    e5 = _esc(5, t5, category="kyc", status="routed", sla_due_at=NOW + timedelta(days=3))
    before = _esc(6, local(2, 11), resolved_at=local(2, 12))
    after = _esc(7, local(12, 1), status="routed")
    async with db.session() as s:
        s.add_all([e1, e2, e3, e4, e5, before, after])
        await s.flush()
        s.add_all(
            [
                _res(e1, "provider_delay", avoidable=True, lacked=["access", "knowledge"]),
                _res(e2, "provider_delay"),
                _res(e3, "kyc_incomplete", avoidable=True, lacked=["access"]),
                # e4 was closed in Zendesk and nobody gave a root cause: no resolution row.
                _res(before, "other", by="zendesk"),
            ]
        )
