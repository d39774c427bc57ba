"""A case that becomes AML or fraud after it was escalated (issue 25, point 2): the agent adds
esc_aml to a ticket Baton already routed as a withdrawal. Through the real webhook, worker and
clients, on the fake Zendesk, Slack and Jira."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.demo.bundle import Clock
from bot.drafts.flow import allowed_templates
from bot.drafts.templates import NEUTRAL
from bot.resolutions.history import timeline
from bot.services import Services
from bot.slack_messages.ids import DraftAction
from bot.store.db import Database
from bot.store.models import AuditEntry, Escalation, InboxEvent
from bot.worker import Worker
from integrations.jira import JiraClient
from integrations.slack import SlackClient
from tests.drafts.support import command, element
from tests.drafts.support import shown as answer_shows
from tests.escalations.test_intake import MONDAY_10, SECRET, post_trigger
from tests.fakes.jira_server import EMAIL as JIRA_EMAIL
from tests.fakes.jira_server import TOKEN as JIRA_TOKEN
from tests.fakes.jira_server import FakeJira
from tests.fakes.slack_server import TOKEN as SLACK_TOKEN
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import COMPLIANCE, LEADS, ROUTING
from tests.handlers.slack.support import SECRET as SLACK_SECRET
from tests.web import app_client, post_zendesk, zendesk_services

TICKET = 2501
SUBJECT = "Saque não recebido"
_ids = count(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)  # 10:00 in São Paulo: Ana and Bruno on shift, no compliance analyst


@pytest.fixture
def services(
    db: Database,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
    clock: Clock,
) -> Services:
    base = zendesk_services(db, fake_zendesk, clock, secret=SECRET)
    settings = dataclasses.replace(
        base.settings,
        zendesk_url=fake_zendesk.url,
        slack_bot_token=SLACK_TOKEN,
        slack_signing_secret=SLACK_SECRET,
        slack_api_url=fake_slack.api_url,
        slack_routing_channel=ROUTING,
        slack_compliance_channel=COMPLIANCE,
        slack_leads_channel=LEADS,
        jira_url=fake_jira.url,
        jira_email=JIRA_EMAIL,
        jira_api_token=JIRA_TOKEN,
    )
    return dataclasses.replace(
        base,
        settings=settings,
        slack=SlackClient.from_settings(settings),
        jira=JiraClient(base_url=fake_jira.url, token=JIRA_TOKEN, email=JIRA_EMAIL, cloud=True),
    )


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c


def tags_changed(ticket_id: int, tags: list[str], added: list[str]) -> dict[str, Any]:
    """An event-subscription body as Zendesk sends it when an agent edits the ticket's tags."""
    return {
        "type": "zen:event-type:ticket.tags_changed",
        "account_id": 1,
        "id": f"5d0a6f36-8a51-4c41-9a37-1f3c4d2c{next(_ids):04d}",
        "time": "2026-11-16T13:05:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {"id": str(ticket_id), "actor_id": "500777", "tags": tags},
        "event": {"tags": {"added": added, "removed": []}},
    }


async def add_tag(client: TestClient[Any, Any], fake: FakeZendesk, ticket_id: int, tag: str) -> str:
    """The agent adds a tag in Zendesk; Zendesk tells Baton with the ticket's tags."""
    fake.agent_update(ticket_id, add_tags=[tag])
    body = tags_changed(ticket_id, list(fake.state.tickets[ticket_id]["tags"]), [tag])
    resp = await post_zendesk(client, SECRET, body)
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["status"])


async def esc_of(services: Services) -> Escalation:
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == TICKET))
    assert esc is not None
    return esc


def shown(message: dict[str, Any]) -> str:
    return json.dumps([message["text"], message["blocks"]], ensure_ascii=False)


def dm_channel(slack_id: str) -> str:
    return "D" + slack_id.lstrip("UW")  # the fake Slack's conversations.open


