"""`/baton kyc`, end to end: signed slash commands through slack-bolt to bot/kyc, answers read
at the fake Slack's response_url: ephemeral, every number masked but its last characters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.services import Services
from bot.store.models import AuditEntry
from integrations.zendesk import ZendeskClient
from tests.documents.samples import pdf
from tests.documents.test_mrz import TD3
from tests.documents.test_numbers import CASES
from tests.fakes.slack_server import Call, FakeSlack
from tests.fakes.zendesk_server import EMAIL as ZD_EMAIL
from tests.fakes.zendesk_server import TOKEN as ZD_TOKEN
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, OUTSIDER, command_body, post_form


async def kyc(client: TestClient[Any, Any], fake: FakeSlack, user: str, text: str) -> Call:
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=user, text=f"kyc {text}"))
    assert resp.status == 200
    return (await fake.wait_for("response_url", before + 1))[-1]


def shown(call: Call) -> str:
    return json.dumps([call.params.get("text"), call.params.get("blocks")], ensure_ascii=False)


@pytest.mark.parametrize(("kind", "valid", "invalid", "reason"), CASES[:16])
async def test_every_type_valid_and_invalid_masked_and_ephemeral(
    client: TestClient[Any, Any],
    fake_slack: FakeSlack,
    kind: str,
    valid: str,
    invalid: str,
    reason: str,
) -> None:
    good = await kyc(client, fake_slack, CARLA, f"{kind} {valid}")
    bad = await kyc(client, fake_slack, CARLA, f"{kind} {invalid}")
    for call, number in ((good, valid), (bad, invalid)):
        assert call.params["response_type"] == "ephemeral"
        plain = "".join(ch for ch in number if ch.isalnum())
        text = shown(call)
        assert number not in text and plain not in text and plain[-3:] in text
    assert "is valid" in shown(good) and "is not valid" in shown(bad)


async def test_what_a_chinese_id_encodes(
    client: TestClient[Any, Any], fake_slack: FakeSlack
) -> None:
    text = shown(await kyc(client, fake_slack, CARLA, "cn_ric 11010519491231002X"))
    assert "1949-12-31" in text and "female" in text and "北京市" in text


async def test_an_mrz_with_a_wrong_check_digit(
    client: TestClient[Any, Any], fake_slack: FakeSlack
) -> None:
    line = TD3[1][:9] + "7" + TD3[1][10:]  # the document number's check digit 6 → 7
    text = shown(await kyc(client, fake_slack, CARLA, f"mrz {TD3[0]} {line}"))
    assert "MRZ check digit wrong" in text and "document number" in text
    assert "L898902C3" not in text and "ERIKSSON" in text and "2012-04-15" in text
    good = shown(await kyc(client, fake_slack, CARLA, f"mrz {TD3[0]} {TD3[1]}"))
    assert "MRZ check digits correct" in good and "expired on 2012-04-15" in good


async def test_unknown_type_lists_the_types_and_outsiders_are_refused(
    client: TestClient[Any, Any], fake_slack: FakeSlack, services: Services
) -> None:
    assert "`mx_curp`" in shown(await kyc(client, fake_slack, CARLA, "passport 123"))
    assert "analysts on the roster" in shown(await kyc(client, fake_slack, OUTSIDER, "cpf 1"))
    async with services.db.read_session() as s:
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kyc_check"))).all()
    assert audit == []  # neither asked a real check


async def test_a_tickets_documents_by_hand(
    client: TestClient[Any, Any],
    fake_slack: FakeSlack,
    services: Services,
    fake_zendesk: FakeZendesk,
) -> None:
    services.zendesk = ZendeskClient(base_url=fake_zendesk.url, email=ZD_EMAIL, token=ZD_TOKEN)
    fake_zendesk.add_escalation(950, tags=("esc_senior", "esc_kyc"), text="CPF 390.533.447-05")
    fake_zendesk.add_attachment(
        950, "rg.pdf", pdf(producer="Canva"), content_type="application/pdf"
    )
    text = shown(await kyc(client, fake_slack, CARLA, "#950"))
    assert "Documents of ticket #950" in text
    assert "made or saved by an editor (Canva)" in text and "cpf ••••••••705" in text
    # rg.pdf counts as the ID document (a warning is for the analyst to judge, not a refusal).
    assert "Still missing: selfie, proof of address" in text
    async with services.db.read_session() as s:
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kyc_check"))).all()
    assert [a.ticket_id for a in audit] == [950] and "390" not in json.dumps(audit[0].detail)
