"""The timers in Slack: the Take button of a breach offer, next handover, queue by deadline."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from bot.services import Services
from bot.slack_messages.timers import offer_value
from tests.fakes.slack_server import FakeSlack
from tests.slack.support import (
    ANA,
    CARLA,
    EDUARDA,
    NOW,
    action_body,
    add_escalation,
    command_body,
    post_form,
)


async def _answers(fake: FakeSlack, count: int) -> list[str]:
    return [str(c.params["text"]) for c in await fake.wait_for("response_url", count)]


async def test_take_it_makes_the_taker_the_owner_and_a_second_taker_is_told_politely(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla", status="claimed")
    value = offer_value(esc.id, "carla")
    body = action_body(fake_slack, user=ANA, action_id="esc_take", value=value)
    assert (await post_form(client, body)).status == 200
    assert (await _answers(fake_slack, 1))[0] == "You took ticket #48213."
    body = action_body(fake_slack, user=EDUARDA, action_id="esc_take", value=value)
    await post_form(client, body)
    assert (await _answers(fake_slack, 2))[1] == "Ticket #48213 was already taken by Ana Souza."
    # A stale or forged value is refused, never a traceback.
    body = action_body(fake_slack, user=CARLA, action_id="esc_take", value="48213")
    await post_form(client, body)
    assert (
        "desatualizado" in (await _answers(fake_slack, 3))[2]
        or "out of date" in (await _answers(fake_slack, 3))[2]
    )


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
