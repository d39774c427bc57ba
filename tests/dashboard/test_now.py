"""The now page's data: compliance cases only for compliance, the deadline that comes next,
panels filled by their sources (the seam incidents and money requests plug into), sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import sessions
from bot.dashboard.now import Panel, PanelRow, now_page
from bot.dashboard.viewer import WALLBOARD, Viewer
from bot.desk.roster import load_roster
from bot.store.db import Database
from bot.store.models import Escalation
from tests.web import ROSTER

NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)  # Tue 14:30 in São Paulo
ROSTER_ = load_roster(ROSTER)
WALL = Viewer(who=WALLBOARD, name="", locale="en", csrf="x")
EDUARDA = Viewer(
    who="eduarda", name="Eduarda", locale="pt_BR", csrf="x", analyst=ROSTER_.by_key("eduarda")
)
ANA_LEAD = Viewer(who="ana", name="Ana", locale="pt_BR", csrf="x", analyst=ROSTER_.by_key("ana"))


async def _seed(db: Database) -> None:
    async with db.session() as s:
        s.add_all(
            [
                Escalation(
                    ticket_id=1,
                    status="routed",
                    category="withdrawal",
                    subject="card 4111 1111 1111 1111",
                    analyst_key="carla",
                    received_at=NOW - timedelta(minutes=5),
                    claim_due_at=NOW + timedelta(minutes=25),
                    sla_due_at=NOW + timedelta(hours=4),
                ),
                Escalation(
                    ticket_id=2,
                    status="claimed",
                    category="aml",
                    subject="aml",
                    analyst_key="eduarda",
                    received_at=NOW - timedelta(minutes=50),
                    claimed_at=NOW - timedelta(minutes=40),
                    first_response_at=NOW - timedelta(minutes=40),
                    sla_due_at=NOW + timedelta(hours=1),
                ),
                Escalation(ticket_id=3, status="resolved", category="kyc", subject="done"),
            ]
        )


async def test_compliance_cases_show_to_compliance_only(db: Database) -> None:
    await _seed(db)
    async with db.read_session() as s:
        wall = await now_page(s, roster=ROSTER_, viewer=WALL, now=NOW)
        lead = await now_page(s, roster=ROSTER_, viewer=ANA_LEAD, now=NOW)
        compliance = await now_page(s, roster=ROSTER_, viewer=EDUARDA, now=NOW)
    assert [r.ticket_id for r in wall.rows] == [1] == [r.ticket_id for r in lead.rows]
    assert [r.ticket_id for r in compliance.rows] == [2, 1]  # soonest SLA first
    row = wall.rows[0]
    assert (row.due_kind, row.due_at) == ("claim", NOW + timedelta(minutes=25))
    assert "4111 1111 1111 1111" not in row.subject  # masked
    assert row.owner == "Carla Mendes"
    assert [state for state, _ in compliance.by_state()] == ["routed", "claimed"]
    assert wall.panels == ()  # no panel handed in: none drawn
    assert sum(h.received for h in wall.arrivals) == 2 and len(wall.arrivals) == 15


async def test_a_panel_source_fills_its_panel(db: Database) -> None:
    async def incidents(_s: AsyncSession, now: datetime, viewer: Viewer) -> Sequence[PanelRow]:
        return [PanelRow(f"Adyen degraded ({viewer.who})", link="/incidents/1", at=now)]

    panels = (Panel("incidents", "Open incidents", incidents),)
    async with db.read_session() as s:
        page = await now_page(s, roster=ROSTER_, viewer=WALL, now=NOW, panels=panels)
    assert page.panels[0][1] == (PanelRow("Adyen degraded (wallboard)", "/incidents/1", NOW),)


async def test_a_session_ends_when_it_expires_or_signs_out(db: Database) -> None:
    async with db.session() as s:
        started = await sessions.start(s, who="ana", slack_id="U05ANA0001", locale="pt-BR", now=NOW)
    async with db.read_session() as s:
        viewer = await sessions.find(s, token=started.token, roster=ROSTER_, now=NOW)
        assert viewer is not None and viewer.is_lead and viewer.locale == "pt_BR"
        later = NOW + sessions.SESSION_TTL
        assert await sessions.find(s, token=started.token, roster=ROSTER_, now=later) is None
        assert await sessions.find(s, token="forged", roster=ROSTER_, now=NOW) is None
    async with db.session() as s:
        await sessions.end(s, token=started.token)
    async with db.read_session() as s:
        assert await sessions.find(s, token=started.token, roster=ROSTER_, now=NOW) is None
