"""Fuzzing every endpoint: signed or not, garbage gets a 4xx with a reason, never a 5xx.

Requests start from what Slack and Zendesk really send (the recorded fixtures) and are
mutated: values swapped for other types, keys dropped, bodies truncated, bytes flipped,
content types changed. Seeded, so a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from aiohttp.test_utils import TestClient

from bot.services import Services
from handlers.signing import sign_slack, sign_zendesk
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    SECRET,
    action_body,
    command_body,
    home_opened_body,
    view_body,
)

FIXTURES = Path(__file__).resolve().parent / "webhooks" / "fixtures"
ZENDESK_SECRET = "fuzz-zendesk-secret"
ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    True,
    "",
    "x" * 5000,
    "💥\x00",
    [],
    {},
    [1],
    {"a": 1},
]


def mutate_json(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A copy of value with one or two things changed somewhere inside."""
    if isinstance(value, dict) and value and depth < 6:
        out = dict(value)
        key = rng.choice(list(out))
        roll = rng.random()
        if roll < 0.2:
            del out[key]
        elif roll < 0.5:
            out[key] = rng.choice(ODD_VALUES)
        else:
            out[key] = mutate_json(out[key], rng, depth + 1)
        return out
    if isinstance(value, list) and value and depth < 6:
        out_list = list(value)
        i = rng.randrange(len(out_list))
        out_list[i] = mutate_json(out_list[i], rng, depth + 1)
        return out_list
    return rng.choice(ODD_VALUES)


def mutate_bytes(body: bytes, rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.3 and body:
        return body[: rng.randrange(len(body))]
    if roll < 0.6 and body:
        data = bytearray(body)
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if roll < 0.8:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    return body * 2


def slack_bodies(fake: FakeSlack, rng: random.Random) -> tuple[bytes, str]:
    """One mutated Slack request: (body, content type)."""
    form = "application/x-www-form-urlencoded"
    kind = rng.randrange(4)
    if kind == 0:
        fields = {k: v[-1] for k, v in parse_qs(command_body(fake, user=ANA, text="help")).items()}
        changed = mutate_json(fields, rng)
        text = urlencode(
            {k: json.dumps(v) if not isinstance(v, str) else v for k, v in changed.items()}
        )
        body, ctype = text.encode(), form
    elif kind in (1, 2):
        raw = (
            action_body(fake, user=ANA, action_id="esc_claim", value="1")
            if kind == 1
            else view_body(user=ANA, callback_id="reassign", metadata="1", values={})
        )
        payload = json.loads(parse_qs(raw)["payload"][0])
        changed = mutate_json(payload, rng) if rng.random() < 0.8 else rng.choice(ODD_VALUES)
        body, ctype = urlencode({"payload": json.dumps(changed)}).encode(), form
    else:
        event = json.loads(home_opened_body(user=ANA))
        body, ctype = json.dumps(mutate_json(event, rng)).encode(), "application/json"
    if rng.random() < 0.25:
        body = mutate_bytes(body, rng)
    if rng.random() < 0.1:
        ctype = rng.choice(["text/plain", "application/octet-stream", "multipart/form-data", ""])
    return body, ctype


def zendesk_body(rng: random.Random) -> bytes:
    trigger = {"ticket_id": "48213", "event": "esc_senior", "agent_id": "500777"}
    event = json.loads(
        (FIXTURES / "zendesk" / "event_user_group_membership_created_body.json").read_text()
    )
    event = event.get("body", event)
    base = rng.choice(
        [trigger, event, {"type": "zen:event-type:ticket.tags_changed", "detail": {"id": "5"}}]
    )
    body = json.dumps(mutate_json(base, rng)).encode()
    return mutate_bytes(body, rng) if rng.random() < 0.25 else body


async def test_no_5xx_for_thousands_of_fuzzed_requests(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    services.settings = replace(services.settings, zendesk_webhook_secret=ZENDESK_SECRET)
    rng = random.Random(20261122)
    statuses: list[tuple[int, str, bytes]] = []
    for i in range(1400):
        signed = i % 5 != 0
        if i % 3 == 0:
            body = zendesk_body(rng)
            ts = services.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
            sig = sign_zendesk(ZENDESK_SECRET if signed else "wrong", ts, body)
            headers = {
                "Content-Type": "application/json",
                "X-Zendesk-Webhook-Signature-Timestamp": ts,
                "X-Zendesk-Webhook-Signature": sig,
            }
            resp = await client.post("/webhooks/zendesk", data=body, headers=headers)
            path = "zendesk"
        else:
            body, ctype = slack_bodies(fake_slack, rng)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": ctype,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign_slack(SECRET if signed else "wrong", ts, body),
            }
            resp = await client.post("/slack/events", data=body, headers=headers)
            path = "slack"
        statuses.append((resp.status, path, body[:200]))
        if 400 <= resp.status < 500:
            assert (await resp.json())["error"], body[:200]  # a reason, not just a code
    await asyncio.sleep(0.2)  # listeners run after their ack; let them finish
    server_errors = [s for s in statuses if s[0] >= 500]
    assert server_errors == [], server_errors[:5]
    # The fuzz reached past the signature check and the shape check too.
    assert {s for s, _, _ in statuses} >= {200, 400, 401}
