"""`baton history <ticket>`: the escalation's life from the audit log, routing decisions, drafts,
Jira links and the resolution, in the roster's time zone; and the CLI command itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from bot.cli import main
from bot.errors import NotFound
from bot.resolutions.history import print_history
from bot.services import Services
from bot.store.models import JiraLink, RoutingDecisionRow
from tests.drafts.support import TICKET, escalation
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.resolutions.support import submit
from tests.slack.support import CARLA, NOW, PII


async def test_history_prints_a_readable_timeline(
    client: TestClient,
    fake_slack: FakeSlack,
    services: Services,
    zendesk: FakeZendesk,
    database_url: str,
) -> None:
    esc = await escalation(services, zendesk)
    async with services.db.session() as s:
        s.add(
            RoutingDecisionRow(
                escalation_id=esc.id,
                analyst_key="carla",
                reasons=["on shift", "speaks pt"],
                decided_at=NOW + timedelta(seconds=5),
            )
        )
        s.add(
            JiraLink(
                escalation_id=esc.id,
                ticket_id=TICKET,
                project="PAY",
                issue_key="PAY-7",
                issue_id="10007",
                url="https://jira.example.com/browse/PAY-7",
                created_by="carla",
                created_at=NOW + timedelta(minutes=20),
            )
        )
    services.clock = lambda: NOW + timedelta(hours=1)  # type: ignore[method-assign]
    await submit(client, CARLA, esc.id, summary=f"Refunded card {PII['card']} after review.")
    lines: list[str] = []
    await print_history(
        database_url, ticket_id=TICKET, tz=services.roster.timezone, echo=lines.append
    )
    text = "\n".join(lines)
    assert text.startswith(f"Ticket #{TICKET} (America/Sao_Paulo)")
    rows = text.splitlines()[1:]
    # São Paulo time (UTC-3), in order: escalated, routed, Jira, resolved.
    assert rows[0].startswith("2026-01-06 14:30") and "agent: escalated (withdrawal)" in rows[0]
    assert "routing decision: carla — on shift; speaks pt" in rows[1]
    assert "carla: Jira PAY-7" in rows[2]
    assert any(r.startswith("2026-01-06 15:30") and "escalation.resolved" in r for r in rows)
    resolution = next(r for r in rows if "resolution: provider_delay" in r)
    assert "carla:" in resolution and "not avoidable" in resolution
    assert PII["card"] not in text  # masked: the timeline may be pasted anywhere


async def test_history_of_an_unknown_ticket(services: Services, database_url: str) -> None:
    with pytest.raises(NotFound, match="no escalation for ticket #999"):
        await print_history(database_url, ticket_id=999, tz=services.roster.timezone, echo=print)


def test_history_refuses_a_word_that_is_not_a_ticket() -> None:
    result = CliRunner().invoke(main, ["history", "abc"])
    assert result.exit_code == 2 and "not a ticket number" in result.output
