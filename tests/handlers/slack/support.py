"""Shared helpers for the Slack tests: signed requests shaped like Slack's, services, app."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import delivery
from bot.app import create_app
from bot.config import BatonConfig, Settings
from bot.desk.roster import load_roster
from bot.domain import RoutingDecision
from bot.services import Services, Unconfigured
from bot.store import outbox
from bot.store.db import Database
from bot.store.models import Escalation
from integrations.slack import SlackClient
from tests.fakes.slack_server import TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the signing secret of Slack's own test vector
NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)  # Tue 14:30 in São Paulo: ana, carla, eduarda on
ROUTING, VIP, COMPLIANCE, LEADS = "C0ROUTING1", "C0VIPDESK1", "G0COMPLNC1", "C0LEADS001"

ANA = "U05ANA0001"  # analyst + lead
CARLA = "U05CAR0003"  # analyst
EDUARDA = "U05EDU0005"  # analyst + compliance
OUTSIDER = "U0BPO00042"  # an outsourcing agent: not on the roster

# Real-looking PII used in escalation subjects; none of it may reach Slack unmasked.
PII = {
    "card": "4111 1111 1111 1111",
    "card_plain": "5500005555555559",
    "email": "joao.pereira@gmail.com",
    "cpf": "529.982.247-25",
    "cpf_plain": "52998224725",
    "cn_id": "11010519491231002X",
    "inn": "7707083893",
    "ru_passport": "4508 123456",
    "phone": "+55 11 91234-5678",
}


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


def find_pii(texts: Sequence[str]) -> list[str]:
    """Return every PII sample (or any e-mail address) found in the given texts."""
    found = []
    for text in texts:
        squashed = re.sub(r"[\s.\-/()]", "", text)
        for name, value in PII.items():
            digits = _digits(value)
            if value in text or (len(digits) >= 8 and digits in squashed):
                found.append(f"{name} in {text[:120]}")
        found += [f"email {m} in {text[:80]}" for m in re.findall(r"[\w.+-]+@[\w-]+\.\w+", text)]
    return found


def sign(body: str, *, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for a raw body."""
    stamp = str(int(time.time()) if ts is None else ts)
    base = f"v0:{stamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def command_body(fake: FakeSlack, *, user: str, text: str, name: str = "cmd") -> str:
    """A /baton slash-command body with the fields Slack sends (see fixtures)."""
    return urlencode(
        {
            "token": "xyzz0WbapA4vBCDEFasx0q6G",
            "team_id": "T1DC2JH3J",
            "team_domain": "vipdesk",
            "channel_id": "C0ROUTING1",
            "channel_name": "vip-escalations",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/baton",
            "text": text,
            "api_app_id": "A0BATON001",
            "is_enterprise_install": "false",
            "response_url": fake.response_url(name),
            # Slack issues a fresh one per invocation: two identical commands differ here.
            "trigger_id": new_trigger_id(),
        }
    )


_TRIGGERS = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger_id: Slack issues one per interaction and accepts it once."""
    n = next(_TRIGGERS)
    return f"{398738663015 + n}.47445629121.{n:032x}"


def action_body(
    fake: FakeSlack, *, user: str, action_id: str, value: str, channel: str = ROUTING
) -> str:
    """A block_actions `payload=` body for a button on a message (bolt-python's shape)."""
    payload = json.loads((FIXTURES / "interactive_block_actions_message_button.json").read_text())
    payload["user"] = {"id": user, "username": user.lower(), "team_id": "T0G9PQBBK"}
    payload["container"].update(channel_id=channel)
    payload["channel"] = {"id": channel}
    payload["response_url"] = fake.response_url("action")
    payload["trigger_id"] = new_trigger_id()
    payload["actions"][0].update(action_id=action_id, value=value, block_id="esc_actions")
    return f"payload={quote(json.dumps(payload))}"


def home_action_body(
    *, user: str, action_id: str, value: str, trigger_id: str | None = None
) -> str:
    """A block_actions body for a button on the App Home tab (the recorded home-tab shape).

    Like Slack's, it has a view container and a trigger_id but no response_url or channel.
    """
    payload = json.loads((FIXTURES / "interactive_block_actions_home_tab.json").read_text())
    assert "response_url" not in payload and "channel" not in payload
    payload["user"] = {
        "id": user,
        "username": user.lower(),
        "name": user.lower(),
        "team_id": "T123",
    }
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["actions"][0].update(action_id=action_id, value=value, block_id="esc_actions")
    payload["actions"][0].pop("style", None)
    return f"payload={quote(json.dumps(payload))}"


def view_body(*, user: str, callback_id: str, metadata: str, values: dict[str, Any]) -> str:
    """A view_submission `payload=` body (bolt-python's shape)."""
    payload = json.loads((FIXTURES / "interactive_view_submission.json").read_text())
    payload["user"] = {"id": user, "username": user.lower(), "team_id": "T111"}
    payload["view"].update(callback_id=callback_id, private_metadata=metadata)
    payload["view"]["state"] = {"values": values}
    return f"payload={quote(json.dumps(payload))}"


def home_opened_body(*, user: str) -> str:
    """An app_home_opened Events API body."""
    return json.dumps(
        {
            "token": "xyzz0WbapA4vBCDEFasx0q6G",
            "team_id": "T1DC2JH3J",
            "api_app_id": "A0BATON001",
            "type": "event_callback",
            "event_id": "Ev0HOME0001",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME0001",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
        }
    )


async def post_form(client: TestClient, body: str, **sign_kw: Any) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_kw)}
    return await client.post("/slack/events", data=body.encode(), headers=headers)


