"""Claiming or assigning an escalation that waited unassigned is its routing, end to end.

Nobody was on shift: the ticket carries the unassigned tag and the leads channel was alerted.
A person then takes it (/baton claim) or a lead hands it over (the Reassign modal): the ticket
trades the unassigned tag for the routed one in the same update as the assignee, the decision
is recorded, the leads message is edited in place, and the channel alert and the DM go out
once, so that neither the worker's route_waiting nor a retried routing sends them again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.config import BatonConfig, Tags
from bot.escalations import intake
from bot.services import Services
from bot.store.models import AlertMessage, Escalation, OutboxMessage, RoutingDecisionRow
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    LEADS,
    NOW,
    ROUTING,
    add_escalation,
    command_body,
    drain,
    find_pii,
    make_services,
    post_form,
    route,
    view_body,
)

# Renamed in BATON_CONFIG: the ticket update must use these, not the defaults.
TAGS = Tags(unassigned="espera_turno", routed="com_analista")
DIEGO = "U05DIE0004"


@pytest.fixture
async def services(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Services]:
    svc = make_services(database_url, fake_slack, config=BatonConfig(tags=TAGS))
    yield svc
    await svc.db.dispose()
    leaked = find_pii(fake_slack.texts())
    assert not leaked, f"unmasked PII sent to Slack: {leaked}"


async def _waiting(services: Services, fake: FakeSlack, ticket_id: int) -> Escalation:
    """An escalation that found nobody on shift, with its leads alert posted."""
    esc = await add_escalation(
        services, ticket_id=ticket_id, status="unassigned", analyst_key=None, routed_at=None
    )
    before = len(_posts(fake, LEADS))
    await route(services, esc, None)
    await drain(services)
    assert len(_posts(fake, LEADS)) == before + 1
    return esc


def _posts(fake: FakeSlack, channel: str) -> list[dict]:
    return [c.params for c in fake.called("chat.postMessage") if c.params["channel"] == channel]


async def _zendesk_rows(services: Services, esc_id: int) -> list[OutboxMessage]:
    async with services.db.session() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.escalation_id == esc_id, OutboxMessage.service == "zendesk")
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def _outbox_keys(services: Services, esc_id: int) -> list[str]:
    async with services.db.session() as s:
        keys = await s.scalars(
            select(OutboxMessage.idempotency_key)
            .where(OutboxMessage.escalation_id == esc_id)
            .order_by(OutboxMessage.id)
        )
        return list(keys)


async def test_claim_of_waiting_escalation_routes_it_once(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await _waiting(services, fake_slack, 50010)
    (leads_post,) = _posts(fake_slack, LEADS)
    async with services.db.session() as s:
        leads_ts = await s.scalar(
            select(AlertMessage.ts).where(
                AlertMessage.escalation_id == esc.id, AlertMessage.kind == "leads"
            )
        )

    resp = await post_form(client, command_body(fake_slack, user=CARLA, text="claim 50010"))
    assert resp.status == 200
    (answer,) = await fake_slack.wait_for("response_url")
    assert answer.params["text"] == "You claimed ticket #50010."
    await drain(services)

    # The leads message is edited in place: it now names Carla and says claimed.
    leads_updates = [
        c.params for c in fake_slack.called("chat.update") if c.params["channel"] == LEADS
    ]
    assert [u["ts"] for u in leads_updates] == [leads_ts]
    assert "<@U05CAR0003>" in json.dumps(leads_updates[0]["blocks"])
    assert "Claimed" in json.dumps(leads_updates[0]["blocks"])
    assert _posts(fake_slack, LEADS) == [leads_post]  # not re-posted
    # The normal routing alerts: one channel alert, one DM, in Carla's language (pt-BR).
    assert len(_posts(fake_slack, ROUTING)) == 1
    (dm,) = _posts(fake_slack, "D05CAR0003")
    assert "Escalonamento #50010" in dm["text"]

    # One Zendesk update carries the assignee and trades the (renamed) tags.
    (zd,) = await _zendesk_rows(services, esc.id)
    assert zd.payload["assignee_id"] == 900003
    assert zd.payload["remove_tags"] == ["espera_turno"]
    assert zd.payload["add_tags"] == ["com_analista"]
    assert "Carla Mendes" in zd.payload["internal_note"]

    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None
        assert (row.status, row.analyst_key, row.routed_at) == ("claimed", "carla", NOW)
        decision = await s.scalar(
            select(RoutingDecisionRow).where(RoutingDecisionRow.escalation_id == esc.id)
        )
        assert decision is not None and decision.analyst_key == "carla"
        assert decision.reasons == ["claimed by Carla Mendes"] and decision.decided_at == NOW

    # Later the worker routes what still waits (another ticket) and leaves this one alone;
    # a retried routing of this one finds its alerts already queued.
    keys = await _outbox_keys(services, esc.id)
    other = await _waiting(services, fake_slack, 50011)
    routed = await intake.route_waiting(services)
    assert [o.escalation_id for o in routed] == [other.id]
    assert await route(services, esc, "carla") == 0
    await drain(services)
    assert await _outbox_keys(services, esc.id) == keys
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and (row.status, row.analyst_key) == ("claimed", "carla")
    assert len([p for p in _posts(fake_slack, ROUTING) if "#50010" in p["text"]]) == 1
    assert len([p for p in _posts(fake_slack, "D05CAR0003") if "#50010" in p["text"]]) == 1


async def test_lead_assigns_waiting_escalation_from_the_reassign_modal(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await _waiting(services, fake_slack, 50020)
    values = {
        "reassign_user": {"reassign_user_select": {"type": "users_select", "selected_user": DIEGO}}
    }
    body = view_body(user=ANA, callback_id="reassign_modal", metadata=str(esc.id), values=values)
    resp = await post_form(client, body)
    assert resp.status == 200 and await resp.text() == ""  # plain ack: the modal closes
    await drain(services)

    leads_updates = [
        c.params for c in fake_slack.called("chat.update") if c.params["channel"] == LEADS
    ]
    assert len(leads_updates) == 1 and "<@U05DIE0004>" in json.dumps(leads_updates[0]["blocks"])
    assert len(_posts(fake_slack, LEADS)) == 1
    assert len(_posts(fake_slack, ROUTING)) == 1
    (dm,) = _posts(fake_slack, "D05DIE0004")
    assert "Escalación #50020" in dm["text"]  # Diego's roster locale is es
    (zd,) = await _zendesk_rows(services, esc.id)
    assert zd.payload["assignee_id"] == 900004
    assert (zd.payload["remove_tags"], zd.payload["add_tags"]) == (
        ["espera_turno"],
        ["com_analista"],
    )
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None
        assert (row.status, row.analyst_key, row.routed_at) == ("routed", "diego", NOW)
        (decision,) = await s.scalars(
            select(RoutingDecisionRow).where(RoutingDecisionRow.escalation_id == esc.id)
        )
        assert decision.reasons == ["assigned by Ana Souza"]
    # A later routing of it (the worker, a retry) would post nothing new.
    assert await route(services, esc, "diego") == 0
    assert await intake.route_waiting(services) == []


async def test_claim_of_routed_escalation_leaves_tags_alone(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    """Only a waiting escalation is re-routed by a claim: a routed one just changes hands."""
    esc = await add_escalation(services, ticket_id=50030, analyst_key="carla")
    await route(services, esc, "carla")
    await drain(services)
    resp = await post_form(client, command_body(fake_slack, user=ANA, text="claim 50030"))
    assert resp.status == 200
    await fake_slack.wait_for("response_url")
    await drain(services)
    (zd,) = await _zendesk_rows(services, esc.id)
    assert "remove_tags" not in zd.payload and "add_tags" not in zd.payload
    assert len(_posts(fake_slack, ROUTING)) == 1
    async with services.db.session() as s:
        decisions = list(await s.scalars(select(RoutingDecisionRow)))
    assert decisions == []