async def audit_count(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_a_withdrawal_that_becomes_aml_reaches_only_compliance(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    fake_zendesk.add_escalation(TICKET, subject=SUBJECT)
    assert await post_trigger(client, TICKET) == "stored"
    await Worker(services).drain()
    esc = await esc_of(services)
    assert esc.category == "withdrawal" and esc.analyst_key in ("ana", "bruno")
    [alert] = fake_slack.messages[ROUTING]
    assert SUBJECT in shown(alert)  # the full alert, as any withdrawal
    assert COMPLIANCE not in fake_slack.messages and fake_jira.state.issues == {}
    owner = services.roster.by_key(esc.analyst_key or "")
    assert owner is not None

    assert await add_tag(client, fake_zendesk, TICKET, "esc_aml") == "stored"
    await Worker(services).drain()

    esc = await esc_of(services)
    assert esc.category == "aml"
    # The routing channel's alert is edited down to the compliance notice: no customer details.
    [alert] = fake_slack.messages[ROUTING]
    assert any(c.params.get("channel") == ROUTING for c in fake_slack.called("chat.update"))
    assert "Compliance case on ticket #2501" in shown(alert) and SUBJECT not in shown(alert)
    # The compliance channel gets the case, with its details; so does the owner's DM.
    [case] = fake_slack.messages[COMPLIANCE]
    assert SUBJECT in shown(case)
    [dm] = fake_slack.messages[dm_channel(owner.slack_id)]
    assert SUBJECT in shown(dm) and "aml" in shown(dm)
    # The compliance project gets its issue, as a case routed as AML does.
    [issue] = fake_jira.state.issues.values()
    assert issue["key"].startswith("COMP-")
    # Only neutral replies are offered from now on: the owner's /baton draft preview says so.
    assert allowed_templates(esc) and set(allowed_templates(esc)) <= NEUTRAL
    preview = await command(client, fake_slack, owner.slack_id, f"draft {TICKET}")
    assert "Compliance case: only neutral replies" in answer_shows(preview)
    options = element(preview, DraftAction.TEMPLATE)["options"]
    offered = {o["value"].split(":", 1)[1] for o in options}
    assert offered and offered <= {str(t) for t in NEUTRAL}
    # AML's 2-hour resolution deadline replaces the withdrawal's 4 hours.
    assert esc.desk_started_at is not None and esc.sla_due_at is not None
    assert esc.sla_due_at - esc.desk_started_at == timedelta(minutes=120)
    async with services.db.session() as s:
        lines = [e.what for e in await timeline(s, ticket_id=TICKET)]
    assert "Re-classified withdrawal → aml" in lines

    # The same tags again: nothing changes, and nothing is read or sent.
    calls, reads, audits = (
        len(fake_slack.calls),
        len(fake_zendesk.requests),
        await audit_count(services.db),
    )
    body = tags_changed(TICKET, list(fake_zendesk.state.tickets[TICKET]["tags"]), ["esc_aml"])
    assert (await post_zendesk(client, SECRET, body)).status == 200
    await Worker(services).drain()
    assert len(fake_slack.calls) == calls and len(fake_zendesk.requests) == reads
    assert await audit_count(services.db) == audits
    assert len(fake_jira.state.issues) == 1 and (await esc_of(services)).category == "aml"
    async with services.db.session() as s:
        statuses = set(await s.scalars(select(InboxEvent.status)))
    assert statuses == {"done"}


async def test_fraud_added_to_an_aml_case_changes_nothing(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    fake_zendesk.add_escalation(TICKET, tags=("esc_senior", "esc_aml"), subject=SUBJECT)
    await post_trigger(client, TICKET)
    await Worker(services).drain()
    calls, reads = len(fake_slack.calls), len(fake_zendesk.requests)
    assert await add_tag(client, fake_zendesk, TICKET, "esc_fraud") == "stored"
    await Worker(services).drain()
    esc = await esc_of(services)
    assert esc.category == "aml"  # the more serious one stays
    assert len(fake_slack.calls) == calls and len(fake_zendesk.requests) == reads
    assert len(fake_jira.state.issues) == 1


async def test_the_compliance_trigger_body_re_classifies_too(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    """`baton zendesk setup`'s third trigger fires on a held ticket with an AML or fraud tag;
    its body carries the ticket's tags as {{ticket.tags}} renders them (space-separated)."""
    fake_zendesk.add_escalation(TICKET, subject=SUBJECT)
    await post_trigger(client, TICKET)
    await Worker(services).drain()
    fake_zendesk.agent_update(TICKET, add_tags=["esc_fraud"])
    body = {
        "ticket_id": str(TICKET),
        "event": "esc_senior",
        "updated_at": "2026-11-16 13:05:00",
        "agent_id": "500777",
        "attachments": "",
        "tags": " ".join(fake_zendesk.state.tickets[TICKET]["tags"]),
    }
    assert (await post_zendesk(client, SECRET, body)).status == 200
    await Worker(services).drain()
    assert (await esc_of(services)).category == "fraud"
    [alert] = fake_slack.messages[ROUTING]
    assert SUBJECT not in shown(alert)
    assert [shown(m) for m in fake_slack.messages[COMPLIANCE]] and SUBJECT in shown(
        fake_slack.messages[COMPLIANCE][0]
    )
    [issue] = fake_jira.state.issues.values()
    assert issue["key"].startswith("COMP-")
