"""Comments through the real client (zenpy) against the fake, and the fake behaving like Zendesk.

The description is read-only after creation; facts an agent adds later are comments, which the
client reads page by page (cursor pagination) only when intake asks for them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import requests

from bot.ports import TicketUpdate
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ZD = Path(__file__).parent / "fixtures" / "zendesk"


@pytest.fixture
def client(fake_zendesk: FakeZendesk) -> ZendeskClient:
    return ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)


def comment_reads(fake: FakeZendesk, ticket_id: int) -> list[dict[str, list[str]]]:
    return [
        r.query for r in fake.requests_to("GET", rf"/api/v2/tickets/{ticket_id}/comments\.json")
    ]


async def test_recorded_comments_page_gives_texts_and_the_attachment(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    recorded = json.loads((ZD / "ticket_comments_list_200.json").read_text(encoding="utf-8"))
    fake_zendesk.state.comments[2] = recorded["response"]["body"]["comments"]
    ticket = await client.get_ticket(2)
    assert not ticket.has_attachments and ticket.comments == ()

    seen = await client.with_comments(ticket)

    # Public and private alike; the private one carries crash.log.
    assert seen.comments == ("Please help!", "Looking into an issue.")
    assert seen.has_attachments
    assert (seen.id, seen.description, seen.tags) == (ticket.id, ticket.description, ticket.tags)
    # zenpy asks for cursor pages, as the recorded request does.
    [query] = comment_reads(fake_zendesk, 2)
    assert query["page[size]"] == ["100"]


async def test_every_page_of_a_long_conversation_is_read(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.add_escalation(301, text="Cliente sem dados.")
    for n in range(230):
        fake_zendesk.add_comment(301, f"follow-up {n}", public=n % 2 == 0)
    fake_zendesk.add_comment(301, "Achei: TX-8F3K29Q1", attachments=["comprovante.pdf"])

    seen = await client.with_comments(await client.get_ticket(301))

    assert len(seen.comments) == 232  # the description (first comment) and 231 more
    assert seen.comments[-1] == "Achei: TX-8F3K29Q1" and seen.has_attachments
    pages = comment_reads(fake_zendesk, 301)
    assert len(pages) == 3  # 100 + 100 + 32, following links.next while meta.has_more
    assert all(q["page[size]"] == ["100"] for q in pages) and "page[after]" in pages[2]


async def test_batons_own_notes_are_not_facts(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.add_escalation(302, tags=("esc_senior", "esc_kyc"), text="Verificar, por favor.")
    note = "Please add:\n  • the customer's document (attach it or name the document type)"
    await client.update_ticket(TicketUpdate(ticket_id=302, internal_note=note, marker="k:302"))

    seen = await client.with_comments(await client.get_ticket(302))

    # The note names "document": read as a fact it would let the ticket through unchanged.
    assert seen.comments == ("Verificar, por favor.",)


def test_description_is_read_only_like_zendesk(fake_zendesk: FakeZendesk) -> None:
    fake_zendesk.add_escalation(303, text="Original words.")
    url = f"{fake_zendesk.url}/api/v2/tickets/303.json"
    answer = requests.put(
        url,
        json={"ticket": {"description": "Edited words. TX-8F3K29Q1", "tags": ["x"]}},
        auth=(f"{EMAIL}/token", TOKEN),
        timeout=5,
    )
    assert answer.status_code == 422
    assert "description key on the ticket object is read-only" in answer.json()["description"]
    ticket = fake_zendesk.state.tickets[303]
    assert ticket["description"] == "Original words." and "x" not in ticket["tags"]


async def test_comments_and_updates_move_updated_at_on(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.add_escalation(304, updated_at="2026-11-16T12:58:00Z")
    stamps = [(await client.get_ticket(304)).updated_at]
    fake_zendesk.add_comment(304, "ID TX-8F3K29Q1", public=True, author_id=7002)
    stamps.append((await client.get_ticket(304)).updated_at)
    await client.update_ticket(TicketUpdate(ticket_id=304, internal_note="x"))
    stamps.append((await client.get_ticket(304)).updated_at)
    fake_zendesk.agent_update(304, add_tags=["esc_senior"])
    stamps.append((await client.get_ticket(304)).updated_at)
    assert all(isinstance(at, datetime) for at in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    [added] = [c for c in fake_zendesk.state.comments[304] if c["author_id"] == 7002]
    assert added["public"] is True and added["body"] == "ID TX-8F3K29Q1"
