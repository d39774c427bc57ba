"""The now page's incidents and money panels, read from the tables their capabilities keep:
an open incident with its amounts, a money request waiting (a compliance one to compliance
only), a resolved incident and a decided request left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dashboard.now import now_page
from bot.dashboard.viewer import WALLBOARD, Viewer
from bot.desk.roster import load_roster
from bot.store.db import Database
from bot.store.models import Incident, MoneyRequest
from handlers.dashboard.panels import PANELS
from tests.web import ROSTER

NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
ROSTER_ = load_roster(ROSTER)
WALL = Viewer(who=WALLBOARD, name="", locale="en", csrf="x")
EDUARDA = Viewer(
    who="eduarda", name="Eduarda", locale="pt_BR", csrf="x", analyst=ROSTER_.by_key("eduarda")
)


def _incident(status: str, provider: str) -> Incident:
    return Incident(
        provider=provider,
        category="deposit_missing",
        status=status,
        source="escalations",
        began_at=NOW - timedelta(hours=1),
        opened_at=NOW - timedelta(minutes=50),
        opened_by="baton",
    )


def _request(state: str, *, compliance: bool, amount: str) -> MoneyRequest:
    return MoneyRequest(
        ticket_id=48213,
        customer_id="CUST-0042",
        kind="release" if compliance else "credit",
        amount=amount,
        currency="BRL",
        reason="goodwill",
        state=state,
        requested_by="carla",
        needs_lead=True,
        needs_compliance=compliance,
        created_at=NOW - timedelta(minutes=10),
        expires_at=NOW + timedelta(hours=23),
    )


async def test_the_panels_show_what_waits_and_nothing_decided(db: Database) -> None:
    async with db.session() as s:
        s.add_all(
            [
                _incident("open", "stark"),
                _incident("resolved", "pix"),
                _request("requested", compliance=False, amount="1500.00"),
                _request("requested", compliance=True, amount="300.00"),
                _request("completed", compliance=False, amount="99.00"),
            ]
        )
    async with db.read_session() as s:
        wall = await now_page(s, roster=ROSTER_, viewer=WALL, now=NOW, panels=PANELS)
        eduarda = await now_page(s, roster=ROSTER_, viewer=EDUARDA, now=NOW, panels=PANELS)
    (inc_panel, incidents), (money_panel, money) = wall.panels
    assert (inc_panel.key, money_panel.key) == ("incidents", "money")
    assert [r.text for r in incidents] == ["INC-1: stark · deposit_missing · Escalations: 0"]
    assert [r.text for r in money] == ["#1 Credit · R$1,500.00 · still needs a lead"]
    assert money[0].link == "/escalations/48213"
    # The compliance officer also sees the held withdrawal's release, in Portuguese.
    texts = [r.text for r in eduarda.panels[1][1]]
    assert len(texts) == 2 and "R$ 300,00" in texts[1].replace("\xa0", " ")
