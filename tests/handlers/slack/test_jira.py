"""`/baton jira` and the Jira buttons through the real Slack endpoint (fake Slack, fake Jira)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.services import Services
from bot.store.models import AuditEntry, Escalation
from integrations.jira import JiraClient
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    CARLA,
    EDUARDA,
    action_body,
    add_escalation,
    command_body,
    drain,
    find_pii,
    make_services,
    post_form,
    route,
)


@pytest.fixture
async def services(
    database_url: str, fake_slack: FakeSlack, fake_jira: FakeJira
) -> AsyncIterator[Services]:
    base = make_services(database_url, fake_slack)
    settings = dataclasses.replace(
        base.settings,
        zendesk_url="https://acme.zendesk.com",
        jira_url=fake_jira.url,
        jira_email=EMAIL,
        jira_api_token=TOKEN,
    )
    jira = JiraClient(base_url=fake_jira.url, token=TOKEN, email=EMAIL, cloud=True)
    svc = dataclasses.replace(base, settings=settings, jira=jira)
    yield svc
    await svc.db.dispose()
    assert not find_pii(fake_slack.texts())


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with TestClient(TestServer(create_app(services))) as c:
        yield c


async def answers(fake: FakeSlack, n: int) -> list[str]:
    return [str(c.params["text"]) for c in await fake.wait_for("response_url", n)]


async def test_command_creates_and_the_alert_shows_the_key(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    esc = await add_escalation(services, analyst_key="carla", ticket_id=48213)
    await route(services, esc, "carla")
    await drain(services)  # the alerts are posted
    await post_form(client, command_body(fake_slack, user=CARLA, text="jira 48213"))
    [first] = await answers(fake_slack, 1)
    assert "Creating a Jira issue in PAY for ticket #48213" in first
    await drain(services)
    [issue] = fake_jira.state.issues.values()
    updates = fake_slack.called("chat.update")
    assert updates and all(issue["key"] in str(u.params["blocks"]) for u in updates)
    assert f"{fake_jira.url}/browse/{issue['key']}" in str(updates[0].params["blocks"])
    async with services.db.session() as s:
        stored = await s.get(Escalation, esc.id)
    assert stored is not None and stored.first_response_at is not None  # asking is acting

    await post_form(
        client, action_body(fake_slack, user=CARLA, action_id="esc_jira", value=str(esc.id))
    )
    second = (await answers(fake_slack, 2))[1]
    assert f"already has <{fake_jira.url}/browse/{issue['key']}|{issue['key']}>" in second
    assert len(fake_jira.state.issues) == 1


async def test_compliance_case_is_refused_to_others(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    await add_escalation(services, analyst_key="eduarda", ticket_id=7000, category="aml")
    await post_form(client, command_body(fake_slack, user=CARLA, text="jira 7000"))
    [refused] = await answers(fake_slack, 1)
    assert "compliance case" in refused and fake_jira.requests == []
    await post_form(client, command_body(fake_slack, user=EDUARDA, text="jira 7000"))
    assert "COMP" in (await answers(fake_slack, 2))[1]


async def test_add_note_button(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
) -> None:
    esc = await add_escalation(services, analyst_key="carla", ticket_id=5555)
    async with services.db.session() as s:
        offer = AuditEntry(
            actor="jira",
            action="jira.customer_comment",
            escalation_id=esc.id,
            ticket_id=5555,
            detail={"issue": "PAY-9", "comment": "1", "text": "Refund sent."},
        )
        s.add(offer)
        await s.flush()
        offer_id = offer.id
    body = action_body(fake_slack, user=CARLA, action_id="jira_add_note", value=str(offer_id))
    await post_form(client, body)
    [answer] = await answers(fake_slack, 1)
    assert "Added to ticket #5555 as an internal note." in answer
    async with services.db.session() as s:
        noted = await s.scalar(select(AuditEntry).where(AuditEntry.action == "jira.comment_noted"))
    assert noted is not None and noted.actor == "carla"


async def test_usage_and_bad_project(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
) -> None:
    await add_escalation(services, analyst_key="carla", ticket_id=6000)
    await post_form(client, command_body(fake_slack, user=CARLA, text="jira"))
    [usage] = await answers(fake_slack, 1)
    await post_form(client, command_body(fake_slack, user=CARLA, text="jira 6000 not-a-key!"))
    bad = (await answers(fake_slack, 2))[1]
    assert "/baton jira <ticket> [project]" in usage
    assert "not a Jira project key" in bad


@pytest.mark.parametrize("project", ["PAY", "payments", "product"])
async def test_compliance_case_stays_in_the_compliance_project(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
    project: str,
) -> None:
    await add_escalation(services, analyst_key="eduarda", ticket_id=7000, category="aml")
    await post_form(client, command_body(fake_slack, user=EDUARDA, text=f"jira 7000 {project}"))
    [refused] = await answers(fake_slack, 1)
    assert "stays in the compliance project, not" in refused, refused
    assert "Traceback" not in refused
    await drain(services)
    assert fake_jira.requests == []
    async with services.db.session() as s:
        asked = await s.scalar(select(AuditEntry).where(AuditEntry.action == "jira.requested"))
    assert asked is None
    await post_form(client, command_body(fake_slack, user=EDUARDA, text="jira 7000 COMP"))
    assert "COMP" in (await answers(fake_slack, 2))[1]


async def test_a_create_queued_before_the_case_became_aml_is_not_sent(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    esc = await add_escalation(services, analyst_key="carla", ticket_id=48213)
    await post_form(client, command_body(fake_slack, user=CARLA, text="jira 48213"))
    assert "Creating a Jira issue in PAY" in (await answers(fake_slack, 1))[0]
    async with services.db.session() as s:
        stored = await s.get(Escalation, esc.id)
        assert stored is not None
        stored.category = "aml"  # re-classified before the create was delivered
    await drain(services)
    assert fake_jira.state.issues == {}
