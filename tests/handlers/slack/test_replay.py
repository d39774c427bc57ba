"""Each signed Slack request acts once: a copy of one (same signature) within Slack's five-minute
window is answered with an empty 200 and does nothing; the same body signed at another second is
a new request and acts."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.services import Services
from bot.slack_messages.ids import ResolveView
from bot.store import seen_requests
from bot.store.db import Database
from bot.store.models import Escalation, ResolutionRow, SeenSlackRequest, utcnow
from tests.drafts.support import TICKET, escalation
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, command_body, drain, sign, view_body
from tests.resolutions.support import state_values

JULIANA = "U05JUL0009"  # lead only
EDUARDA_ID = "U05EDU0005"


async def post_signed(client: TestClient, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST a form body with the given signature headers, as Slack (or a replayer) would."""
    resp = await client.post(
        "/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    return resp.status, await resp.text()


def resolve_body(escalation_id: int, **values: object) -> str:
    return view_body(
        user=CARLA,
        callback_id=ResolveView.CALLBACK,
        metadata=str(escalation_id),
        values=state_values(**values),  # type: ignore[arg-type]
    )


async def _resolution(services: Services) -> ResolutionRow:
    async with services.db.session() as s:
        (row,) = list(await s.scalars(select(ResolutionRow)))
    return row


def _notes(zendesk: FakeZendesk) -> list[str]:
    return [c["body"] for c in zendesk.state.comments[TICKET] if not c["public"]]


async def test_a_replayed_resolve_submission_does_nothing(
    client: TestClient,
    services: Services,
    zendesk: FakeZendesk,
    caplog: pytest.LogCaptureFixture,
) -> None:
    esc = await escalation(services, zendesk)
    notes_before = len(_notes(zendesk))
    body = resolve_body(esc.id)
    headers = sign(body)
    assert await post_signed(client, body, headers) == (200, "")
    await drain(services)
    with caplog.at_level(logging.WARNING, logger="handlers.slack.endpoint"):
        assert await post_signed(client, body, headers) == (200, "")
    await drain(services)
    row = await _resolution(services)
    assert row.amendments == 0 and row.amended_at is None
    assert len(_notes(zendesk)) == notes_before + 1  # one ticket note, not two
    assert [r.message for r in caplog.records if r.name == "handlers.slack.endpoint"] == [
        "slack.replay"
    ]


async def test_the_same_body_signed_at_another_second_acts(
    client: TestClient, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    notes_before = len(_notes(zendesk))
    body = resolve_body(esc.id)
    now = int(time.time())
    assert await post_signed(client, body, sign(body, ts=now - 1)) == (200, "")
    assert await post_signed(client, body, sign(body, ts=now)) == (200, "")
    await drain(services)
    assert (await _resolution(services)).amendments == 1  # resolved, then amended
    assert len(_notes(zendesk)) == notes_before + 2


async def _owner(services: Services, escalation_id: int) -> str | None:
    async with services.db.session() as s:
        esc = await s.get(Escalation, escalation_id)
    assert esc is not None
    return esc.analyst_key


async def test_a_replayed_assign_does_not_undo_a_leads_correction(
    client: TestClient, services: Services, fake_slack: FakeSlack, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    first = command_body(fake_slack, user=JULIANA, text=f"assign {TICKET} <@{EDUARDA_ID}>")
    first_headers = sign(first)
    assert await post_signed(client, first, first_headers) == (200, "")
    await fake_slack.wait_for("response_url")
    assert await _owner(services, esc.id) == "eduarda"
    correction = command_body(fake_slack, user=JULIANA, text=f"assign {TICKET} <@{CARLA}>")
    assert await post_signed(client, correction, sign(correction)) == (200, "")
    answers = await fake_slack.wait_for("response_url", count=2)
    assert "Carla" in answers[-1].params["text"]
    assert await _owner(services, esc.id) == "carla"

    assert await post_signed(client, first, first_headers) == (200, "")
    await asyncio.sleep(0.3)  # time for a listener to run, had the replay reached one
    assert await _owner(services, esc.id) == "carla"
    assert len(fake_slack.called("response_url")) == 2  # the replay got no answer either


async def test_a_seen_signature_is_remembered_until_it_would_be_stale(db: Database) -> None:
    now = utcnow()
    async with db.session() as s:
        assert await seen_requests.first_time(
            s, signature="v0=aa", expires_at=now + timedelta(seconds=300), now=now
        )
        assert await seen_requests.first_time(
            s, signature="v0=old", expires_at=now + timedelta(seconds=1), now=now
        )
    async with db.session() as s:
        assert not await seen_requests.first_time(
            s, signature="v0=aa", expires_at=now + timedelta(seconds=300), now=now
        )
    later = now + timedelta(seconds=10)
    async with db.session() as s:
        # A row past its window is deleted on the way; the live one stays.
        assert await seen_requests.first_time(
            s, signature="v0=bb", expires_at=later + timedelta(seconds=300), now=later
        )
        stored = set(await s.scalars(select(SeenSlackRequest.signature)))
        count = await s.scalar(select(func.count()).select_from(SeenSlackRequest))
    assert count == 2
    assert stored == {seen_requests.fingerprint("v0=aa"), seen_requests.fingerprint("v0=bb")}


async def test_when_the_database_cannot_tell_a_replay_nothing_is_done(
    client: TestClient,
    services: Services,
    fake_slack: FakeSlack,
    zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    esc = await escalation(services, zendesk)

    async def unreachable(*_args: object, **_kwargs: object) -> bool:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(seen_requests, "first_time", unreachable)
    body = command_body(fake_slack, user=JULIANA, text=f"assign {TICKET} <@{EDUARDA_ID}>")
    status, text = await post_signed(client, body, sign(body))
    assert status == 503 and "Traceback" not in text
    await asyncio.sleep(0.3)
    assert await _owner(services, esc.id) == "carla"
    assert not fake_slack.called("response_url")
