"""The outbox is the only retry layer: the Zendesk client never retries on its own.

zenpy sleeps out a 429's Retry-After and calls again, and a requests adapter may resend after a
connection error; either would resend an update past the outbox's at-most-once check. Each
failure here must cost exactly one request and come back as a retryable IntegrationError.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest

from bot.domain import Ticket
from bot.errors import IntegrationError
from bot.ports import TicketUpdate
from integrations.zendesk import ZendeskClient
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

Call = Callable[[ZendeskClient, Ticket], Awaitable[object]]


async def read(c: ZendeskClient, t: Ticket) -> object:
    return await c.get_ticket(t.id)


async def write(c: ZendeskClient, t: Ticket) -> object:
    return await c.update_ticket(TicketUpdate(ticket_id=t.id, internal_note="x", marker="m:2"))


async def comments(c: ZendeskClient, t: Ticket) -> object:
    return await c.with_comments(t)


async def marker(c: ZendeskClient, t: Ticket) -> object:
    return await c.has_marker(t.id, "m:2")


def test_transport_never_retries() -> None:
    client = ZendeskClient(base_url="https://acme.zendesk.com", email=EMAIL, token=TOKEN)
    for url in ("https://acme.zendesk.com/api/v2/", "http://127.0.0.1:1/api/v2/"):
        retries = client.session.get_adapter(url).max_retries
        assert retries.total == 0 and not retries.read and not retries.connect


@pytest.mark.parametrize("call", [read, write, comments, marker])
@pytest.mark.parametrize(
    ("failure", "retry_after"),
    [("rate_limited", 1.0), ("unavailable", 30.0), ("reset", None)],
)
async def test_one_failure_is_one_request_and_a_retryable_error(
    fake_zendesk: FakeZendesk, call: Call, failure: str, retry_after: float | None
) -> None:
    client = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)
    ticket = await client.get_ticket(2)
    fake_zendesk.requests.clear()
    if failure == "rate_limited":
        fake_zendesk.fail_next(1)  # Zendesk's recorded 429, Retry-After: 1
    elif failure == "unavailable":
        fake_zendesk.fail_next(1, status=503, headers={"Retry-After": "30"}, body="down")
    else:
        fake_zendesk.drop_next(1)  # read the request, then hang up without answering
    started = time.monotonic()
    with pytest.raises(IntegrationError) as info:
        await call(client, ticket)
    assert time.monotonic() - started < 1.0  # nobody slept out the Retry-After in the thread
    assert len(fake_zendesk.requests) == 1
    err = info.value
    assert err.retryable and err.service == "zendesk"
    assert err.retry_after == retry_after
    await call(client, ticket)  # the next attempt (the outbox's, later) goes through
