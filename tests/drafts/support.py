"""Shared pieces of the draft tests: an escalation in the database and its ticket in the fake
Zendesk, signed Slack requests for the preview's buttons, selects and Edit modal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.domain import Transaction, TxStatus, TxType
from bot.payments.findings import Findings, FindingState
from bot.services import Services
from bot.slack_messages.ids import DraftAction, DraftView
from bot.store.models import DraftRow, Escalation
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_server import Call, FakeSlack
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.handlers.slack.support import (
    FIXTURES,
    NOW,
    action_body,
    add_escalation,
    command_body,
    new_trigger_id,
    post_form,
    view_body,
)

TICKET = 48213
PT_TEXT = "Olá, meu saque de ontem ainda não caiu na minha conta. Podem verificar por favor?"


@pytest.fixture
async def zendesk(services: Services, fake_zendesk: FakeZendesk) -> AsyncIterator[FakeZendesk]:
    """The services read and write the fake Zendesk through the real zenpy client."""
    services.zendesk = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)
    yield fake_zendesk


def withdrawal(currency: str = "BRL", amount: str = "1234.50") -> dict[str, Any]:
    tx = Transaction(
        id="TX-8F3K29Q1",
        type=TxType.WITHDRAWAL,
        amount=Decimal(amount),
        currency=currency,
        status=TxStatus.PENDING,
        created_at=NOW - timedelta(days=1),
        provider_reference="E18236120260105173000001",
        customer_id="C-88231",
        provider="PagBrasil",
        method="pix",
    )
    return Findings(state=FindingState.FOUND, transactions=(tx,), matched_by="id").to_json()


async def escalation(
    services: Services,
    zendesk: FakeZendesk,
    *,
    ticket_id: int = TICKET,
    tags: tuple[str, ...] = ("esc_senior", "esc_withdrawal"),
    text: str = PT_TEXT,
    locale: str = "pt-BR",
    **fields: Any,
) -> Escalation:
    """An escalation held by Carla, and its ticket (requester and words) in the fake Zendesk."""
    requester = 7000 + ticket_id % 1000
    zendesk.add_escalation(ticket_id, tags=tags, text=text, requester_id=requester)
    zendesk.state.users[requester].update(locale=locale, name="João Pereira")
    values: dict[str, Any] = {
        "ticket_id": ticket_id,
        "subject": "Saque não chegou",
        "requester_id": requester,
        "enrichment": withdrawal(),
        **fields,
    }
    return await add_escalation(services, **values)


async def answers(fake: FakeSlack, count: int) -> list[Call]:
    return await fake.wait_for("response_url", count)


def shown(call: Call) -> str:
    """Everything a response shows: its text and its blocks."""
    return json.dumps([call.params.get("text"), call.params.get("blocks")], ensure_ascii=False)


def element(call: Call, action_id: str) -> dict[str, Any]:
    for block in call.params.get("blocks") or []:
        for el in block.get("elements", []):
            if el.get("action_id") == action_id:
                return dict(el)
    raise AssertionError(f"no {action_id} in {shown(call)[:300]}")


async def command(client: TestClient, fake: FakeSlack, user: str, text: str) -> Call:
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=user, text=text))
    assert resp.status == 200
    return (await answers(fake, before + 1))[-1]


async def press(client: TestClient, fake: FakeSlack, user: str, action: str, value: str) -> Call:
    before = len(fake.called("response_url"))
    resp = await post_form(client, action_body(fake, user=user, action_id=action, value=value))
    assert resp.status == 200
    return (await answers(fake, before + 1))[-1]


async def pick(client: TestClient, fake: FakeSlack, user: str, action: str, value: str) -> Call:
    """Choose an option of a static select on the preview (Slack's block_actions shape)."""
    payload = json.loads((FIXTURES / "interactive_block_actions_message_button.json").read_text())
    payload["user"] = {"id": user, "username": user.lower(), "team_id": "T0G9PQBBK"}
    payload["response_url"] = fake.response_url("action")
    payload["trigger_id"] = new_trigger_id()
    payload["actions"] = [
        {
            "type": "static_select",
            "action_id": action,
            "block_id": "draft_actions",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            "placeholder": {"type": "plain_text", "text": "Change"},
            "action_ts": "1678252216.123456",
        }
    ]
    before = len(fake.called("response_url"))
    resp = await post_form(client, f"payload={quote(json.dumps(payload))}")
    assert resp.status == 200
    return (await answers(fake, before + 1))[-1]


async def open_edit(client: TestClient, fake: FakeSlack, user: str, draft_id: int) -> Call:
    before = len(fake.called("views.open"))
    body = action_body(fake, user=user, action_id=DraftAction.EDIT, value=str(draft_id))
    resp = await post_form(client, body)
    assert resp.status == 200
    return (await fake.wait_for("views.open", before + 1))[-1]


async def submit_edit(
    client: TestClient, fake: FakeSlack, user: str, *, metadata: str, subject: str, body: str
) -> Any:
    values = {
        str(DraftView.SUBJECT): {
            str(DraftView.SUBJECT_INPUT): {"type": "plain_text_input", "value": subject}
        },
        str(DraftView.BODY): {
            str(DraftView.BODY_INPUT): {"type": "plain_text_input", "value": body}
        },
    }
    form = view_body(user=user, callback_id=DraftView.CALLBACK, metadata=metadata, values=values)
    return await post_form(client, form)


async def drafts(services: Services) -> list[DraftRow]:
    async with services.db.session() as s:
        return list(await s.scalars(select(DraftRow).order_by(DraftRow.id)))


def public_comments(zendesk: FakeZendesk, ticket_id: int = TICKET) -> list[dict[str, Any]]:
    """Comments Baton added (the customer's own first one left out)."""
    return [c for c in zendesk.state.comments[ticket_id][1:] if c["public"]]
