"""`/baton txn` and the Transactions / More buttons, end to end.

Signed requests go through slack-bolt to the real lookup (bot.transactions.lookup) and the real
HTTP adapter, which reads the fake back office (its own field names, words and cents). Answers
are read where Slack would receive them: the fake Slack's response_url. Every test ends with
the services fixture's check that nothing unmasked reached Slack.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.domain import Transaction, TxStatus, TxType
from bot.payments.findings import Findings, FindingState
from bot.services import Services
from bot.store.models import AuditEntry, Escalation
from integrations.zendesk import ZendeskClient
from tests.fakes.backoffice_server import FakeBackoffice
from tests.fakes.slack_server import Call, FakeSlack
from tests.fakes.zendesk_server import EMAIL as ZD_EMAIL
from tests.fakes.zendesk_server import TOKEN as ZD_TOKEN
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    EDUARDA,
    NOW,
    OUTSIDER,
    PII,
    action_body,
    add_escalation,
    command_body,
    home_action_body,
    post_form,
)

HENRIQUE = "U05HEN0008"  # analyst, English
EMAIL = PII["email"]
CUSTOMER = "C-88231"


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A source that fails is an expected failure: logged without a traceback, never ERROR."""
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture(autouse=True)
async def backoffice(
    services: Services, fake_backoffice: FakeBackoffice
) -> AsyncIterator[FakeBackoffice]:
    """The services read the fake back office through the real HTTP adapter."""
    services.transactions = fake_backoffice.adapter(timeout_seconds=0.5)
    yield fake_backoffice
    await services.transactions.close()


def _tx(n: int, **fields: Any) -> Transaction:
    """The customer's n-th transaction: a deposit, n hours before NOW."""
    values: dict[str, Any] = {
        "id": f"TX-8F3K{n:04d}",
        "type": TxType.DEPOSIT,
        "amount": Decimal("1234.50"),
        "currency": "BRL",
        "status": TxStatus.COMPLETED,
        "created_at": NOW - timedelta(hours=n),
        "provider_reference": f"E182361202601061730{n:04d}",
        "customer_id": CUSTOMER,
        "email": EMAIL,
        "provider": "PagBrasil",
        "method": "pix",
    }
    values.update(fields)
    return Transaction(**values)


async def _answers(fake: FakeSlack, count: int = 1) -> list[Call]:
    return await fake.wait_for("response_url", count)


def _text(call: Call) -> str:
    """Everything a response shows: its text and its blocks."""
    return json.dumps([call.params.get("text"), call.params.get("blocks")], ensure_ascii=False)


def _sections(call: Call) -> list[str]:
    blocks = call.params.get("blocks") or []
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def _more_value(call: Call) -> str | None:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == "txn_more":
                return str(element["value"])
    return None


async def _txn(client: TestClient, fake: FakeSlack, user: str, query: str) -> Call:
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=user, text=f"txn {query}"))
    assert resp.status == 200
    return (await _answers(fake, before + 1))[-1]


async def _press(client: TestClient, fake: FakeSlack, user: str, action: str, value: str) -> Call:
    before = len(fake.called("response_url"))
    body = action_body(fake, user=user, action_id=action, value=value)
    resp = await post_form(client, body)
    assert resp.status == 200
    return (await _answers(fake, before + 1))[-1]


async def _audit(services: Services) -> list[AuditEntry]:
    async with services.db.session() as s:
        rows = await s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "transactions.lookup")
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def test_lists_matches_newest_first_with_the_email_masked(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(3), _tx(1, type=TxType.WITHDRAWAL), _tx(2))
    answer = await _txn(client, fake_slack, HENRIQUE, EMAIL)
    assert answer.params["response_type"] == "ephemeral"
    title, *lines = _sections(answer)
    assert "j***@g***.com" in title and "e-mail" in title and EMAIL not in _text(answer)
    assert [line.split("`")[1] for line in lines] == ["TX-8F3K0001", "TX-8F3K0002", "TX-8F3K0003"]
    assert "*Withdrawal* · R$1,234.50 · :white_check_mark: Completed" in lines[0]
    assert _more_value(answer) is None
    (request,) = backoffice.requests
    assert request.args["email"] == EMAIL


async def test_amounts_follow_the_analysts_locale(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1))
    fake_slack.locales[CARLA] = "pt-BR"
    pt = _sections(await _txn(client, fake_slack, CARLA, CUSTOMER))
    en = _sections(await _txn(client, fake_slack, HENRIQUE, CUSTOMER))
    assert "R$\xa01.234,50" in pt[1] and "*Depósito*" in pt[1] and "ID do cliente" in pt[0]
    assert "R$1,234.50" in en[1] and "*Deposit*" in en[1] and "customer id" in en[0]


