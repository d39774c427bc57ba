"""Escalations closed in Zendesk without /baton resolve: the App Home section, the weekly DM
(once per analyst per ISO week), and resolving one later from its button."""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.desk.permissions import actor_for
from bot.escalations import closing
from bot.resolutions import pending
from bot.services import Services
from bot.store.models import Escalation, OutboxMessage, ResolutionRow
from handlers.slack.home import render_home
from handlers.slack.request import Ctx
from tests.drafts.support import TICKET, escalation
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, NOW, drain
from tests.resolutions.support import submit


async def _close_in_zendesk(services: Services, esc_id: int) -> None:
    async with services.db.session() as s:
        esc = await s.get(Escalation, esc_id)
        assert esc is not None
        await closing.close(services, s, esc=esc, ticket_status="solved", via="ticket_solved")


async def test_closed_in_zendesk_shows_on_home_and_in_one_weekly_dm(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    await _close_in_zendesk(services, esc.id)

    ctx = Ctx(services=services, actor=actor_for(services.roster, CARLA), locale="en", now=NOW)
    home = json.dumps(await render_home(ctx))
    assert "Needs a root cause" in home and f"#{TICKET}" in home and '"esc_resolve"' in home

    assert await pending.weekly(services) == 1
    assert await pending.weekly(services) == 0  # the same week: nothing new
    services.clock = lambda: NOW + timedelta(days=7)  # type: ignore[method-assign]
    assert await pending.weekly(services) == 1  # next week, still unexplained: asked again
    async with services.db.session() as s:
        keys = list(await s.scalars(select(OutboxMessage.idempotency_key)))
    assert "slack:needs_root_cause:carla:2026-W02" in keys
    assert "slack:needs_root_cause:carla:2026-W03" in keys
    await drain(services)
    dms = [str(c.params) for c in fake_slack.called("chat.postMessage")]
    # Carla reads Slack in Portuguese; each closed ticket comes with its Resolve button.
    asked = [d for d in dms if "causa raiz" in d]
    assert len(asked) == 2  # one DM per ISO week
    assert all(f"#{TICKET}" in d and "esc_resolve" in d for d in asked)


async def test_resolving_one_later_records_when_it_really_ended(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    await _close_in_zendesk(services, esc.id)
    services.clock = lambda: NOW + timedelta(days=2)  # type: ignore[method-assign]
    resp = await submit(client, CARLA, esc.id, status="pending")
    assert resp.status == 200 and not (await resp.text()).strip()
    async with services.db.session() as s:
        (row,) = list(await s.scalars(select(ResolutionRow)))
        left = await pending.needing(s, now=NOW + timedelta(days=2), analyst_key="carla")
    assert row.resolved_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    assert left == []
    await drain(services)
    # The agent's "solved" stands: Baton adds its note and tag but no status of its own.
    ticket = zendesk.state.tickets[TICKET]
    assert ticket["status"] != "pending" and "baton_resolved" in ticket["tags"]


async def test_amending_a_ticket_closed_in_zendesk_never_sends_a_status(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    # Zendesk refuses any status change on a closed ticket: sending one would dead-letter the note.
    esc = await escalation(services, zendesk)
    await _close_in_zendesk(services, esc.id)
    services.clock = lambda: NOW + timedelta(days=2)  # type: ignore[method-assign]
    await submit(client, CARLA, esc.id, status="pending")
    await submit(client, CARLA, esc.id, status="solved", summary="Provider confirmed the payout.")
    await drain(services)
    updates = [
        r.json["ticket"]
        for r in zendesk.requests_to("PUT", f"/api/v2/tickets/{TICKET}.json")
        if r.json
    ]
    assert len(updates) == 2 and all("status" not in u for u in updates)
    assert "Provider confirmed the payout." in updates[-1]["comment"]["body"]
    async with services.db.session() as s:
        states = list(await s.scalars(select(OutboxMessage.status)))
    assert "dead" not in states