def make_services(
    database_url: str,
    fake: FakeSlack,
    *,
    clock: datetime = NOW,
    config: BatonConfig | None = None,
) -> Services:
    settings = Settings(
        database_url=database_url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        secret_key="baton-test-secret-key-0123456789",
        slack_api_url=fake.api_url,
        slack_routing_channel=ROUTING,
        slack_vip_channel=VIP,
        slack_compliance_channel=COMPLIANCE,
        slack_leads_channel=LEADS,
        config=config or BatonConfig(),
    )
    return Services(
        settings=settings,
        db=Database(database_url),
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=SlackClient.from_settings(settings),
        clock=lambda: clock,
    )


@pytest.fixture
async def services(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Services]:
    svc = make_services(database_url, fake_slack)
    yield svc
    await svc.db.dispose()
    # Every test using the fake Slack: nothing it received may carry unmasked PII.
    leaked = find_pii(fake_slack.texts())
    assert not leaked, f"unmasked PII sent to Slack: {leaked}"


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:
    app = create_app(services)
    async with TestClient(TestServer(app)) as c:
        yield c


async def add_escalation(services: Services, **fields: Any) -> Escalation:
    """Store an escalation the way intake leaves it before alerting."""
    values: dict[str, Any] = {
        "ticket_id": 48213,
        "status": "routed",
        "category": "withdrawal",
        "vip": False,
        "language": "pt",
        "subject": f"Saque não chegou; cartão {PII['card']}, CPF {PII['cpf']}, {PII['email']}",
        "requester_id": 7001,
        "analyst_key": "carla",
        "sla_due_at": NOW.replace(hour=19),
        "received_at": NOW,
        "routed_at": NOW,
    }
    values.update(fields)
    values.setdefault("open_ticket_id", values["ticket_id"])
    async with services.db.session() as s:
        esc = Escalation(**values)
        s.add(esc)
        await s.flush()
    return esc


async def route(services: Services, esc: Escalation, analyst_key: str | None) -> int:
    """Do what intake does after a routing decision: enqueue on_routed's items."""
    from bot.escalations import alerts

    analyst = services.roster.by_key(analyst_key) if analyst_key else None
    decision = RoutingDecision(analyst=analyst, reasons=("test",))
    async with services.db.session() as s:
        return await outbox.enqueue(
            s, alerts.on_routed(services, esc, decision), now=services.clock()
        )


async def drain(services: Services, *, now: datetime | None = None) -> list[outbox.DeliveryResult]:
    """Deliver due outbox rows until none is due, like the worker's passes (without probes).

    Rows of one escalation go one at a time, in order: each pass takes the next of each.
    """
    now = now or services.clock()
    outcomes = []
    for _ in range(20):
        async with services.db.session() as s:
            rows = await outbox.claim(s, worker="test", limit=100, now=now)
        if not rows:
            break
        for row in rows:
            outcome = await outbox.attempt(row, lambda r: delivery.deliver(services, r), now=now)
            async with services.db.session() as s:
                await outbox.record(s, row.id, "test", outcome, now=now)
            outcomes.append(outcome)
    return outcomes
