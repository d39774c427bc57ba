"""POST /webhooks/jira: signed, deduplicated, stored; the worker applies status, resolution,
comments for the customer, and ignores issues Baton does not know."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot import logs
from bot.desk.permissions import actor_for
from bot.jira import events
from bot.services import Services
from bot.store.models import AuditEntry, Escalation, InboxEvent, JiraLink
from bot.worker import Worker
from handlers.signing import sign_hub
from tests.fakes.jira_server import FakeJira
from tests.fakes.zendesk_server import FakeZendesk
from tests.jira.support import (
    JIRA_SECRET,
    ask,
    baton_notes,
    escalate,
    rows,
)
from tests.web import app_client

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jira"


def recorded(name: str) -> dict[str, Any]:
    """A webhook body Jira sent (a fixture beside this test), read afresh each time."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


STATUS = recorded("jira_issue_updated_status_changelog.json")
RESOLVED = recorded("jira_issue_updated_resolved_done_cloud.json")


async def post_jira(
    client: TestClient[Any, Any],
    body: Any,
    *,
    secret: str | None = JIRA_SECRET,
    identifier: str = "d7e4b3a0-1b1f-4c5e-9a55-000000000001",
    signature: str | None = None,
) -> ClientResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if identifier:
        headers["X-Atlassian-Webhook-Identifier"] = identifier
    if signature is not None:
        headers["X-Hub-Signature"] = signature
    elif secret:
        headers["X-Hub-Signature"] = sign_hub(secret, raw)
    return await client.post("/webhooks/jira", data=raw, headers=headers)


def about(fixture: dict[str, Any], link: JiraLink) -> dict[str, Any]:
    """The recorded body, about the issue Baton created."""
    body = copy.deepcopy(fixture)
    body["issue"]["id"], body["issue"]["key"] = link.issue_id, link.issue_key
    return body


async def linked(
    client: TestClient[Any, Any], services: Services, fake: FakeZendesk, ticket_id: int
) -> tuple[Escalation, JiraLink]:
    esc = await escalate(client, services, fake, ticket_id)
    await ask(services, esc.id)
    await Worker(services).drain()
    async with services.db.session() as s:
        link = await s.scalar(select(JiraLink).where(JiraLink.escalation_id == esc.id))
    assert link is not None
    return esc, link


async def test_status_change_becomes_one_note_and_an_alert_update(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk, fake_jira: FakeJira
) -> None:
    esc, link = await linked(client, services, fake_zendesk, 401)
    body = about(STATUS, link)
    first = await post_jira(client, body)
    again = await post_jira(client, body)  # Jira redelivers with the same identifier
    assert (first.status, await first.json()) == (200, {"status": "stored"})
    assert (await again.json()) == {"status": "duplicate"}
    await Worker(services).drain()

    notes = [n for n in baton_notes(fake_zendesk, 401) if "status" in n]
    assert len(notes) == 1 and f"Jira {link.issue_key} status: To Do → In Progress." in notes[0]
    async with services.db.session() as s:
        stored = await s.get(Escalation, esc.id)
        event = await s.scalar(select(InboxEvent).where(InboxEvent.source == "jira"))
    assert stored is not None and stored.jira_issues
    assert stored.jira_issues[0]["status"] == "In Progress"
    assert event is not None and event.ticket_id == 401 and event.status == "done"
    updates = [r for r in await rows(services.db, "slack") if r.action == "update"]
    assert any("jira-status" in r.idempotency_key for r in updates)


async def test_resolution_pings_the_analyst(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc, link = await linked(client, services, fake_zendesk, 402)
    resp = await post_jira(client, about(RESOLVED, link))
    assert resp.status == 200
    await Worker(services).drain()
    [ping] = [r for r in await rows(services.db, "slack") if "jira-resolved" in r.idempotency_key]
    analyst = services.roster.by_key(esc.analyst_key or "")
    assert analyst is not None and ping.payload["user"] == analyst.slack_id
    assert link.issue_key in ping.payload["text"] and "Done" in ping.payload["text"]
    [note] = [n for n in baton_notes(fake_zendesk, 402) if "status" in n]
    assert "In Progress → Done" in note and "Resolution: Done" in note


async def test_comment_for_the_customer_is_offered_then_added_once(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fake_jira: FakeJira,
) -> None:
    esc, link = await linked(client, services, fake_zendesk, 403)
    body = {
        "timestamp": 1763300000000,
        "webhookEvent": "comment_created",
        "comment": {
            "id": "10044",
            "author": {"accountId": "5c5f880629be9642ba529340", "displayName": "Payments Ops"},
            "body": "[customer] The provider confirmed the refund; it arrives in 2 days.",
            "created": "2026-11-16T13:20:00.000+0000",
        },
        "issue": about(STATUS, link)["issue"],
    }
    other = {**body, "comment": {**body["comment"], "id": "10045", "body": "internal only"}}
    assert (await post_jira(client, body)).status == 200
    assert (await post_jira(client, other, identifier="second")).status == 200
    await Worker(services).drain()
    [offer_row] = [
        r for r in await rows(services.db, "slack") if "jira-comment" in r.idempotency_key
    ]
    button = offer_row.payload["blocks"][1]["elements"][0]
    assert button["action_id"] == "jira_add_note"
    assert "refund" in offer_row.payload["blocks"][0]["text"]["text"]

    analyst = services.roster.by_key(esc.analyst_key or "")
    assert analyst is not None
    actor = actor_for(services.roster, analyst.slack_id)
    for _ in range(2):  # a double click adds one note
        assert (
            await events.add_offered_note(services, actor=actor, offer_id=int(button["value"]))
            == 403
        )
    await Worker(services).drain()
    added = [n for n in baton_notes(fake_zendesk, 403) if "refund" in n]
    assert len(added) == 1 and added[0].startswith(f"From Jira {link.issue_key}, for the customer")


async def test_unknown_issue_is_acknowledged_and_ignored(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    resp = await post_jira(client, STATUS)  # TEST-1: not an issue Baton created
    assert resp.status == 200
    await Worker(services).drain()
    async with services.db.session() as s:
        event = await s.scalar(select(InboxEvent).where(InboxEvent.source == "jira"))
    assert event is not None and event.status == "done"
    assert await rows(services.db, "zendesk") == [] and await rows(services.db, "slack") == []


async def test_created_events_are_acknowledged_not_stored(client: TestClient[Any, Any]) -> None:
    resp = await post_jira(client, recorded("jira_issue_created_cloud.json"))
    assert (resp.status, await resp.json()) == (200, {"status": "ignored"})


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("sha256=" + "0" * 64, "signature mismatch"),
        (None, "missing signature"),
        ("sha1=abc", "unsupported signature algorithm"),
    ],
)
async def test_forged_or_unsigned_refused_when_a_secret_is_set(
    client: TestClient[Any, Any], signature: str | None, reason: str
) -> None:
    resp = await post_jira(client, STATUS, secret=None, signature=signature)
    assert (resp.status, (await resp.json())["error"]) == (401, reason)


