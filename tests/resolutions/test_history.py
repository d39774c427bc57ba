"""`baton history <ticket>`: the escalation's life from the audit log, routing decisions, drafts,
Jira links and the resolution, in the roster's time zone; and the CLI command itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from bot.cli.main import main
from bot.errors import NotFound
from bot.resolutions.history import print_history
from bot.services import Services
from bot.store.models import AuditEntry, JiraLink, RoutingDecisionRow
from tests.drafts.support import TICKET, escalation
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, NOW, PII
from tests.resolutions.support import submit


async def test_history_prints_a_readable_timeline(
    client: TestClient,
    fake_slack: FakeSlack,
    services: Services,
    zendesk: FakeZendesk,
    database_url: str,
) -> None:
    esc = await escalation(services, zendesk)
    async with services.db.session() as s:
        decision = RoutingDecisionRow(
            escalation_id=esc.id,
            analyst_key="carla",
            reasons=["on shift", "speaks pt"],
            decided_at=NOW + timedelta(seconds=5),
        )
        s.add(decision)
        await s.flush()
        # What intake, a claim and a sent draft store (bot/escalations, bot/drafts/flow.py).
        for minutes, actor, action, detail in (
            (0, "baton", "routed", {"decision": decision.id, "analyst": "carla"}),
            (3, "carla", "escalation.claimed", {"previous": "carla", "waited_unassigned": False}),
            (9, "carla", "draft.sent", {"template": "withdrawal_delayed", "language": "pt"}),
        ):
            s.add(
                AuditEntry(
                    at=NOW + timedelta(seconds=5, minutes=minutes),
                    actor=actor,
                    action=action,
                    escalation_id=esc.id,
                    ticket_id=TICKET,
                    detail=detail,
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
    services.clock = lambda: NOW + timedelta(hours=2)  # type: ignore[method-assign]
    await submit(
        client,
        CARLA,
        esc.id,
        summary="Paid out after the provider's call.",
        avoidable="yes",
        lacked=("access", "knowledge"),
    )
    lines: list[str] = []
    await print_history(
        database_url,
        ticket_id=TICKET,
        tz=services.roster.timezone,
        echo=lines.append,
        roster=services.roster,
    )
    text = "\n".join(lines)
    assert text.splitlines()[0] == f"Ticket #{TICKET}, times in America/Sao_Paulo"
    rows = text.splitlines()[1:]
    # São Paulo time (UTC-3), in order, as sentences with the roster's names.
    assert rows[0].startswith("2026-01-06 14:30  ") and "escalated it (withdrawal)" in rows[0]
    assert rows[1].endswith("  Routed to Carla Mendes: on shift; speaks pt")
    assert rows[2].endswith("  Carla Mendes claimed it")
    assert rows[3].endswith("  Carla Mendes sent a reply in Portuguese (withdrawal delayed)")
    assert rows[4].endswith("  Jira issue PAY-7 created in PAY")
    assert rows[5].startswith("2026-01-06 15:30  Carla Mendes resolved it: root cause provider")
    assert "not avoidable" in rows[5]
    assert rows[6].startswith("2026-01-06 16:30  Carla Mendes amended the resolution: ")
    assert "avoidable, lacked access, knowledge" in rows[6]
    assert rows[6].endswith("— Paid out after the provider's call.")
    assert len(rows) == 7  # each step once: no routing twice, no resolution row again
    # No internal event names, no Python lists, no roster keys.
    for raw in ("escalation.", "draft.sent", "['", "decision=", "carla:", "routing decision"):
        assert raw not in text
    assert PII["card"] not in text  # masked: the timeline may be pasted anywhere


async def test_history_of_an_unknown_ticket(services: Services, database_url: str) -> None:
    with pytest.raises(NotFound, match="no escalation for ticket #999"):
        await print_history(database_url, ticket_id=999, tz=services.roster.timezone, echo=print)


def test_history_refuses_a_word_that_is_not_a_ticket() -> None:
    result = CliRunner().invoke(main, ["history", "abc"])
    assert result.exit_code == 2 and "not a ticket number" in result.output


async def test_history_shows_terminal_control_sequences_as_escapes(
    client: TestClient, services: Services, zendesk: FakeZendesk, database_url: str
) -> None:
    esc = await escalation(services, zendesk)
    services.clock = lambda: NOW + timedelta(hours=1)  # type: ignore[method-assign]
    # What a summary pasted from anywhere may carry: clear screen, an OSC 8 hyperlink hiding its
    # address, a carriage return that overwrites the line, a bell.
    summary = "Paid\x1b[2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07\rall fine\x07"
    await submit(client, CARLA, esc.id, summary=summary)
    lines: list[str] = []
    await print_history(
        database_url,
        ticket_id=TICKET,
        tz=services.roster.timezone,
        echo=lines.append,
        roster=services.roster,
    )
    text = "\n".join(lines)
    for raw in ("\x1b", "\x07", "\r"):
        assert raw not in text
    resolved = text.splitlines()[-1]
    assert "resolved it" in resolved
    assert resolved.endswith(
        "Paid\\x1b[2J\\x1b]8;;http://evil.example\\x07click\\x1b]8;;\\x07 all fine\\x07"
    )  # the carriage return is whitespace, told as a space like a newline
