"""The document check at routing, end to end: signed webhook → worker → zenpy → fake Zendesk
(attachments served from content_url like Zendesk) → the alert's Documents section, the note."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from bot.demo.bundle import Clock
from bot.documents.findings import DocumentFindings, State
from bot.services import Services
from bot.store.db import Database
from bot.store.models import DocumentFingerprint, Escalation, OutboxMessage
from bot.worker import Worker
from tests.documents.samples import jpeg, pdf
from tests.documents.test_mrz import TD3
from tests.escalations.test_intake import MONDAY_10, SECRET, puts
from tests.fakes.zendesk_server import FakeZendesk
from tests.web import app_client, post_zendesk, zendesk_services

CPF = "390.533.447-05"
KEY = "k" * 64


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk) -> Services:
    s = zendesk_services(db, fake_zendesk, Clock(MONDAY_10), secret=SECRET)
    return replace(s, settings=replace(s.settings, secret_key=KEY))


async def route(services: Services, fake: FakeZendesk, ticket_id: int) -> Escalation:
    async with app_client(services) as client:
        await escalate(client, ticket_id)
        await Worker(services).drain()
    async with services.db.read_session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket_id))
    assert esc is not None
    return esc


async def escalate(client: TestClient[Any, Any], ticket_id: int) -> None:
    body = {"ticket_id": str(ticket_id), "event": "esc_senior", "attachments": "doc;"}
    assert (await post_zendesk(client, SECRET, body)).status == 200


def kyc_ticket(fake: FakeZendesk, ticket_id: int, *, requester: int, text: str = "") -> None:
    fake.add_escalation(
        ticket_id,
        tags=("esc_senior", "esc_kyc"),
        text=text or "Segue meu documento.",
        requester_id=requester,
    )


def found(esc: Escalation) -> dict[str, str]:
    result = DocumentFindings.from_json(esc.documents)
    assert result is not None and result.state is State.DONE
    return {line.code: str(line.level) for line in result.lines}


async def test_attachments_checked_at_routing_into_alert_and_note(
    services: Services, fake_zendesk: FakeZendesk
) -> None:
    kyc_ticket(fake_zendesk, 501, requester=7001, text=f"Meu CPF é {CPF}.")
    fake_zendesk.add_attachment(501, "passport.pdf", pdf(text=TD3), content_type="application/pdf")
    fake_zendesk.add_attachment(
        501, "selfie.jpg", jpeg(software="Adobe Photoshop 25.0"), content_type="image/jpeg"
    )
    esc = await route(services, fake_zendesk, 501)
    codes = found(esc)
    assert codes["number_valid"] == "passed"
    assert codes["mrz_valid"] == "passed"
    assert codes["expired"] == "failed"  # the specimen expired in 2012
    assert codes["name_mismatch"] == "failed"  # ERIKSSON is not "Cliente"
    assert codes["made_by_editor"] == "warning"
    # The expired passport does not count: the reply asks for an ID and a proof of address.
    assert DocumentFindings.from_json(esc.documents).missing == ("id_document", "proof_of_address")  # type: ignore[union-attr]
    note = puts(fake_zendesk, 501)[0]["comment"]["body"]
    assert "Documents:" in note and "expired on 2012-04-15" in note
    async with services.db.read_session() as s:
        posts = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.escalation_id == esc.id))
        ).all()
    blocks = [json.dumps(p.payload.get("blocks") or []) for p in posts if p.service == "slack"]
    assert blocks and all('"documents"' in b for b in blocks)
    for b in blocks:  # masked in Slack: neither the CPF nor the passport number in clear
        assert "39053344705" not in b and "390.533.447-05" not in b and "L898902C3" not in b


async def test_same_document_on_another_customer_is_found_by_keyed_hash_only(
    services: Services, fake_zendesk: FakeZendesk, db: Database
) -> None:
    kyc_ticket(fake_zendesk, 601, requester=7001, text=f"CPF {CPF}")
    first = await route(services, fake_zendesk, 601)
    assert "duplicate" not in found(first)
    kyc_ticket(fake_zendesk, 602, requester=7002, text=f"meu cpf: {CPF}")
    second = await route(services, fake_zendesk, 602)
    assert found(second)["duplicate"] == "failed"
    result = DocumentFindings.from_json(second.documents)
    assert result is not None
    assert [x.detail for x in result.lines if x.code == "duplicate"] == ["#601"]
    # No number in clear anywhere in the database: not in the fingerprints, not in findings.
    async with db.read_session() as s:
        rows = (await s.scalars(select(DocumentFingerprint))).all()
        assert {r.requester_id for r in rows} == {7001, 7002} and all(
            len(r.fingerprint) == 64 for r in rows
        )
        for table in (
            "document_fingerprints",
            "escalations",
            "audit_log",
            "outbox",
            "inbox_events",
        ):
            dump = json.dumps(
                [list(map(str, r)) for r in (await s.execute(text(f"SELECT * FROM {table}"))).all()]
            )
            assert "39053344705" not in dump and "533.447" not in dump, table


async def test_a_download_that_times_out_never_delays_routing_and_the_alert_follows(
    services: Services, fake_zendesk: FakeZendesk
) -> None:
    kyc_ticket(fake_zendesk, 701, requester=7001)
    fake_zendesk.add_attachment(
        701, "rg.pdf", pdf(producer="GIMP 2.10"), content_type="application/pdf"
    )
    # The file store answers after 3 s: past the 2 s the check may take at routing.
    fake_zendesk.hold_answers(seconds=3, when=lambda r: r.path.startswith("/storage/"))
    esc = await route(services, fake_zendesk, 701)  # the worker drains the outbox too
    assert esc.status == "routed"
    routing, later = puts(fake_zendesk, 701)[:2]
    # Routed without the check's result: the note says it is still running ...
    assert "Documents: still being checked" in routing["comment"]["body"]
    # ... and the outbox's repeat finished it: findings stored, the note, the alerts edited.
    assert "made or saved by an editor (GIMP 2.10)" in later["comment"]["body"]
    assert found(esc)["made_by_editor"] == "warning"
    async with services.db.read_session() as s:
        edits = (
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.like("%documents%"))
            )
        ).all()
    assert {e.service for e in edits} == {"slack", "zendesk"}


async def test_without_the_key_nothing_is_stored_and_the_alert_says_so(
    db: Database, fake_zendesk: FakeZendesk
) -> None:
    services = zendesk_services(db, fake_zendesk, Clock(MONDAY_10), secret=SECRET)
    kyc_ticket(fake_zendesk, 801, requester=7001, text=f"CPF {CPF}")
    esc = await route(services, fake_zendesk, 801)
    assert found(esc)["duplicates_unchecked"] == "warning"
    async with db.read_session() as s:
        assert (await s.scalars(select(DocumentFingerprint))).all() == []
