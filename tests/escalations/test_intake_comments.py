"""The bounce-back loop and the API budget, end to end: signed webhooks -> inbox -> worker ->
real zenpy client -> fake Zendesk (where, as in Zendesk, the description never changes and
facts an agent adds later arrive as comments).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.app import SERVICES
from bot.config import BatonConfig, Settings, Tags
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.escalations import intake
from bot.services import Services, Unconfigured
from bot.store import inbox, outbox
from bot.store.db import Database
from bot.store.models import Escalation, InboxEvent
from bot.worker import Worker
from integrations.zendesk import ZendeskClient
from tests.escalations.test_intake import MONDAY_10, ROOT, SECRET, SP, baton_notes, count, puts
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.web import app_client, post_zendesk, zendesk_services

WITHDRAWAL = ("esc_senior", "esc_withdrawal")
_deliveries = itertools.count()  # every delivery is a new ticket update (not a Zendesk retry)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def tags() -> Tags:
    return Tags()


@pytest.fixture
def services(db: Database, fake_zendesk: FakeZendesk, clock: Clock, tags: Tags) -> Services:
    return zendesk_services(db, fake_zendesk, clock, secret=SECRET, config=BatonConfig(tags=tags))


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c


def calls(fake: FakeZendesk) -> list[str]:
    """The Zendesk API calls since the last look, e.g. "GET /api/v2/tickets/7.json"."""
    return fake.take_calls()


async def deliver(
    client: TestClient[Any, Any], ticket_id: int, *, tags: tuple[str, ...], n: int = 1
) -> None:
    """One escalation delivered n times in each shape: our trigger's body and an event's."""
    for _ in range(n):
        # As our trigger sends it: the ticket's updated_at names the update that fired it.
        updated = f"2026-11-16T13:{next(_deliveries) % 60:02d}:00Z"
        trigger = {
            "ticket_id": str(ticket_id),
            "event": tags[0],
            "agent_id": "500777",
            "updated_at": updated,
        }
        assert (await post_zendesk(client, SECRET, trigger)).status == 200
        event = {
            "type": "zen:event-type:ticket.tags_changed",
            "id": f"event-{next(_deliveries)}",
            "subject": f"zen:ticket:{ticket_id}",
            "detail": {"id": str(ticket_id), "actor_id": "500777", "tags": list(tags)},
            "event": {"tags_added": [tags[0]], "tags_removed": []},
        }
        assert (await post_zendesk(client, SECRET, event)).status == 200
        services: Services = client.app[SERVICES]
        await Worker(services).drain()


async def escalation(db: Database, ticket_id: int) -> Escalation:
    async with db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket_id))
    assert esc is not None
    return esc


TICKET = "GET /api/v2/tickets/{}.json"
COMMENTS = "GET /api/v2/tickets/{}/comments.json"
UPDATE = "PUT /api/v2/tickets/{}.json"


async def test_complete_ticket_costs_one_read_and_one_update_however_often_delivered(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(401)
    await deliver(client, 401, tags=WITHDRAWAL, n=3)
    assert calls(fake_zendesk) == [TICKET.format(401), UPDATE.format(401)]
    assert (await escalation(services.db, 401)).status == "routed"


@pytest.mark.parametrize(
    ("fact", "public", "author"),
    [
        ("ID da transação: TX-8F3K29Q1", False, 500777),  # the agent's internal note
        ("Foram R$ 250,00 no dia 14/11, pelo Pix.", True, 7001),  # the customer answers
    ],
    ids=["agent-note", "customer-reply"],
)
async def test_bounce_back_loop_closes_when_the_fact_arrives_in_a_comment(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    fact: str,
    public: bool,
    author: int,
) -> None:
    fake_zendesk.add_escalation(402, text="Cliente diz que o saque não chegou, pode ver?")
    await deliver(client, 402, tags=WITHDRAWAL)
    # Subject and description fall short: only then are the comments read. The event body,
    # handled after the bounce landed, costs a read that finds the tag gone.
    assert calls(fake_zendesk) == [
        TICKET.format(402),
        COMMENTS.format(402),
        UPDATE.format(402),
        TICKET.format(402),
    ]
    [back] = puts(fake_zendesk, 402)
    assert (back["additional_tags"], back["remove_tags"]) == (["baton_incomplete"], ["esc_senior"])
    assert "transaction id" in back["comment"]["body"]
    assert (await escalation(services.db, 402)).status == "incomplete"

    fake_zendesk.add_comment(402, fact, public=public, author_id=author)
    fake_zendesk.agent_update(402, add_tags=["esc_senior"])
    await deliver(client, 402, tags=(*WITHDRAWAL, "baton_incomplete"), n=2)

    assert calls(fake_zendesk) == [TICKET.format(402), COMMENTS.format(402), UPDATE.format(402)]
    routed = puts(fake_zendesk, 402)[1]
    assert routed["additional_tags"] == ["baton_routed"]
    assert "baton_incomplete" in routed["remove_tags"]
    assert "escalated to" in routed["comment"]["body"]
    ticket = fake_zendesk.state.tickets[402]
    assert "baton_routed" in ticket["tags"] and "baton_incomplete" not in ticket["tags"]
    assert ticket["description"] == "Cliente diz que o saque não chegou, pode ver?"
    assert len(baton_notes(fake_zendesk, 402)) == 2  # one bounce, one routing: no more
    assert await count(services.db, Escalation) == 1
    assert (await escalation(services.db, 402)).status == "routed"


async def test_reescalating_without_the_fact_bounces_again_with_a_fresh_note(
    client: TestClient[Any, Any], fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(403, text="Saque não chegou.")
    await deliver(client, 403, tags=WITHDRAWAL)
    fake_zendesk.add_comment(403, "Cliente pediu urgência.")  # no id, no amount and date
    fake_zendesk.agent_update(403, add_tags=["esc_senior"])
    await deliver(client, 403, tags=(*WITHDRAWAL, "baton_incomplete"))
    first, second = puts(fake_zendesk, 403)
    assert first["additional_tags"] == second["additional_tags"] == ["baton_incomplete"]
    assert len(baton_notes(fake_zendesk, 403)) == 2


async def test_duplicates_before_the_bounce_reaches_the_agent_cost_no_call(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(409, text="Saque não chegou.")
    await post_zendesk(client, SECRET, {"ticket_id": "409"})
    worker = Worker(services)
    await worker.process_events()
    fake_zendesk.down()
    await worker.deliver_outbox()  # the note sending it back waits: Zendesk answers 503
    fake_zendesk.up()
    calls(fake_zendesk)
    # Nobody can have answered a note that has not landed: these are the same escalation.
    await post_zendesk(client, SECRET, {"ticket_id": "409", "agent_id": "1"})
    await worker.process_events()
    assert calls(fake_zendesk) == []
    assert (await escalation(services.db, 409)).status == "incomplete"


async def test_kyc_document_attached_in_a_comment_counts(
    client: TestClient[Any, Any], services: Services, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(404, tags=("esc_senior", "esc_kyc"), text="Please verify.")
    fake_zendesk.add_comment(404, "Segue.", public=True, author_id=7001, attachments=["rg.jpg"])
    # An event-subscription body: no attachments hint, so the comments tell.
    await deliver(client, 404, tags=("esc_senior", "esc_kyc"))
    made = calls(fake_zendesk)
    # Then the document check reads the comments' files and downloads the picture (a redirect
    # to the file store), before the one update.
    assert made[:3] == [TICKET.format(404), COMMENTS.format(404), COMMENTS.format(404)]
    assert made[3].startswith("GET /attachments/token/") and made[4].startswith("GET /storage/")
    assert made[5:] == [UPDATE.format(404)]
    assert puts(fake_zendesk, 404)[0]["additional_tags"] == ["baton_routed"]


@pytest.mark.parametrize("held", ["routed", "claimed", "unassigned"])
async def test_another_event_for_a_held_ticket_costs_no_call(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    clock: Clock,
    held: str,
) -> None:
    if held == "unassigned":  # Saturday 09:30 São Paulo: nobody on shift in that rota week
        clock.now = datetime(2026, 11, 21, 9, 30, tzinfo=SP).astimezone(UTC)
    fake_zendesk.add_escalation(405)
    await deliver(client, 405, tags=WITHDRAWAL)
    async with services.db.session() as s:
        await s.execute(update(Escalation).values(status=held))
    calls(fake_zendesk)

    await deliver(client, 405, tags=WITHDRAWAL, n=2)

    assert calls(fake_zendesk) == []
    async with services.db.session() as s:
        pending = await s.scalar(select(InboxEvent).where(InboxEvent.status != "done"))
    assert pending is None  # every delivery was finished, none left to retry


async def test_renamed_tags_in_every_note_and_update(
    db: Database, fake_zendesk: FakeZendesk, clock: Clock
) -> None:
    renamed = Tags(
        escalate="n2_escalar",
        routed="n2_ok",
        incomplete="n2_faltando",
        unassigned="n2_fila",
        language_prefix="idioma_",
    )
    services = Services(
        settings=Settings(
            database_url=db.url, zendesk_webhook_secret=SECRET, config=BatonConfig(tags=renamed)
        ),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN),
        slack=Unconfigured("slack"),
        clock=clock,
    )
    tags = ("n2_escalar", "esc_withdrawal", "idioma_pt")
    fake_zendesk.add_escalation(406, tags=tags, text="O saque não chegou.")
    async with app_client(services) as client:
        await deliver(client, 406, tags=tags)
        fake_zendesk.add_comment(406, "TX-8F3K29Q1")
        fake_zendesk.agent_update(406, add_tags=["n2_escalar"])
        await deliver(client, 406, tags=(*tags, "n2_faltando"))
    back, routed = puts(fake_zendesk, 406)
    assert (back["additional_tags"], back["remove_tags"]) == (["n2_faltando"], ["n2_escalar"])
    assert "add the n2_escalar tag again" in back["comment"]["body"]
    assert routed["additional_tags"] == ["n2_ok"]
    assert set(routed["remove_tags"]) == {"n2_faltando", "n2_fila"}
    assert "from the idioma_pt tag" in routed["comment"]["body"]
    for body in (back["comment"]["body"], routed["comment"]["body"]):
        assert "esc_senior" not in body and "baton_" not in body and "lang_" not in body


async def first_claim(services: Services) -> InboxEvent:
    async with services.db.session() as s:
        [event] = await inbox.claim(s, worker="w1")
    return event


@pytest.mark.parametrize("open_meanwhile", [True, False])
async def test_only_the_open_ticket_rule_means_already_escalated(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
    open_meanwhile: bool,
) -> None:
    fake_zendesk.add_escalation(407)
    await post_zendesk(client, SECRET, {"ticket_id": "407"})
    event = await first_claim(services)
    real_get = services.zendesk.get_ticket

    async def read_while_another_worker_escalates(ticket_id: int) -> Any:
        ticket = await real_get(ticket_id)
        if open_meanwhile:  # another worker commits its escalation of the ticket meanwhile
            async with services.db.session() as s:
                s.add(Escalation(ticket_id=407, open_ticket_id=407, status="routed", subject=""))
        return ticket

    async def clashes(*_a: Any, **_k: Any) -> Any:
        raise IntegrityError("INSERT INTO escalations", {}, Exception("unique constraint"))

    monkeypatch.setattr(services.zendesk, "get_ticket", read_while_another_worker_escalates)
    monkeypatch.setattr(intake, "receive", clashes)
    if open_meanwhile:
        outcome = await intake.process_event(services, event, worker="w1")
        assert outcome.status == "duplicate"
    else:
        with pytest.raises(IntegrityError):
            await intake.process_event(services, event, worker="w1")
    async with services.db.session() as s:
        stored = await s.get(InboxEvent, event.id)
    assert stored is not None and (stored.status == "done") is open_meanwhile


async def test_any_other_integrity_error_fails_the_event_loudly(
    client: TestClient[Any, Any],
    services: Services,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_zendesk.add_escalation(408)
    await post_zendesk(client, SECRET, {"ticket_id": "408"})
    event = await first_claim(services)
    taken = event.dedupe_key
    real_enqueue = outbox.enqueue

    async def enqueue_with_a_clash(s: Any, items: Any, **kw: Any) -> int:
        # A bug elsewhere: a row that breaks another unique rule in the routing transaction.
        s.add(InboxEvent(source="zendesk", dedupe_key=taken, kind="x", payload={}))
        return await real_enqueue(s, items, **kw)

    monkeypatch.setattr(outbox, "enqueue", enqueue_with_a_clash)
    with pytest.raises(IntegrityError):
        await intake.process_event(services, event, worker="w1")
    assert await count(services.db, Escalation) == 0  # nothing half-done was committed
    async with services.db.session() as s:
        stored = await s.get(InboxEvent, event.id)
    assert stored is not None and stored.status != "done"  # the worker parks or retries it
