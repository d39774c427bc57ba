"""Issues from escalations through the outbox: exactly one per escalation and project."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.demo.bundle import Clock
from bot.services import Services
from bot.store.models import Escalation, JiraLink
from bot.worker import Worker
from tests.fakes.jira_server import FakeJira
from tests.fakes.zendesk_server import FakeZendesk
from tests.jira.support import (
    ask,
    baton_notes,
    escalate,
    rows,
)


async def test_issue_created_linked_and_noted(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc = await escalate(
        client, services, fake_zendesk, 301, tags=("esc_senior", "esc_withdrawal", "vip")
    )
    asked = await ask(services, esc.id)
    assert asked.queued and asked.project == "PAY" and asked.issue is None
    assert not (await ask(services, esc.id)).queued  # asking again adds nothing
    await Worker(services).drain()

    [issue] = fake_jira.state.issues.values()
    fields = issue["fields"]
    assert fields["project"]["key"] == "PAY" and fields["priority"] == {"name": "High"}
    assert set(fields["labels"]) >= {
        "baton",
        f"baton-esc-{esc.id}",
        "baton-withdrawal",
        "baton-vip",
    }
    assert "ticket #301" in fields["summary"]
    [link] = fake_jira.state.links[issue["key"]]
    assert link["object"]["url"] == f"{fake_zendesk.url}/agent/tickets/301"
    [_routing, note] = baton_notes(fake_zendesk, 301)
    assert issue["key"] in note and f"{fake_jira.url}/browse/{issue['key']}" in note
    async with services.db.session() as s:
        stored = await s.get(Escalation, esc.id)
        [row] = (await s.scalars(select(JiraLink))).all()
    assert (
        stored is not None and stored.jira_issues and stored.jira_issues[0]["key"] == issue["key"]
    )
    assert row.issue_key == issue["key"] and row.created_by == esc.analyst_key
    done = await ask(services, esc.id)
    assert done.issue is not None and done.issue.key == issue["key"]
    assert [r.status for r in await rows(services.db, "jira")] == ["done", "done"]


async def test_jira_down_then_back_creates_one_issue(
    client: TestClient[Any, Any],
    services: Services,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc = await escalate(client, services, fake_zendesk, 302)
    fake_jira.down()
    await ask(services, esc.id)
    worker = Worker(services)
    await worker.drain()
    [row] = await rows(services.db, "jira")
    assert row.status == "pending" and "503" in (row.last_error or "")
    clock.now += timedelta(minutes=10)
    await worker.drain()  # still down: another attempt, still waiting
    # The retry looks before it creates: its search met the 503.
    assert [r.path for r in fake_jira.requests] == ["/rest/api/3/issue", "/rest/api/3/search/jql"]
    fake_jira.up()
    clock.now += timedelta(minutes=10)
    await worker.drain()
    assert len(fake_jira.state.issues) == 1
    assert [r.status for r in await rows(services.db, "jira")] == ["done", "done"]


async def test_create_that_landed_but_lost_its_answer_is_found_not_repeated(
    client: TestClient[Any, Any],
    services: Services,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc = await escalate(client, services, fake_zendesk, 303)
    fake_jira.lose_next_answer(1)
    await ask(services, esc.id)
    worker = Worker(services)
    await worker.drain()
    assert len(fake_jira.state.issues) == 1  # it landed; Baton did not hear it
    [row] = await rows(services.db, "jira")
    assert row.status == "pending"
    clock.now += timedelta(minutes=10)
    await worker.drain()
    assert len(fake_jira.state.issues) == 1
    assert len(fake_jira.requests_to("POST", r"/rest/api/3/issue")) == 1
    assert len(fake_jira.requests_to("GET", r"/rest/api/3/search/jql")) == 1
    [key] = fake_jira.state.issues
    async with services.db.session() as s:
        link = await s.scalar(select(JiraLink))
    assert link is not None and link.issue_key == key
    assert len([n for n in baton_notes(fake_zendesk, 303) if key in n]) == 1


async def test_another_project_on_request_is_masked(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc = await escalate(
        client,
        services,
        fake_zendesk,
        304,
        subject="Saque não recebido, cartão 4111 1111 1111 1111",
        email="maria.silva@example.com",
    )
    asked = await ask(services, esc.id, project="product")
    assert asked.project == "PROD"
    await Worker(services).drain()
    [issue] = fake_jira.state.issues.values()
    text = str(issue["fields"])
    assert "4111 1111 1111 1111" not in text and "1111" in text
    assert "maria.silva@example.com" not in text


async def test_compliance_case_opens_its_issue_at_routing_with_the_customer(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    await escalate(
        client,
        services,
        fake_zendesk,
        305,
        tags=("esc_senior", "esc_aml"),
        subject="Depósitos fracionados de R$ 9.900,00",
        text="Cliente fez 12 depósitos de R$ 9.900,00 em dois dias, TX-AML77821.",
        email="joao.pereira@example.com",
    )
    [issue] = fake_jira.state.issues.values()
    assert issue["key"].startswith("COMP-")
    text = str(issue["fields"]["description"])
    assert "joao.pereira@example.com" in text and "Cliente" in text


async def test_a_refused_create_is_dead_until_asked_again(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc = await escalate(client, services, fake_zendesk, 306)
    fake_jira.fail_next(1, status=400)  # e.g. a required field the project wants
    assert (await ask(services, esc.id)).queued
    await Worker(services).drain()
    [row] = await rows(services.db, "jira")
    assert row.status == "dead" and fake_jira.state.issues == {}
    assert (await ask(services, esc.id)).queued  # the analyst asks again: sent again
    await Worker(services).drain()
    assert len(fake_jira.state.issues) == 1
    assert (await ask(services, esc.id)).issue is not None