async def test_more_brings_the_next_page_in_place(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(*(_tx(n) for n in range(1, 8)))
    first = await _txn(client, fake_slack, HENRIQUE, EMAIL)
    assert len(_sections(first)) == 1 + 5 and "Showing 1–5" in _text(first)
    value = _more_value(first)
    assert value and len(value) <= 2000 and EMAIL not in value and "joao" not in value
    second = await _press(client, fake_slack, HENRIQUE, "txn_more", value)
    assert second.params["replace_original"] is True
    lines = _sections(second)[1:]
    assert [line.split("`")[1] for line in lines] == ["TX-8F3K0006", "TX-8F3K0007"]
    assert "Showing 6–7" in _text(second) and _more_value(second) is None
    assert [r.args.get("cursor") is None for r in backoffice.requests] == [True, False]


async def test_no_query_gets_the_usage_line(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    answer = await _txn(client, fake_slack, HENRIQUE, "")
    usage = "Usage: `/baton txn <transaction id | provider reference | e-mail | customer id>`"
    assert answer.params["text"] == usage and backoffice.requests == []


async def test_a_forged_more_button_is_out_of_date(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    answer = await _press(client, fake_slack, HENRIQUE, "txn_more", '{"q":"x@y.com"}')
    assert "out of date" in answer.params["text"] and "replace_original" in answer.params
    assert answer.params["replace_original"] is False and backoffice.requests == []


async def test_nothing_found_says_so_and_hints_the_keys(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1))
    answer = await _txn(client, fake_slack, HENRIQUE, "maria.souza@hotmail.com")
    text = _text(answer)
    assert "No transactions found for" in text and "m***@h***.com" in text
    assert "(searched by e-mail)" in text
    assert "transaction id, a provider reference, a customer id or an e-mail" in text
    # A bare value was tried as every key but the e-mail: the answer does not name one.
    text = _text(await _txn(client, fake_slack, HENRIQUE, "TX-0000NOPE"))
    assert "No transactions found for `TX-0000NOPE`." in text
    assert [r.args for r in backoffice.requests[1:]] == [
        {"id": "TX-0000NOPE", "limit": "5"},
        {"provider_reference": "TX-0000NOPE", "limit": "5"},
        {"customer_id": "TX-0000NOPE", "limit": "5"},
    ]


async def test_a_failing_source_gives_a_clear_message_and_is_audited(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.fail(503, times=None)
    answer = await _txn(client, fake_slack, HENRIQUE, EMAIL)
    text = answer.params["text"]
    assert "error id" not in text and "Traceback" not in text
    assert "transaction" in text.lower()
    (entry,) = await _audit(services)
    assert entry.actor == "henrique" and entry.detail["outcome"] == "failed"


async def test_a_slow_source_does_not_hold_the_ack(
    client: TestClient, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.hang(5)
    started = time.perf_counter()
    resp = await post_form(client, command_body(fake_slack, user=HENRIQUE, text=f"txn {EMAIL}"))
    assert resp.status == 200 and time.perf_counter() - started < 0.4
    (answer,) = await _answers(fake_slack)
    # The adapter gives up after its 0.5 s timeout: a clear message, not a hang or an error id.
    assert "not answering right now" in answer.params["text"]


async def test_outsiders_and_unknown_users_are_refused(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1))
    answer = await _txn(client, fake_slack, OUTSIDER, EMAIL)
    assert "Sorry" in answer.params["text"] and "blocks" not in answer.params
    esc = await add_escalation(services)
    pressed = await _press(client, fake_slack, OUTSIDER, "esc_txn", str(esc.id))
    assert "Sorry" in pressed.params["text"]
    assert backoffice.requests == []


async def test_the_transactions_button_answers_for_the_escalations_customer(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1), _tx(2, status=TxStatus.FAILED, failure_code="insufficient_funds"))
    backoffice.add(_tx(3, email="maria.souza@hotmail.com", customer_id="C-1"))
    fake_slack.locales[CARLA] = "pt-BR"
    asked = Findings(FindingState.NOT_RECEIVED, asked={"email": EMAIL, "amount": "1234.50"})
    esc = await add_escalation(services, ticket_id=48213, enrichment=asked.to_json())
    answer = await _press(client, fake_slack, CARLA, "esc_txn", str(esc.id))
    assert answer.params["replace_original"] is False
    title, *lines = _sections(answer)
    assert "#48213" in title
    assert [line.split("`")[1] for line in lines] == ["TX-8F3K0001", "TX-8F3K0002"]
    failed = lines[1]
    assert ":x: Falhou" in failed and "saldo suficiente" in failed  # carla reads Portuguese
    assert "Próximo passo:" in failed


async def test_the_transactions_button_on_the_home_tab_answers_by_dm(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1))
    asked = Findings(FindingState.FOUND, asked={"customer_id": CUSTOMER})
    esc = await add_escalation(services, ticket_id=48213, enrichment=asked.to_json())
    body = home_action_body(user=ANA, action_id="esc_txn", value=str(esc.id))
    assert (await post_form(client, body)).status == 200
    for _ in range(300):
        dms = [c for c in fake_slack.called("chat.postMessage") if c.params["channel"] == ANA]
        if dms:
            break
        await asyncio.sleep(0.01)
    (dm,) = dms
    assert "TX-8F3K0001" in json.dumps(dm.params["blocks"])


async def test_a_compliance_case_is_only_for_those_who_may_see_it(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1))
    asked = Findings(FindingState.FOUND, asked={"email": EMAIL})
    esc = await add_escalation(
        services, category="aml", analyst_key="eduarda", enrichment=asked.to_json()
    )
    refused = await _press(client, fake_slack, HENRIQUE, "esc_txn", str(esc.id))
    assert "Only analysts, leads and compliance" in refused.params["text"]
    assert backoffice.requests == []
    shown = await _press(client, fake_slack, EDUARDA, "esc_txn", str(esc.id))
    assert "TX-8F3K0001" in _text(shown)
    outcomes = [e.detail["outcome"] for e in await _audit(services)]
    assert outcomes == ["refused", "found"]


