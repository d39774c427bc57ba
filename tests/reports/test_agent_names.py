"""Outsourcing agents by their Zendesk names: read from the fake Zendesk's users API once, kept,
and shown in the report's table, workbook and chart; Zendesk down leaves the ids."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.desk.roster import load_roster
from bot.reports import text
from bot.reports.agents import learn_names, with_names
from bot.reports.run import load_report
from bot.services import Services, Unconfigured
from bot.store import agents
from bot.store.db import Database
from bot.store.models import Escalation
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.web import ROSTER

NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)


@pytest.fixture
async def services(database_url: str, fake_zendesk: FakeZendesk) -> AsyncIterator[Services]:
    svc = Services(
        settings=Settings(database_url=database_url),
        db=Database(database_url),
        roster=load_roster(ROSTER),
        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
        clock=lambda: NOW,
    )
    yield svc
    await svc.db.dispose()


async def test_names_come_from_zendesk_once_and_reach_the_report(
    services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_user(id=501, name="Marina Prado", role="agent")
    async with services.db.session() as s:
        for ticket, agent in ((1, 501), (2, 501), (3, 777)):
            s.add(
                Escalation(
                    ticket_id=ticket,
                    status="routed",
                    category="withdrawal",
                    subject="x",
                    agent_id=agent,
                    received_at=NOW.replace(hour=12),
                )
            )
    report = await load_report(services.db, roster=services.roster, spec="week", now=NOW)
    named = await with_names(services, report)
    assert named.agent_label(501) == "Marina Prado" and named.agent_label(777) == "777"
    reads = [r for r in fake_zendesk.requests if "show_many" in r.path]
    assert len(reads) == 1 and reads[0].args["ids"] == "501,777"
    # Kept: the next report names her without asking Zendesk.
    again = await load_report(services.db, roster=services.roster, spec="week", now=NOW)
    assert "Marina Prado" in text.render(again)
    assert await learn_names(services, [501]) == {501: "Marina Prado"}
    assert len([r for r in fake_zendesk.requests if "show_many" in r.path]) == 1


async def test_zendesk_down_leaves_the_ids(services: Services, fake_zendesk: FakeZendesk) -> None:
    fake_zendesk.down()
    assert await learn_names(services, [501]) == {}
    offline = dataclasses.replace(services, zendesk=Unconfigured("zendesk"))
    assert await learn_names(offline, [501]) == {}
    async with services.db.read_session() as s:
        assert await agents.names(s, [501]) == {}
