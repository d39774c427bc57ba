"""Buttons pressed on the App Home tab, and the Reassign modal opening within 3 seconds.

Home-tab interactions arrive like the recorded payload: a view container and a trigger_id, but
no response_url and no channel. Baton answers by re-publishing the tab and with a DM; it never
raises. The Reassign modal is opened with the trigger_id before any lookup (users.info, the
database) and then filled in with views.update (view_id + hash).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event, select

from bot.services import Services
from bot.store.models import AvailabilityRow, Escalation
from tests.fakes.slack_server import Call, FakeSlack
from tests.handlers.slack.support import (
    CARLA,
    action_body,
    add_escalation,
    home_action_body,
    new_trigger_id,
    post_form,
    view_body,
)

DIEGO = "U05DIE0004"


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing a user can press may end in an exception (bolt logs those at ERROR)."""
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def _press_home(client: TestClient, user: str, action_id: str, value: str, **kw: Any) -> None:
    body = home_action_body(user=user, action_id=action_id, value=value, **kw)
    resp = await post_form(client, body)
    assert resp.status == 200


async def _dms(fake: FakeSlack, user: str, count: int = 1) -> list[str]:
    """Texts of the DMs sent to a user (chat.postMessage with the user id as channel)."""
    for _ in range(500):
        found = [
            str(c.params.get("text"))
            for c in fake.called("chat.postMessage")
            if c.params.get("channel") == user
        ]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} DM(s) to {user}, got {fake.called('chat.postMessage')}")


def _home(call: Call) -> str:
    assert call.params["view"]["type"] == "home"
    return json.dumps(call.params["view"], ensure_ascii=False)


async def test_claim_on_home_republishes_and_confirms_by_dm(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=6101, analyst_key="carla")
    await _press_home(client, CARLA, "esc_claim", str(esc.id))
    assert await _dms(fake_slack, CARLA) == ["You claimed ticket #6101."]
    (published,) = fake_slack.called("views.publish")
    assert published.params["user_id"] == CARLA
    assert "#6101" in _home(published) and "claimed" in _home(published)
    assert fake_slack.called("response_url") == []
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and row.status == "claimed"


