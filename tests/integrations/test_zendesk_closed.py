"""A closed Zendesk ticket is final: the fake refuses its updates as Zendesk does (422), and Baton
ends the outbox row at once instead of retrying it for a day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.demo.bundle import Clock
from bot.desk.roster import load_roster
from bot.errors import IntegrationError
from bot.ports import TicketUpdate
from bot.services import Services, Unconfigured
from bot.store import outbox
from bot.store.db import Database
from bot.store.models import OutboxMessage
from bot.store.outbox import OutboxItem
from bot.worker import Worker
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)
PUTS = r"/api/v2/tickets/2\.json"


@pytest.fixture
def client(fake_zendesk: FakeZendesk) -> ZendeskClient:
    return ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)


async def test_an_update_of_a_closed_ticket_is_refused_and_not_retryable(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.agent_update(2, status="closed")
    before = dict(fake_zendesk.state.tickets[2])
    with pytest.raises(IntegrationError) as info:
        await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="late", marker="m"))
    assert info.value.status == 422 and not info.value.retryable
    assert "closed prevents ticket update" in str(info.value)
    assert fake_zendesk.state.tickets[2] == before  # nothing landed, not even the note
    assert not await client.has_marker(2, "m")
    # A solved ticket still takes updates (only closed is final).
    fake_zendesk.agent_update(2, status="solved")
    await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="late", marker="m"))
    assert await client.has_marker(2, "m")


async def test_the_outbox_row_for_a_closed_ticket_ends_at_once(
    db: Database, fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    services = Services(
        settings=Settings(database_url=db.url),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=client,
        slack=Unconfigured("slack"),
        clock=Clock(T0),
    )
    fake_zendesk.agent_update(2, status="closed")
    item = OutboxItem(
        key="k",
        service="zendesk",
        action="update_ticket",
        payload={"ticket_id": 2, "internal_note": "hello", "marker": "k"},
    )
    async with db.session() as s:
        await outbox.enqueue(s, [item], now=T0)
    worker = Worker(services)
    await worker.drain()
    await worker.drain()
    async with db.session() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "k"))
    assert row is not None and row.status == "dead" and row.attempts == 1
    assert "closed prevents ticket update" in (row.last_error or "")
    assert len(fake_zendesk.requests_to("PUT", PUTS)) == 1  # tried once, never again