NEUTRAL = "You cannot look up this customer's transactions right now; ask a lead."


@pytest.mark.parametrize("query", [EMAIL, f"email:{EMAIL}", f"customer:{CUSTOMER}", CUSTOMER])
async def test_a_typed_lookup_of_a_compliance_case_customer_is_gated_like_its_button(
    client: TestClient,
    services: Services,
    fake_slack: FakeSlack,
    backoffice: FakeBackoffice,
    query: str,
) -> None:
    backoffice.add(_tx(1))
    asked = Findings(FindingState.FOUND, asked={"email": EMAIL, "customer_id": CUSTOMER})
    await add_escalation(
        services, category="aml", analyst_key="eduarda", enrichment=asked.to_json()
    )
    refused = await _txn(client, fake_slack, HENRIQUE, query)
    assert refused.params["text"] == NEUTRAL
    assert "compliance" not in _text(refused).lower() and "TX-8F3K0001" not in _text(refused)
    assert backoffice.requests == []  # refused before the back office is asked
    for user in (EDUARDA, ANA):  # the owner (compliance) and a lead, as the button allows
        assert "TX-8F3K0001" in _text(await _txn(client, fake_slack, user, query))
    audit = await _audit(services)
    assert [(e.actor, e.detail["outcome"]) for e in audit] == [
        ("henrique", "refused"),
        ("eduarda", "found"),
        ("ana", "found"),
    ]
    assert audit[0].detail["query"] == query


async def test_a_transaction_of_a_compliance_case_customer_found_by_its_id_is_gated(
    client: TestClient, services: Services, fake_slack: FakeSlack, backoffice: FakeBackoffice
) -> None:
    backoffice.add(_tx(1), _tx(2, email="maria.souza@hotmail.com", customer_id="C-1"))
    asked = Findings(FindingState.FOUND, asked={"email": EMAIL})
    await add_escalation(
        services, category="fraud", analyst_key="eduarda", enrichment=asked.to_json()
    )
    refused = await _txn(client, fake_slack, HENRIQUE, "TX-8F3K0001")
    assert refused.params["text"] == NEUTRAL
    # Another customer's transaction, and the case closed: no longer gated.
    assert "TX-8F3K0002" in _text(await _txn(client, fake_slack, HENRIQUE, "TX-8F3K0002"))
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.category == "fraud"))
        assert esc is not None
        esc.status, esc.open_ticket_id = "resolved", None
    assert "TX-8F3K0001" in _text(await _txn(client, fake_slack, HENRIQUE, EMAIL))


async def test_the_compliance_case_customer_is_read_from_zendesk_when_not_stored(
    client: TestClient,
    services: Services,
    fake_slack: FakeSlack,
    backoffice: FakeBackoffice,
    fake_zendesk: FakeZendesk,
) -> None:
    backoffice.add(_tx(1), _tx(2, email="maria.souza@hotmail.com", customer_id="C-1"))
    await add_escalation(services, ticket_id=7100, category="aml", analyst_key="eduarda")
    # Without Zendesk the customer is unknown: typed lookups are gated rather than guessed.
    unknown = await _txn(client, fake_slack, HENRIQUE, "maria.souza@hotmail.com")
    assert unknown.params["text"] == NEUTRAL
    fake_zendesk.add_escalation(7100, tags=("esc_senior", "esc_aml"), email=EMAIL.upper())
    services.zendesk = ZendeskClient(base_url=fake_zendesk.url, email=ZD_EMAIL, token=ZD_TOKEN)
    assert (await _txn(client, fake_slack, HENRIQUE, EMAIL)).params["text"] == NEUTRAL
    other = await _txn(client, fake_slack, HENRIQUE, "maria.souza@hotmail.com")
    assert "TX-8F3K0002" in _text(other)
