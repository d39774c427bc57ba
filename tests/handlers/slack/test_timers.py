"""The timers in Slack: the Take button of a breach offer, next handover, queue by deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from aiohttp.test_utils import TestClient

from bot.services import Services
from bot.store.models import Escalation
from bot.timers import offer
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    EDUARDA,
    NOW,
    action_body,
    add_escalation,
    command_body,
    post_form,
)

DIEGO = "U05DIE0004"  # an analyst, not a lead


async def _answers(fake: FakeSlack, count: int) -> list[str]:
    return [str(c.params["text"]) for c in await fake.wait_for("response_url", count)]


def _take(fake: FakeSlack, user: str, value: str) -> str:
    return action_body(fake, user=user, action_id="esc_take", value=value)


async def test_take_it_makes_the_taker_the_owner_and_a_second_taker_is_told_politely(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla", status="claimed")
    value = offer.seal(services, offer.Offer(esc.id, owner="carla", to="eduarda"), now=NOW)
    assert "carla" not in value and "eduarda" not in value  # sealed, not readable in Slack
    assert (await post_form(client, _take(fake_slack, EDUARDA, value))).status == 200
    assert (await _answers(fake_slack, 1))[0] == "You took ticket #48213."
    # A lead may take an offer made to someone else, but this one is gone by now.
    await post_form(client, _take(fake_slack, ANA, value))
    assert (await _answers(fake_slack, 2))[1] == "Ticket #48213 was already taken by Eduarda Rocha."
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
    assert row is not None and row.analyst_key == "eduarda"


async def test_a_forged_take_is_refused_and_moves_nothing(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla", status="claimed")
    other_key = replace(
        services, settings=replace(services.settings, secret_key="another secret key")
    )
    forged = [
        f"{esc.id}:carla",  # the old plain value, typed by hand
        "48213",
        offer.seal(other_key, offer.Offer(esc.id, owner="carla", to="diego"), now=NOW),
        offer.seal(services, offer.Offer(esc.id, "carla", "diego"), now=NOW)[:-4] + "AAAA",
    ]
    for n, value in enumerate(forged, start=1):
        await post_form(client, _take(fake_slack, DIEGO, value))
        answer = (await _answers(fake_slack, n))[-1]
        assert answer == "This button is out of date.", value
    # An offer that expired a day after it was made is out of date too.
    old = offer.seal(services, offer.Offer(esc.id, "carla", "diego"), now=NOW - timedelta(days=2))
    await post_form(client, _take(fake_slack, DIEGO, old))
    assert (await _answers(fake_slack, len(forged) + 1))[-1] == "This button is out of date."
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
    assert row is not None and row.analyst_key == "carla"


async def test_a_take_by_someone_the_offer_was_not_made_to_is_refused(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla", status="claimed")
    value = offer.seal(services, offer.Offer(esc.id, owner="carla", to="eduarda"), now=NOW)
    await post_form(client, _take(fake_slack, DIEGO, value))  # forwarded to a colleague
    answer = (await _answers(fake_slack, 1))[0]
    assert answer == "This offer was made to Eduarda Rocha: only they or a lead can take it."
    await post_form(client, _take(fake_slack, CARLA, value))  # the owner it was offered away from
    assert "Eduarda Rocha" in (await _answers(fake_slack, 2))[1]
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
    assert row is not None and row.analyst_key == "carla" and row.status == "claimed"


async def test_who_shows_the_next_handover_and_queue_sorts_by_the_next_deadline(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    await post_form(client, command_body(fake_slack, user=CARLA, text="who"))
    who = (await _answers(fake_slack, 1))[0]
    # 14:30 in São Paulo: the morning shift ends at 15:00.
    assert "*Next handover*" in who and "3:00" in who.split("*Next handover*")[1]

    await add_escalation(services, ticket_id=1, sla_due_at=NOW + timedelta(hours=3))
    await add_escalation(
        services,
        ticket_id=2,
        sla_due_at=NOW + timedelta(hours=4),
        claim_due_at=NOW + timedelta(minutes=5),
    )
    await add_escalation(
        services,
        ticket_id=3,
        sla_due_at=NOW + timedelta(hours=2),
        first_response_due_at=NOW - timedelta(minutes=1),
    )
    await post_form(client, command_body(fake_slack, user=CARLA, text="queue"))
    queue = (await _answers(fake_slack, 2))[1]
    order = [line.split("#")[1].split(" ")[0] for line in queue.splitlines() if "#" in line]
    assert order == ["3", "2", "1"]  # overdue first reply, claim in 5 min, then the SLA
    assert ":red_circle: #3" in queue
    line_3 = next(x for x in queue.splitlines() if "#3 " in x)
    assert "Overdue: first response due" in line_3  # missed: not a plain "due" time
    assert "Overdue" not in next(x for x in queue.splitlines() if "#2 " in x)
