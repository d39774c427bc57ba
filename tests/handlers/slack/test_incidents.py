"""`/baton incident` (list, open, link, unlink, resolve) and the Resolve modal's submission
through the real Slack endpoint (signed requests, slack-bolt, the fake Slack)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.services import Services
from bot.slack_messages.ids import IncidentAction, IncidentField
from bot.store.models import Escalation, Incident, IncidentLink, OutboxMessage
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    OUTSIDER,
    action_body,
    add_escalation,
    command_body,
    post_form,
    view_body,
)


async def say(client: TestClient, fake: FakeSlack, user: str, text: str) -> str:  # type: ignore[type-arg]
    """Run `/baton <text>` as the user; the command's answer (through response_url)."""
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=user, text=text))
    assert resp.status == 200
    answers = await fake.wait_for("response_url", before + 1)
    return str(answers[-1].params["text"])


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def picked(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def form(*, cause: str | None, summary: str, template: str | None) -> dict[str, Any]:
    return {
        str(IncidentField.ROOT_CAUSE): {
            IncidentField.ROOT_CAUSE.input_id: picked(cause)
            if cause
            else {"type": "static_select", "selected_option": None}
        },
        str(IncidentField.SUMMARY): {IncidentField.SUMMARY.input_id: typed(summary)},
        str(IncidentField.TEMPLATE): {
            IncidentField.TEMPLATE.input_id: picked(template)
            if template
            else {"type": "static_select", "selected_option": None}
        },
    }


async def two_escalations(services: Services) -> None:
    await add_escalation(services, ticket_id=48213, requester_id=7001, language="pt")
    await add_escalation(services, ticket_id=48214, requester_id=7002, language="es")


async def links(services: Services) -> dict[int, bool]:
    """Ticket → whether it is linked now, for every ticket ever linked."""
    async with services.db.session() as s:
        found = await s.execute(
            select(Escalation.ticket_id, IncidentLink.active_escalation_id).join(
                IncidentLink, IncidentLink.escalation_id == Escalation.id
            )
        )
        return {ticket: active is not None for ticket, active in found}


async def test_open_link_list_unlink_by_command(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
) -> None:
    await two_escalations(services)
    assert await say(client, fake_slack, ANA, "incident open stark withdrawal") == "Opened INC-1."
    assert (
        await say(client, fake_slack, ANA, "incident open stark withdrawal")
        == "INC-1 is open already."
    )
    assert "is in INC-1 now" in await say(client, fake_slack, ANA, "incident link 48213 INC-1")
    assert "is in INC-1 now" in await say(client, fake_slack, CARLA, "incident link #48214 inc-1")
    listed = await say(client, fake_slack, ANA, "incident")
    assert "INC-1" in listed and "stark" in listed
    assert (
        await say(client, fake_slack, CARLA, "incident unlink 48214")
        == "Ticket #48214 is out of INC-1."
    )
    assert await links(services) == {48213: True, 48214: False}

    refused = await say(client, fake_slack, OUTSIDER, "incident open adyen")
    assert "is for the analysts on the roster" in refused and "\n" not in refused
    bad = await say(client, fake_slack, ANA, "incident link 48213 INC-x")
    assert "is not an incident (expected INC-12)" in bad
    assert (await say(client, fake_slack, ANA, "incident frobnicate")).startswith(
        "Usage: `/baton incident"
    )
    async with services.db.session() as s:
        assert [i.provider for i in await s.scalars(select(Incident))] == ["stark"]


async def test_the_resolve_modal_answers_every_linked_customer_once(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
) -> None:
    await two_escalations(services)
    await say(client, fake_slack, ANA, "incident open stark withdrawal")
    await say(client, fake_slack, ANA, "incident link 48213 INC-1")
    await say(client, fake_slack, ANA, "incident link 48214 INC-1")
    # The message's Resolve button opens the form.
    resp = await post_form(
        client,
        action_body(fake_slack, user=CARLA, action_id=IncidentAction.RESOLVE, value="1"),
    )
    assert resp.status == 200
    [opened] = await fake_slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == IncidentField.CALLBACK
    metadata = view["private_metadata"]

    # Incomplete: every missing field named, in Carla's language (pt-BR), nothing resolved.
    incomplete = view_body(
        user=CARLA,
        callback_id=IncidentField.CALLBACK,
        metadata=metadata,
        values=form(cause=None, summary=" ", template=None),
    )
    answer = await (await post_form(client, incomplete)).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {
        str(IncidentField.ROOT_CAUSE),
        str(IncidentField.SUMMARY),
        str(IncidentField.TEMPLATE),
    }
    # Someone off the roster may not resolve it.
    values = form(
        cause="provider_failure", summary="Stark PIX outage 10:00-11:00.", template="retry"
    )
    outsider = view_body(
        user=OUTSIDER, callback_id=IncidentField.CALLBACK, metadata=metadata, values=values
    )
    refused = await (await post_form(client, outsider)).json()
    assert refused["response_action"] == "errors"

    body = view_body(
        user=CARLA, callback_id=IncidentField.CALLBACK, metadata=metadata, values=values
    )
    resp = await post_form(client, body)
    assert resp.status == 200 and (await resp.read()) in (b"", b"{}")
    assert (await post_form(client, body)).status == 200  # the same submission again
    later = form(cause="provider_delay", summary="Resolved again.", template="processed")
    late = view_body(user=ANA, callback_id=IncidentField.CALLBACK, metadata=metadata, values=later)
    answer = await (await post_form(client, late)).json()  # a second form, submitted later
    assert answer["errors"] == {str(IncidentField.SUMMARY): "INC-1 is not open any more."}

    async with services.db.session() as s:
        [incident] = list(await s.scalars(select(Incident)))
        replies = list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.action == "incident_reply")
                .order_by(OutboxMessage.id)
            )
        )
        escs = {e.ticket_id: e.status for e in await s.scalars(select(Escalation))}
    assert (incident.status, incident.resolved_by, incident.root_cause) == (
        "resolved",
        "carla",
        "provider_failure",
    )
    assert [r.payload["ticket_id"] for r in replies] == [48213, 48214]
    assert "Agradecemos a sua paciência" in replies[0].payload["public_reply"]
    assert "Gracias por su paciencia" in replies[1].payload["public_reply"]
    assert escs == {48213: "resolved", 48214: "resolved"}
