"""The whole path: signed Zendesk webhook -> worker -> Zendesk update + Slack alerts -> claim."""

from __future__ import annotations

import json
from dataclasses import replace

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.services import Services
from bot.worker import Worker
from handlers.signing import sign_zendesk
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.handlers.slack.support import (
    CARLA,
    PII,
    ROUTING,
    command_body,
    find_pii,
    post_form,
    services,  # noqa: F401 (the Slack tests' fixture)
)

WEBHOOK_SECRET = "pipeline-webhook-secret"


async def test_escalation_reaches_zendesk_and_slack_once_then_claim_updates_in_place(
    services: Services,  # noqa: F811
    fake_slack: FakeSlack,
    fake_zendesk: FakeZendesk,
) -> None:
    fake_zendesk.add_escalation(
        48213,
        subject=f"Saque não chegou, cartão {PII['card']}",
        text=f"Olá, meu saque TX-8F3K29Q1 de ontem não caiu. CPF {PII['cpf']}.",
        email=PII["email"],
        created_at="2026-01-06T17:20:00Z",
        updated_at="2026-01-06T17:25:00Z",
    )
    services.settings = replace(services.settings, zendesk_webhook_secret=WEBHOOK_SECRET)
    services.zendesk = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)
    app = create_app(services)
    app.on_cleanup.clear()
    async with TestClient(TestServer(app)) as client:
        body = json.dumps({"ticket_id": "48213", "event": "esc_senior"}).encode()
        ts = services.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(WEBHOOK_SECRET, ts, body),
        }
        for _ in range(3):  # Zendesk retries: the same delivery three times
            assert (
                await client.post("/webhooks/zendesk", data=body, headers=headers)
            ).status == 200
        await Worker(services).drain()
        await Worker(services).drain()

        [update] = [r.json["ticket"] for r in fake_zendesk.requests if r.method == "PUT"]
        posts = [c.params for c in fake_slack.called("chat.postMessage")]
        assert len(posts) == 2  # one routing-channel alert, one DM
        channel_alert = next(p for p in posts if p["channel"] == ROUTING)
        assert update["assignee_id"] == 900003  # Carla: on shift, speaks pt, least loaded
        assert "48213" in channel_alert["text"]

        resp = await post_form(client, command_body(fake_slack, user=CARLA, text="claim 48213"))
        assert resp.status == 200
        await fake_slack.wait_for("response_url")  # the claim is stored once it is answered
        await Worker(services).drain()
        updates = fake_slack.called("chat.update")
        assert {c.params["channel"] for c in updates} == {ROUTING, "D05CAR0003"}
        assert len(fake_slack.called("chat.postMessage")) == 2  # updated in place, not re-posted
        # The customer's card, CPF and e-mail never reach a Slack channel unmasked.
        assert not find_pii(fake_slack.texts())
