"""The inbox holds each webhook's parsed event; rows stored as raw bodies before that still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import JSON, Integer, String, column, create_engine, select, table
from sqlalchemy.orm import Session

from bot.config.database import sync_url
from bot.events import jira as jira_events
from bot.events import zendesk as zendesk_events
from bot.events.jira import JiraEvent
from bot.events.zendesk import ZendeskEvent
from bot.store import db as dbmod
from bot.store import inbox
from bot.store.db import Database
from bot.store.models import InboxEvent, UTCDateTime

FIXTURES = Path(__file__).resolve().parent.parent / "handlers" / "webhooks" / "fixtures"
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TRIGGER = {
    "ticket_id": "512",
    "event": "esc_senior",
    "agent_id": "9001",
    "attachments": "extrato.pdf; ",
    "tags": "esc_senior esc_withdrawal vip",
}
JIRA = json.loads((FIXTURES / "jira" / "jira_issue_updated_resolved_done_cloud.json").read_text())
COMMENTED = {
    **JIRA,
    "webhookEvent": "comment_created",
    "comment": {
        "id": "10077",
        "body": {
            "type": "doc",
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "[customer] Refund"}]},
                {"type": "paragraph", "content": [{"type": "text", "text": "sent today."}]},
            ],
        },
    },
}


def test_a_trigger_body_is_read_into_the_hints_intake_uses() -> None:
    assert zendesk_events.read_event(TRIGGER) == ZendeskEvent(
        kind="trigger",
        ticket_id=512,
        tags=frozenset({"esc_senior", "esc_withdrawal", "vip"}),
        agent_id=9001,
        attachments=True,
    )
    solved = zendesk_events.read_event({"ticketID": "512", "event": "ticket_solved"})
    assert (solved.kind, solved.tags, solved.agent_id, solved.attachments) == (
        "ticket_solved",
        None,
        None,
        False,
    )


def test_a_jira_body_is_read_into_status_resolution_and_comment() -> None:
    issue = JIRA["issue"]
    assert jira_events.read_event(JIRA) == JiraEvent(
        kind="jira:issue_updated",
        issue_id=str(issue["id"]),
        issue_key=issue["key"],
        timestamp=str(JIRA["timestamp"]),
        status_from="In Progress",
        status_to="Done",
        resolution="Done",
    )
    commented = jira_events.read_event(COMMENTED)
    assert (commented.comment_id, commented.comment) == ("10077", "[customer] Refund\nsent today.")


async def test_the_stored_event_reads_back_as_it_was_parsed(db: Database) -> None:
    _, zendesk = zendesk_events.parse(b"{}", TRIGGER, {})
    _, jira = jira_events.parse(b"{}", COMMENTED, {})
    jira = JiraEvent(**{**jira.to_json(), "ticket_id": 512})
    async with db.session() as s:
        assert await inbox.store_event(s, event=zendesk, dedupe_key="z1", now=T0)
        assert await inbox.store_event(s, event=jira, dedupe_key="j1", now=T0)
        assert not await inbox.store_event(s, event=zendesk, dedupe_key="z1", now=T0)
    async with db.session() as s:
        z, j = (await s.scalars(select(InboxEvent).order_by(InboxEvent.id))).all()
    assert (z.source, z.kind, z.ticket_id, z.payload) == ("zendesk", "trigger", 512, None)
    assert (j.source, j.kind, j.ticket_id, j.payload) == ("jira", "comment_created", 512, None)
    assert inbox.zendesk_event(z) == zendesk
    assert inbox.jira_event(j) == jira


def test_rows_stored_as_raw_bodies_before_the_upgrade_are_parsed_when_read(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    dbmod.upgrade(url, "0009")
    # The table as 0009 left it: the raw body in payload, no event column.
    before = table(
        "inbox_events",
        column("source", String()),
        column("dedupe_key", String()),
        column("kind", String()),
        column("ticket_id", Integer()),
        column("payload", JSON()),
        column("status", String()),
        column("attempts", Integer()),
        column("available_at", UTCDateTime()),
        column("received_at", UTCDateTime()),
    )
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(
            before.insert(),
            [
                {"source": source, "dedupe_key": key, "kind": kind, "ticket_id": 512}
                | {"payload": body, "status": "pending", "attempts": 0}
                | {"available_at": T0, "received_at": T0}
                for source, key, kind, body in (
                    ("zendesk", "z-old", "trigger", TRIGGER),
                    ("jira", "j-old", "comment_created", COMMENTED),
                )
            ],
        )
    engine.dispose()
    dbmod.upgrade(url)
    engine = create_engine(sync_url(url))
    with Session(engine) as s:
        z, j = s.scalars(select(InboxEvent).order_by(InboxEvent.id)).all()
    engine.dispose()
    assert z.event is None and j.event is None
    assert inbox.zendesk_event(z) == zendesk_events.read_event(TRIGGER)
    assert inbox.jira_event(j) == JiraEvent(
        **{**jira_events.read_event(COMMENTED).to_json(), "ticket_id": 512}
    )


def test_a_row_whose_body_does_not_parse_reads_as_its_columns() -> None:
    row = InboxEvent(source="zendesk", dedupe_key="odd", kind="trigger", ticket_id=9, payload={})
    assert inbox.zendesk_event(row) == ZendeskEvent(kind="trigger", ticket_id=9)
    jira_row = InboxEvent(source="jira", dedupe_key="j", kind="comment_created", payload=[])
    assert inbox.jira_event(jira_row) == JiraEvent(kind="comment_created")
