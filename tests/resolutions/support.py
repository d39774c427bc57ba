"""Shared pieces of the resolution tests: the modal's values as Slack sends them, submitted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.services import Services
from bot.slack_messages.ids import ResolveField, ResolveView
from integrations.jira import JiraClient
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira
from tests.handlers.slack.support import post_form, view_body


@pytest.fixture
async def jira(services: Services, fake_jira: FakeJira) -> AsyncIterator[FakeJira]:
    """The services comment on the fake Jira (Cloud, REST v3) through the real client."""
    services.jira = JiraClient(base_url=fake_jira.url, token=TOKEN, email=EMAIL, cloud=True)
    yield fake_jira


def state_values(
    *,
    root_cause: str | None = "provider_delay",
    summary: str | None = "PIX payout held by the provider; released after our call.",
    outcome: str | None = "withdrawal_paid",
    avoidable: str | None = "no",
    lacked: tuple[str, ...] = (),
    status: str | None = "solved",
) -> dict[str, Any]:
    """view.state.values the way Slack sends the Resolve modal back (unset inputs as null)."""

    def select(value: str | None) -> dict[str, Any]:
        chosen = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
        return {"type": "static_select", "selected_option": chosen}

    radio = {"text": {"type": "plain_text", "text": avoidable}, "value": avoidable}
    boxes = [{"text": {"type": "plain_text", "text": x}, "value": x} for x in lacked]
    raw = {
        ResolveField.ROOT_CAUSE: select(root_cause),
        ResolveField.SUMMARY: {"type": "plain_text_input", "value": summary},
        ResolveField.OUTCOME: select(outcome),
        ResolveField.AVOIDABLE: {
            "type": "radio_buttons",
            "selected_option": radio if avoidable else None,
        },
        ResolveField.LACKED: {"type": "checkboxes", "selected_options": boxes},
        ResolveField.STATUS: select(status),
    }
    return {str(f): {f.input_id: v} for f, v in raw.items()}


async def submit(client: TestClient, user: str, escalation_id: int, **values: Any) -> Any:
    """Submit the Resolve modal; the response is bolt's ack (errors or an empty 200)."""
    body = view_body(
        user=user,
        callback_id=ResolveView.CALLBACK,
        metadata=str(escalation_id),
        values=state_values(**values),
    )
    return await post_form(client, body)
