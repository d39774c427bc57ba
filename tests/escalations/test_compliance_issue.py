"""The compliance Jira issue of an AML or fraud case: asked for by the hub as one outbox row
that names the escalation and the project, built by the Jira side when it is delivered, and
created once even when Jira's answer is lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.demo.bundle import Clock
from bot.domain import Requester
from bot.escalations import issue_requests
from bot.services import Services
from bot.store.models import Escalation
from bot.worker import Worker
from tests.fakes.jira_server import FakeJira
from tests.fakes.zendesk_server import FakeZendesk
from tests.jira.conftest import client, clock, services  # noqa: F401 (the Jira tests' fixtures)
from tests.jira.support import escalate, rows


async def test_routing_enqueues_the_compliance_issue_and_delivery_creates_it_once(
    client: TestClient[Any, Any],  # noqa: F811
    services: Services,  # noqa: F811
    clock: Clock,  # noqa: F811
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    fake_jira.lose_next_answer(1)  # the first create lands, its answer does not
    esc = await escalate(
        client,
        services,
        fake_zendesk,
        321,
        tags=("esc_senior", "esc_aml"),
        text="Cliente fez 12 depósitos de R$ 9.900,00 em dois dias, TX-AML77821.",
        email="joao.pereira@example.com",
    )
    [row] = await rows(services.db, "jira")
    assert row.action == issue_requests.COMPLIANCE_ISSUE and row.status == "pending"
    assert row.idempotency_key == f"jira:create:{esc.id}:COMP"
    assert row.payload["project"] == "COMP" and "draft" not in row.payload
    assert len(fake_jira.state.issues) == 1
    async with services.db.session() as s:
        again = await s.get(Escalation, esc.id)
        assert again is not None
        asked = await issue_requests.request_compliance_issue(
            services, s, esc=again, requester=Requester(id=1)
        )
    assert not asked  # one row per escalation and project
    clock.now += timedelta(minutes=10)
    await Worker(services).drain()
    assert len(fake_jira.requests_to("POST", r"/rest/api/3/issue")) == 1  # found by its label
    [issue] = fake_jira.state.issues.values()
    assert issue["key"].startswith("COMP-")
    assert "joao.pereira@example.com" in str(issue["fields"]["description"])
    assert f"baton-esc-{esc.id}" in issue["fields"]["labels"]
