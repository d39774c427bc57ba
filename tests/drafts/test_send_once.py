"""A customer never receives the same reply twice: a double click, a retried delivery.

A public reply carries no marker, so a retry after an uncertain failure reads the ticket's
latest comments (newest first, as Zendesk's comments endpoint lists them) before writing.
The fake Zendesk applies the request and then hangs up (``lose_next_answer``), the case
where the first attempt landed but Baton never heard so.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.services import Services
from bot.slack_messages.ids import DraftAction
from bot.store.models import OutboxMessage
from tests.drafts.support import (
    TICKET,
    command,
    drafts,
    escalation,
    public_comments,
    shown,
)
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, NOW, action_body, drain, post_form


async def _previewed(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> int:
    await escalation(services, zendesk)
    await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    return draft.id


async def _send(client: TestClient, fake_slack: FakeSlack, draft_id: int) -> None:
    body = action_body(fake_slack, user=CARLA, action_id=DraftAction.SEND, value=str(draft_id))
    assert (await post_form(client, body)).status == 200


async def _zendesk_rows(services: Services) -> list[OutboxMessage]:
    async with services.db.session() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.service == "zendesk"))
        return list(rows)


async def test_a_double_click_sends_one_reply(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    draft_id = await _previewed(client, fake_slack, services, zendesk)
    before = len(fake_slack.called("response_url"))
    await asyncio.gather(*(_send(client, fake_slack, draft_id) for _ in range(2)))
    answers = (await fake_slack.wait_for("response_url", before + 2))[before:]
    assert sum("Already done" in shown(a) for a in answers) == 1
    await drain(services)
    (row,) = await _zendesk_rows(services)
    assert row.idempotency_key == f"zendesk:draft:{draft_id}" and row.status == "done"
    (draft,) = await drafts(services)
    (comment,) = public_comments(zendesk)
    assert comment["body"] == draft.body and comment["author_id"] == 900003
    # The reply is sent as is: no marker line for the customer to read.
    assert "[baton:" not in comment["body"]


async def test_a_retry_after_a_lost_answer_does_not_send_again(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    draft_id = await _previewed(client, fake_slack, services, zendesk)
    await _send(client, fake_slack, draft_id)
    await fake_slack.wait_for("response_url", 2)
    zendesk.lose_next_answer()
    await drain(services)
    (row,) = await _zendesk_rows(services)
    # The connection dropped: Baton cannot know the reply landed, and will try again.
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert len(public_comments(zendesk)) == 1
    zendesk.take_calls()
    await drain(services, now=NOW + timedelta(hours=1))
    # The retry looked at the newest comments, found the reply, and wrote nothing.
    assert zendesk.take_calls() == [f"GET /api/v2/tickets/{TICKET}/comments.json"]
    (looked,) = zendesk.requests_to("GET", rf"/api/v2/tickets/{TICKET}/comments\.json")
    assert looked.query["sort_order"] == ["desc"]
    assert len(public_comments(zendesk)) == 1
    (row,) = await _zendesk_rows(services)
    assert row.status == "done" and row.result == {"already_applied": True}


async def test_a_retry_after_a_failure_that_did_not_land_sends_once(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    draft_id = await _previewed(client, fake_slack, services, zendesk)
    await _send(client, fake_slack, draft_id)
    await fake_slack.wait_for("response_url", 2)
    zendesk.drop_next()  # hung up before doing anything
    await drain(services)
    assert public_comments(zendesk) == []
    await drain(services, now=NOW + timedelta(hours=1))
    (comment,) = public_comments(zendesk)
    (draft,) = await drafts(services)
    assert comment["body"] == draft.body
    await drain(services, now=NOW + timedelta(hours=2))
    assert len(public_comments(zendesk)) == 1


async def test_the_same_words_by_someone_else_do_not_count_as_sent(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    draft_id = await _previewed(client, fake_slack, services, zendesk)
    (draft,) = await drafts(services)
    await _send(client, fake_slack, draft_id)
    await fake_slack.wait_for("response_url", 2)
    zendesk.drop_next()
    await drain(services)
    # Another agent happened to post the very same text meanwhile: Carla's still goes out.
    zendesk.add_comment(TICKET, draft.body, public=True, author_id=500101)
    await drain(services, now=NOW + timedelta(hours=1))
    authors = [c["author_id"] for c in public_comments(zendesk)]
    assert authors == [500101, 900003]