async def test_signed_with_another_secret_is_refused(client: TestClient[Any, Any]) -> None:
    resp = await post_jira(client, STATUS, secret="not-the-secret")
    assert resp.status == 401


@pytest.mark.parametrize("signed_with", [None, JIRA_SECRET, ""])
async def test_without_a_secret_every_delivery_is_refused(
    services: Services, signed_with: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dataclasses.replace(services.settings, jira_webhook_secret=None)
    unsigned = dataclasses.replace(services, settings=settings)
    with caplog.at_level(logging.WARNING):
        async with app_client(unsigned) as c:
            resp = await post_jira(c, STATUS, secret=signed_with)
            assert (resp.status, await resp.json()) == (
                503,
                {"error": "webhook secret not configured"},
            )
    async with services.db.session() as s:
        assert await s.scalar(select(InboxEvent.id)) is None
    # Said at start, once, naming the setting (Jira is configured here, Zendesk signed).
    [line] = [
        logs.KeyValueFormatter("%(message)s").format(r)
        for r in caplog.records
        if r.getMessage() == "webhook.secret_missing"
    ]
    assert "setting=JIRA_WEBHOOK_SECRET" in line and "endpoint=/webhooks/jira" in line


async def test_no_warning_at_start_when_the_secret_is_set(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        async with app_client(services) as c:
            assert (await c.get("/healthz")).status == 200
    assert not [r for r in caplog.records if r.getMessage() == "webhook.secret_missing"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"issue": {}}', "no webhookEvent"),
        (
            b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "PAY-1"}}',
            "issue event without issue.id and issue.key",
        ),
        (
            b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": "PAY-1"}, '
            b'"changelog": []}',
            "changelog must be an object",
        ),
    ],
)
async def test_malformed_bodies_get_a_400_with_the_reason(
    client: TestClient[Any, Any], body: bytes, reason: str
) -> None:
    resp = await post_jira(client, body)
    assert (resp.status, (await resp.json())["error"]) == (400, reason)


async def test_offer_button_refuses_someone_else(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    async with services.db.session() as s:
        s.add(AuditEntry(actor="jira", action="other", detail={}))
    stranger = actor_for(services.roster, "U0NOTONROSTER")
    with pytest.raises(Exception, match="out of date"):
        await events.add_offered_note(services, actor=stranger, offer_id=1)


async def test_reopened_then_resolved_again_pings_again_and_notes_each_change(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    _esc, link = await linked(client, services, fake_zendesk, 404)
    resolved = about(RESOLVED, link)
    reopened = copy.deepcopy(resolved)
    reopened["timestamp"] += 60_000
    reopened["changelog"]["items"] = [
        {
            "field": "resolution",
            "fieldtype": "jira",
            "from": "10000",
            "fromString": "Done",
            "to": None,
            "toString": None,
        },
        {
            "field": "status",
            "fieldtype": "jira",
            "from": "10002",
            "fromString": "Done",
            "to": "10000",
            "toString": "To Do",
        },
    ]
    again = copy.deepcopy(resolved)
    again["timestamp"] += 120_000
    again["changelog"]["items"][1]["fromString"] = "To Do"
    for n, body in enumerate((resolved, reopened, again)):
        assert (await post_jira(client, body, identifier=f"delivery-{n}")).status == 200
        await Worker(services).drain()
    pings = [r for r in await rows(services.db, "slack") if "jira-resolved" in r.idempotency_key]
    assert len(pings) == 2
    notes = [n for n in baton_notes(fake_zendesk, 404) if "status" in n]
    assert [n.split("status: ")[1].split(".")[0] for n in notes] == [
        "In Progress → Done",
        "Done → To Do",
        "To Do → Done",
    ]
