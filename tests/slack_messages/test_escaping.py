"""Text from customers, agents or the person typing never acts in Slack: it is shown as text."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient

from bot.domain import EscalationStatus
from bot.services import Services
from bot.slack_messages.alerts import AlertKind, render
from bot.slack_messages.text import customer, escape
from bot.store.models import Escalation
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import ANA, command_body, post_form

SEQUENCES = ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "<#C0GENERAL>", "<https://evil")
CONTROL = (
    "<!channel> <!here> <!everyone> <@U0ADMIN> <#C0GENERAL> "
    "<https://evil.example|Zendesk login> a&b <b>"
)


def test_escape_renders_every_control_sequence_as_text() -> None:
    out = escape(CONTROL)
    assert not any(s in out for s in SEQUENCES)
    assert out.count("&lt;") == CONTROL.count("<") and "a&amp;b" in out
    assert customer("card 4111 1111 1111 1111 <!here>") == "card •••• •••• •••• 1111 &lt;!here&gt;"


@pytest.mark.parametrize("kind", list(AlertKind))
@pytest.mark.parametrize("category", ["withdrawal", "aml"])
def test_every_alert_builder_escapes_the_subject(kind: AlertKind, category: str) -> None:
    esc = Escalation(
        id=1,
        ticket_id=48213,
        status=EscalationStatus.ROUTED,
        category=category,
        vip=True,
        language="pt",
        subject=CONTROL,
    )
    text, blocks = render(esc, kind=kind, analyst=None)
    sent = json.dumps([text, blocks])
    assert not any(s in sent for s in SEQUENCES), sent


async def _answer(client: TestClient, fake: FakeSlack, text: str) -> str:
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=ANA, text=text))
    assert resp.status == 200
    calls = await fake.wait_for("response_url", before + 1)
    return str(calls[-1].params["text"])


async def test_command_answers_show_what_was_typed_as_text(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    unknown = await _answer(client, fake_slack, "<!channel> please")
    assert "&lt;!channel&gt;" in unknown and "<!channel>" not in unknown
    refused = await _answer(client, fake_slack, "assign 48213 <https://evil.example|boss>")
    assert "<https://evil" not in refused
