"""The real ZendeskClient (zenpy) against the fake Zendesk server, over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.config import Settings, Tags, load_settings
from bot.errors import ConfigError, IntegrationError, NotFound
from bot.ports import TicketUpdate
from integrations.zendesk import ZendeskClient, update_body
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk


@pytest.fixture
def client(fake_zendesk: FakeZendesk) -> ZendeskClient:
    settings = load_settings(
        {
            "ZENDESK_URL": fake_zendesk.url + "/",
            "ZENDESK_EMAIL": EMAIL,
            "ZENDESK_API_TOKEN": TOKEN,
        },
        dotenv=False,
    )
    return ZendeskClient.from_settings(settings)


async def test_custom_base_url_is_honoured(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    assert client.base_url == f"http://127.0.0.1:{fake_zendesk.port}"
    await client.get_ticket(2)
    req = fake_zendesk.requests[0]
    assert req.headers["Host"] == f"127.0.0.1:{fake_zendesk.port}"
    assert req.headers["Authorization"].startswith("Basic ")


async def test_get_ticket_is_one_request_with_sideloads(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    ticket = await client.get_ticket(2)

    assert [(r.method, r.path) for r in fake_zendesk.requests] == [
        ("GET", "/api/v2/tickets/2.json")
    ]
    assert fake_zendesk.requests[0].query == {"include": ["users,organizations"]}
    assert ticket.id == 2
    assert ticket.subject == "Mail to create fixture ticket for testing"
    assert ticket.description.startswith("Mail to create fixture ticket for testing\n\n")
    assert ticket.status == "solved"
    assert ticket.created_at == datetime(2019, 6, 3, 2, 23, 47, tzinfo=UTC)
    assert ticket.tags == frozenset()
    r = ticket.requester
    assert (r.id, r.name, r.email, r.locale) == (
        377922500012,
        "Yosuke Tamura",
        "nukosuke@lavabit.com",
        "ja",
    )
    assert r.time_zone == "Asia/Tokyo"
    assert (r.organization_id, r.organization_name) == (360363695492, "Lavabit VIP")
    assert r.organization_tags == frozenset({"vip"})


async def test_get_ticket_tags_are_a_frozenset(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.state.tickets[2]["tags"] = ["esc_senior", "esc_kyc", "vip"]
    ticket = await client.get_ticket(2)
    assert ticket.tags == frozenset({"esc_senior", "esc_kyc", "vip"})


async def test_update_ticket_is_one_put_with_tag_deltas_and_note(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.state.tickets[2]["tags"] = ["esc_senior", "baton_unassigned"]
    result = await client.update_ticket(
        TicketUpdate(
            ticket_id=2,
            assignee_id=42,
            add_tags=("baton_routed",),
            remove_tags=("baton_unassigned",),
            priority="high",
            status="open",
            internal_note="Owner: Ana (KYC, pt).",
            marker="route-2-1",
        )
    )

    assert [(r.method, r.path) for r in fake_zendesk.requests] == [
        ("PUT", "/api/v2/tickets/2.json")
    ]
    sent = fake_zendesk.requests[0].json["ticket"]
    assert sent.pop("id", 2) == 2
    assert sent == {
        "assignee_id": 42,
        "additional_tags": ["baton_routed"],
        "remove_tags": ["baton_unassigned"],
        "priority": "high",
        "status": "open",
        "comment": {"body": "Owner: Ana (KYC, pt).\n\n[baton:route-2-1]", "public": False},
    }
    assert "tags" not in sent  # never overwrite the whole list
    assert isinstance(result["audit_id"], int)
    state = fake_zendesk.state.tickets[2]
    assert state["tags"] == ["esc_senior", "baton_routed"]
    assert state["assignee_id"] == 42


async def test_public_reply_is_public(fake_zendesk: FakeZendesk, client: ZendeskClient) -> None:
    await client.update_ticket(TicketUpdate(ticket_id=2, public_reply="Olá! Já verificamos."))
    assert fake_zendesk.requests[0].json["ticket"]["comment"] == {
        "body": "Olá! Já verificamos.",
        "public": True,
    }


async def test_has_marker_finds_only_landed_markers(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    assert not await client.has_marker(2, "route-2-1")
    await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="x", marker="route-2-1"))
    assert await client.has_marker(2, "route-2-1")
    assert not await client.has_marker(2, "route-2")
    assert fake_zendesk.requests_to("GET", r"/api/v2/tickets/2/comments\.json")


async def test_rate_limit_is_retryable_with_retry_after(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.fail_next(1)  # the recorded 429: text/plain body, Retry-After: 1
    with pytest.raises(IntegrationError) as info:
        await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="x"))
    err = info.value
    assert (err.retryable, err.retry_after, err.status) == (True, 1.0, 429)
    assert "Number of allowed API requests per minute exceeded" in str(err)
    # zenpy did not sleep and retry on its own: exactly one request was made.
    assert len(fake_zendesk.requests) == 1
    await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="x"))


async def test_rate_limit_with_long_retry_after_does_not_block(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.fail_next(1, status=429, headers={"Retry-After": "120"}, body="slow down")
    with pytest.raises(IntegrationError) as info:
        await client.get_ticket(2)
    assert info.value.retry_after == 120.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retryable(
    fake_zendesk: FakeZendesk, client: ZendeskClient, status: int
) -> None:
    fake_zendesk.fail_next(1, status=status)
    with pytest.raises(IntegrationError) as info:
        await client.get_ticket(2)
    assert info.value.retryable and info.value.status == status
    assert len(fake_zendesk.requests) == 1  # no hidden transport retries


async def test_down_503_then_up(fake_zendesk: FakeZendesk, client: ZendeskClient) -> None:
    fake_zendesk.down()
    with pytest.raises(IntegrationError) as info:
        await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="x"))
    assert info.value.retryable and info.value.status == 503
    fake_zendesk.up()
    assert (await client.get_ticket(2)).id == 2


async def test_connection_refused_is_retryable(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.down(refuse=True)
    with pytest.raises(IntegrationError) as info:
        await client.get_ticket(2)
    assert info.value.retryable and info.value.status is None
    fake_zendesk.up()
    assert (await client.get_ticket(2)).id == 2


async def test_read_timeout_is_retryable(fake_zendesk: FakeZendesk) -> None:
    slow = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN, timeout=(1, 0.2))
    fake_zendesk.delay = 1.0
    with pytest.raises(IntegrationError) as info:
        await slow.get_ticket(2)
    assert info.value.retryable


async def test_missing_ticket_is_not_found(client: ZendeskClient) -> None:
    with pytest.raises(NotFound):
        await client.get_ticket(999)
    with pytest.raises(NotFound):
        await client.update_ticket(TicketUpdate(ticket_id=999, internal_note="x"))


@pytest.mark.parametrize("status", [400, 403, 422])
async def test_other_client_errors_are_not_retryable(
    fake_zendesk: FakeZendesk, client: ZendeskClient, status: int
) -> None:
    fake_zendesk.fail_next(1, status=status, body='{"error":"RecordInvalid"}')
    with pytest.raises(IntegrationError) as info:
        await client.update_ticket(TicketUpdate(ticket_id=2, internal_note="x"))
    assert not info.value.retryable and info.value.status == status


async def test_bad_credentials_are_not_retryable(fake_zendesk: FakeZendesk) -> None:
    wrong = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token="wrong")
    with pytest.raises(IntegrationError) as info:
        await wrong.get_ticket(2)
    assert (info.value.status, info.value.retryable) == (401, False)


async def test_setup_webhook_creates_then_is_idempotent(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    first = await client.setup_webhook(
        endpoint_url="https://baton.example/webhooks/zendesk", tags=Tags()
    )
    assert first.created_webhook and first.created_trigger and first.created_solved_trigger
    assert first.created_compliance_trigger
    assert first.signing_secret == fake_zendesk.state.secrets[first.webhook_id]

    hook = fake_zendesk.requests_to("POST", "/api/v2/webhooks")[0].json["webhook"]
    assert hook["name"] == "Baton escalations"
    assert hook["endpoint"] == "https://baton.example/webhooks/zendesk"
    assert (hook["http_method"], hook["request_format"]) == ("POST", "json")
    trigger, solved, compliance = (
        r.json["trigger"] for r in fake_zendesk.requests_to("POST", r"/api/v2/triggers\.json")
    )
    assert trigger["title"] == "Baton: tag esc_senior added → notify webhook"
    assert {"field": "current_tags", "operator": "includes", "value": "esc_senior"} in trigger[
        "conditions"
    ]["all"]
    # Baton's own update of a routed ticket does not call the webhook again.
    assert {"field": "current_tags", "operator": "not_includes", "value": "baton_routed"} in (
        trigger["conditions"]["all"]
    )
    [action] = trigger["actions"]
    assert action["field"] == "notification_webhook"
    assert action["value"][0] == first.webhook_id
    template = json.loads(action["value"][1])
    assert template["ticket_id"] == "{{ticket.id}}"
    assert template["updated_at"] == "{{ticket.updated_at_with_timestamp}}"

    # The second trigger: a ticket Baton holds, solved or closed.
    assert solved["conditions"] == {
        "all": [
            {
                "field": "current_tags",
                "operator": "includes",
                "value": "baton_routed baton_unassigned baton_incomplete",
            }
        ],
        "any": [
            {"field": "status", "operator": "value", "value": "solved"},
            {"field": "status", "operator": "value", "value": "closed"},
        ],
    }
    [action] = solved["actions"]
    assert action["value"][0] == first.webhook_id
    body = json.loads(action["value"][1])
    assert (body["ticket_id"], body["event"], body["status"]) == (
        "{{ticket.id}}",
        "ticket_solved",
        "{{ticket.status}}",
    )

    # The third trigger: a ticket Baton holds carries an AML or fraud tag (maybe added later).
    assert compliance["conditions"] == {
        "all": [
            {
                "field": "current_tags",
                "operator": "includes",
                "value": "baton_routed baton_unassigned",
            },
            {"field": "current_tags", "operator": "includes", "value": "esc_aml esc_fraud"},
            {"field": "update_type", "operator": "is", "value": "Change"},
        ],
    }
    [action] = compliance["actions"]
    assert action["value"][0] == first.webhook_id
    body = json.loads(action["value"][1])
    assert (body["ticket_id"], body["event"], body["tags"]) == (
        "{{ticket.id}}",
        "esc_senior",
        "{{ticket.tags}}",
    )

    fake_zendesk.requests.clear()
    second = await client.setup_webhook(endpoint_url="https://baton.example/hooks/zd", tags=Tags())
    assert (second.webhook_id, second.trigger_id, second.solved_trigger_id) == (
        first.webhook_id,
        first.trigger_id,
        first.solved_trigger_id,
    )
    assert not (second.created_webhook or second.created_trigger or second.created_solved_trigger)
    assert second.compliance_trigger_id == first.compliance_trigger_id
    assert not second.created_compliance_trigger
    assert second.signing_secret is None
    assert not [r for r in fake_zendesk.requests if r.method == "POST"]
    assert len(fake_zendesk.state.webhooks) == 1 and len(fake_zendesk.state.triggers) == 3
    assert (
        fake_zendesk.state.webhooks[first.webhook_id]["endpoint"]
        == "https://baton.example/hooks/zd"
    )


async def test_setup_uses_the_configured_tag_names(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    await client.setup_webhook(endpoint_url="https://baton.example/webhooks/zendesk", tags=Tags())
    renamed = Tags(
        escalate="n2_escalar", routed="n2_ok", unassigned="n2_fila", incomplete="n2_faltando"
    )
    result = await client.setup_webhook(
        endpoint_url="https://baton.example/webhooks/zendesk", tags=renamed
    )
    # The old escalation trigger is updated in place, not left behind calling Baton.
    assert not result.created_trigger and len(fake_zendesk.state.triggers) == 3
    trigger = fake_zendesk.state.triggers[result.trigger_id]
    assert trigger["title"] == "Baton: tag n2_escalar added → notify webhook"
    assert trigger["conditions"]["all"] == [
        {"field": "current_tags", "operator": "includes", "value": "n2_escalar"},
        {"field": "current_tags", "operator": "not_includes", "value": "n2_ok"},
        {"field": "current_tags", "operator": "not_includes", "value": "n2_fila"},
    ]
    assert json.loads(trigger["actions"][0]["value"][1])["event"] == "n2_escalar"
    solved = fake_zendesk.state.triggers[result.solved_trigger_id or 0]
    assert solved["conditions"]["all"][0]["value"] == "n2_ok n2_fila n2_faltando"
    compliance = fake_zendesk.state.triggers[result.compliance_trigger_id or 0]
    assert compliance["conditions"]["all"][0]["value"] == "n2_ok n2_fila"
    assert "esc_senior" not in json.dumps(fake_zendesk.state.triggers)
    assert "baton_" not in json.dumps(fake_zendesk.state.triggers)


def test_url_with_path_prefix_and_rejections() -> None:
    c = ZendeskClient(base_url="https://proxy.example.com/zd/", email=EMAIL, token=TOKEN)
    assert c.base_url == "https://proxy.example.com/zd"
    assert c.zenpy.tickets.api_prefix == "zd/api/v2"
    assert ZendeskClient(base_url="https://acme.zendesk.com", email=EMAIL, token=TOKEN)
    local = ZendeskClient(base_url="http://localhost:3000", email=EMAIL, token=TOKEN)
    assert local.base_url == "http://127.0.0.1:3000"  # zenpy needs a dotted host
    for bad in ("http://zendesk-mock:3000", "ftp://acme.zendesk.com", "acme"):
        with pytest.raises(ConfigError):
            ZendeskClient(base_url=bad, email=EMAIL, token=TOKEN)
    with pytest.raises(ConfigError):
        ZendeskClient.from_settings(Settings(zendesk_url="https://acme.zendesk.com"))


def test_public_reply_never_shows_the_marker_to_the_customer() -> None:
    body = update_body(TicketUpdate(ticket_id=1, public_reply="Olá!", marker="zendesk:reply:1"))
    assert body["comment"] == {"body": "Olá!", "public": True}
    note = update_body(TicketUpdate(ticket_id=1, internal_note="Nota", marker="k"))
    assert note["comment"] == {"body": "Nota\n\n[baton:k]", "public": False}