async def test_refusal_on_home_comes_by_dm(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    fake_slack.locales[CARLA] = "pt-BR"
    esc = await add_escalation(services, ticket_id=6102, category="fraud", analyst_key="eduarda")
    await _press_home(client, CARLA, "esc_claim", str(esc.id))
    (text,) = await _dms(fake_slack, CARLA)
    assert "compliance" in text and "6102" not in text
    assert len(fake_slack.called("views.publish")) == 1
    await _press_home(client, CARLA, "esc_resolve", str(esc.id))
    resolve = (await _dms(fake_slack, CARLA, 2))[1]
    assert resolve == "Desculpe, só o analista desta escalação ou um líder pode fazer isso."
    assert not fake_slack.called("views.open")  # refused before any modal


async def test_away_and_back_on_home(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    await _press_home(client, CARLA, "home_away", "carla")
    (away,) = await _dms(fake_slack, CARLA)
    assert away.startswith("You are away until")
    (published,) = fake_slack.called("views.publish")
    assert '"action_id": "home_back"' in _home(published)
    await _press_home(client, CARLA, "home_back", "carla")
    assert (await _dms(fake_slack, CARLA, 2))[1] == "Welcome back: you receive escalations again."
    published = fake_slack.called("views.publish")[1]
    assert '"action_id": "home_away"' in _home(published)
    async with services.db.session() as s:
        (mark,) = await s.scalars(select(AvailabilityRow))
        assert mark.analyst_key == "carla" and mark.ends_at is not None


async def test_reassign_opens_modal_before_any_lookup_then_updates_it(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=6103, analyst_key="carla")
    queries: list[int] = []  # for each SQL statement: how many modals were open by then

    def on_sql(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The endpoint's replay check (its transaction too) comes before anything is dispatched.
        if "seen_slack_requests" in statement or statement.startswith(("BEGIN", "PRAGMA")):
            return
        queries.append(len(fake_slack.called("views.open")))

    users_info = fake_slack.hold("users.info")  # users.info is slow: it answers when released
    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_sql)
    try:
        await _press_home(client, CARLA, "esc_reassign", str(esc.id))
        await fake_slack.wait_for("users.info")
        # users.info has not answered and the database has not been read: the modal is open.
        (opened,) = fake_slack.called("views.open")
        assert queries == []
        users_info.set()
        (updated,) = await fake_slack.wait_for("views.update")
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)
    methods = [c.method for c in fake_slack.calls]
    assert methods.index("views.open") < methods.index("users.info")
    assert methods.index("users.info") < methods.index("views.update")
    assert queries and all(n == 1 for n in queries)

    loading = opened.params["view"]
    assert "Carregando" in json.dumps(loading, ensure_ascii=False)  # Carla's roster locale
    assert "submit" not in loading
    view_id = updated.params["view_id"]
    # The update carried the opened view's hash (the fake refuses a stale one); it moved on.
    assert updated.params["hash"]
    assert fake_slack.views.open_views[view_id]["hash"] != updated.params["hash"]
    modal = fake_slack.views.open_views[view_id]
    assert modal["callback_id"] == "reassign_modal" and modal["private_metadata"] == str(esc.id)
    assert "#6103" in json.dumps(modal)

    values = {
        "reassign_user": {"reassign_user_select": {"type": "users_select", "selected_user": DIEGO}}
    }
    body = view_body(user=CARLA, callback_id="reassign_modal", metadata=str(esc.id), values=values)
    resp = await post_form(client, body)
    assert resp.status == 200
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and row.analyst_key == "diego"
    # Carla's Home tab is refreshed: the escalation left her queue.
    (published,) = await fake_slack.wait_for("views.publish")
    assert published.params["user_id"] == CARLA and "#6103" not in _home(published)
    assert fake_slack.called("response_url") == []


async def test_reassign_refusal_is_shown_in_the_modal(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=6104, analyst_key="diego")
    await post_form(
        client, action_body(fake_slack, user=CARLA, action_id="esc_reassign", value=str(esc.id))
    )
    (updated,) = await fake_slack.wait_for("views.update")
    view = updated.params["view"]
    assert "only a lead" in json.dumps(view) and "submit" not in view
    assert fake_slack.called("response_url") == []


async def test_expired_trigger_is_told_not_raised(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=6105, analyst_key="carla")
    trigger = new_trigger_id()
    fake_slack.views.expire(trigger)
    await _press_home(client, CARLA, "esc_reassign", str(esc.id), trigger_id=trigger)
    (text,) = await _dms(fake_slack, CARLA)
    assert text == "Slack did not open the form in time: press the button again."
    assert fake_slack.called("views.update") == []
    assert len(fake_slack.called("views.publish")) == 1


async def test_modal_closed_before_it_was_filled_in(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=6106, analyst_key="carla")
    users_info = fake_slack.hold("users.info")
    await _press_home(client, CARLA, "esc_reassign", str(esc.id))
    await fake_slack.wait_for("users.info")
    (view_id,) = fake_slack.views.open_views
    fake_slack.views.close(view_id)  # the user gave up on the loading modal
    users_info.set()
    (updated,) = await fake_slack.wait_for("views.update")
    assert updated.params["view_id"] == view_id
    await asyncio.sleep(0.05)  # let the listener finish: it must not raise on not_found
    assert fake_slack.views.open_views == {}


async def test_fake_refuses_stale_hash_and_reused_trigger(fake_slack: FakeSlack) -> None:
    """The fake's modal rules are Slack's: one trigger, one view; a stale hash is refused."""
    trigger = new_trigger_id()
    body = fake_slack.views.open(trigger, {"type": "modal"})
    assert body["ok"] and fake_slack.views.open(trigger, {"type": "modal"}) == {
        "ok": False,
        "error": "exchanged_trigger_id",
    }
    view_id, first = body["view"]["id"], body["view"]["hash"]
    moved = fake_slack.views.update({"view_id": view_id, "hash": first}, {"type": "modal"})
    assert moved["ok"] and moved["view"]["hash"] != first
    stale = fake_slack.views.update({"view_id": view_id, "hash": first}, {"type": "modal"})
    assert stale == {"ok": False, "error": "hash_conflict"}
    assert fake_slack.views.update({"view_id": "V0NOPE"}, {})["error"] == "not_found"


async def test_out_of_date_button_values_are_told_not_raised(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    for i, value in enumerate(("abc", str(2**70), "-3"), start=1):
        await _press_home(client, CARLA, "esc_claim", value)
        assert (await _dms(fake_slack, CARLA, i))[-1] == "This button is out of date."
    assert len(fake_slack.called("views.publish")) == 3
