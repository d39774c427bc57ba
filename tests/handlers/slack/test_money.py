"""Money movements through the real Slack endpoint: the commands, the Money button's form,
Approve and Reject (fake Slack, fake back office, signed requests)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.services import Services
from bot.slack_messages.ids import AlertAction, MoneyAction, MoneyView
from bot.store.models import MoneyRequest
from tests.fakes.backoffice_server import FakeBackoffice
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    OUTSIDER,
    action_body,
    command_body,
    drain,
    post_form,
    view_body,
)
from tests.money.conftest import Clock, escalation, money_services

BRUNO = "U05BRU0002"


@pytest.fixture
async def services(
    database_url: str, fake_slack: FakeSlack, fake_backoffice: FakeBackoffice
) -> AsyncIterator[Services]:
    async for svc in money_services(database_url, fake_slack, fake_backoffice, Clock()):
        yield svc


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with TestClient(TestServer(create_app(services))) as c:
        yield c


async def answers(fake: FakeSlack, n: int) -> list[str]:
    return [str(c.params["text"]) for c in await fake.wait_for("response_url", n)]


def _sealed(fake: FakeSlack) -> str:
    [posted] = fake.called("chat.postMessage")
    blocks = posted.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [actions] = [b for b in blocks if b["type"] == "actions"]
    return str(actions["elements"][0]["value"])


async def _requests(services: Services) -> list[MoneyRequest]:
    async with services.db.session() as s:
        return list(await s.scalars(select(MoneyRequest).order_by(MoneyRequest.id)))


async def test_a_credit_asked_by_command_is_approved_by_button_once(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
) -> None:
    await escalation(services)
    text = "credit 48213 150.00 BRL goodwill card charged twice"
    await post_form(client, command_body(fake_slack, user=CARLA, text=text))
    [first] = await answers(fake_slack, 1)
    assert "waiting for approval" in first
    await drain(services)
    sealed = _sealed(fake_slack)
    for user in (CARLA, OUTSIDER):
        await post_form(
            client,
            action_body(fake_slack, user=user, action_id=MoneyAction.APPROVE, value=sealed),
        )
    refusals = (await answers(fake_slack, 3))[1:]
    assert "someone else must approve" in refusals[0]
    assert "only analysts on the roster" in refusals[1]
    for _ in range(2):  # a double click
        await post_form(
            client,
            action_body(fake_slack, user=BRUNO, action_id=MoneyAction.APPROVE, value=sealed),
        )
    said = (await answers(fake_slack, 5))[3:]
    assert sum("goes to the back office" in t for t in said) == 1
    assert sum("approved already" in t for t in said) == 1
    await drain(services)
    [applied] = fake_backoffice.applied
    assert applied["note"] == "card charged twice" and applied["approved_by"] == ["bruno"]


async def test_a_forged_button_value_moves_nothing(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
) -> None:
    await escalation(services)
    await post_form(client, command_body(fake_slack, user=CARLA, text="credit 48213 5 BRL other"))
    await answers(fake_slack, 1)
    await post_form(
        client, action_body(fake_slack, user=BRUNO, action_id=MoneyAction.APPROVE, value="1")
    )
    [_, said] = await answers(fake_slack, 2)
    assert "out of date" in said
    await drain(services)
    assert fake_backoffice.applied == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("credit 48213 -5 BRL goodwill", "more than zero"),
        ("credit 48213 5.555 BRL goodwill", "BRL has 2 decimal places"),
        ("debit 48213 5 XYZ goodwill", "Unknown currency XYZ"),
        ("refund TX-DEP-1001 900", "cannot exceed the transaction"),
        ("credit 48213 5", "Usage: `/baton credit"),
    ],
)
async def test_bad_requests_get_one_clear_line(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    text: str,
    said: str,
) -> None:
    await escalation(services)
    await post_form(client, command_body(fake_slack, user=CARLA, text=text))
    [answer] = await answers(fake_slack, 1)
    assert said in answer and "\n" not in answer
    assert await _requests(services) == []


async def test_reject_asks_why_and_the_requester_is_told(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
    fake_backoffice: FakeBackoffice,
) -> None:
    await escalation(services)
    await post_form(client, command_body(fake_slack, user=CARLA, text="debit 48213 5 BRL other"))
    await answers(fake_slack, 1)
    await drain(services)
    sealed = _sealed(fake_slack)
    await post_form(
        client, action_body(fake_slack, user=ANA, action_id=MoneyAction.REJECT, value=sealed)
    )
    [opened] = await fake_slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == MoneyView.REJECT
    why = {
        str(MoneyView.WHY): {
            MoneyView.WHY.input_id: {"type": "plain_text_input", "value": "no proof of the charge"}
        }
    }
    body = view_body(
        user=ANA, callback_id=MoneyView.REJECT, metadata=view["private_metadata"], values=why
    )
    resp = await post_form(client, body)
    assert resp.status == 200
    [row] = await _requests(services)
    assert row.state == "rejected" and row.rejected_by == "ana"
    await drain(services)
    assert any("no proof of the charge" in t for t in fake_slack.texts())
    assert fake_backoffice.requests_to("POST", ".*") == []


async def test_the_money_button_opens_a_form_prefilled_from_the_transaction(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    fake_slack: FakeSlack,
) -> None:
    esc = await escalation(services)
    await post_form(
        client,
        action_body(fake_slack, user=CARLA, action_id=AlertAction.MONEY, value=str(esc.id)),
    )
    [opened] = await fake_slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == MoneyView.REQUEST
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id[MoneyView.AMOUNT]["element"]["initial_value"] == "500.00"
    assert by_id[MoneyView.CURRENCY]["element"]["initial_value"] == "BRL"

    def typed(value: str) -> dict[str, Any]:
        return {"type": "plain_text_input", "value": value}

    def picked(value: str) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": {"value": value}}

    values = {
        str(MoneyView.KIND): {MoneyView.KIND.input_id: picked("refund")},
        str(MoneyView.AMOUNT): {MoneyView.AMOUNT.input_id: typed("600")},
        str(MoneyView.CURRENCY): {MoneyView.CURRENCY.input_id: typed("BRL")},
        str(MoneyView.REASON): {MoneyView.REASON.input_id: picked("duplicate_charge")},
        str(MoneyView.NOTE): {MoneyView.NOTE.input_id: typed("")},
    }
    metadata = view["private_metadata"]
    body = view_body(user=CARLA, callback_id=MoneyView.REQUEST, metadata=metadata, values=values)
    resp = await post_form(client, body)
    answer = await resp.json()
    assert answer["response_action"] == "errors"
    # Said in Carla's language (the roster's pt-BR: no users.info before a modal's ack).
    refused = answer["errors"][str(MoneyView.AMOUNT)]
    assert "não pode passar do valor da transação: TX-DEP-1001 foi de 500.00 BRL" in refused
    values[str(MoneyView.AMOUNT)] = {MoneyView.AMOUNT.input_id: typed("200")}
    body = view_body(user=CARLA, callback_id=MoneyView.REQUEST, metadata=metadata, values=values)
    resp = await post_form(client, body)
    assert resp.status == 200
    [row] = await _requests(services)
    assert (row.kind, row.amount, row.transaction_id) == ("refund", "200.00", "TX-DEP-1001")
