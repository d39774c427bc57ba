"""The HTTP adapter's `POST /adjustments` (SPEC §14) against the fake back office."""

from __future__ import annotations

import pytest

from bot.errors import IntegrationError
from bot.ports import Adjustment
from tests.fakes.backoffice_server import FakeBackoffice


def _adjustment(key: str = "baton-adjustment-7", **fields: object) -> Adjustment:
    values: dict[str, object] = {
        "idempotency_key": key,
        "type": "credit",
        "customer_id": "CUS-1",
        "amount": "12.30",
        "currency": "BRL",
        "transaction_id": None,
        "reason": "goodwill",
        "note": "",
        "ticket_id": 48213,
        "requested_by": "carla",
        "approved_by": ("bruno",),
        **fields,
    }
    return Adjustment(**values)  # type: ignore[arg-type]


async def test_the_same_key_answers_the_first_answer(fake_backoffice: FakeBackoffice) -> None:
    adapter = fake_backoffice.adapter()
    try:
        first = await adapter.adjust(_adjustment())
        again = await adapter.adjust(_adjustment())
    finally:
        await adapter.close()
    assert first == again and first.status == "completed"
    assert len(fake_backoffice.applied) == 1
    [sent, _] = fake_backoffice.requests_to("POST", "/adjustments")
    assert sent.headers["idempotency-key"] == "baton-adjustment-7"
    assert sent.headers["authorization"] == f"Bearer {fake_backoffice.token}"
    assert sent.json["amount"] == "12.30" and sent.json["approved_by"] == ["bruno"]


async def test_a_rejected_answer_is_an_answer_not_an_error(
    fake_backoffice: FakeBackoffice,
) -> None:
    fake_backoffice.refuse_customer("CUS-1", "limit reached")
    adapter = fake_backoffice.adapter()
    try:
        result = await adapter.adjust(_adjustment())
    finally:
        await adapter.close()
    assert (result.status, result.message) == ("rejected", "limit reached")
    assert fake_backoffice.applied == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (401, False), (400, False)]
)
async def test_refusals_say_whether_a_retry_can_help(
    fake_backoffice: FakeBackoffice, status: int, retryable: bool
) -> None:
    fake_backoffice.fail(status, retry_after=2 if status == 429 else None)
    adapter = fake_backoffice.adapter()
    try:
        with pytest.raises(IntegrationError) as err:
            await adapter.adjust(_adjustment())
    finally:
        await adapter.close()
    assert err.value.retryable is retryable


async def test_a_slow_back_office_is_retryable_and_a_strange_answer_is_not(
    fake_backoffice: FakeBackoffice,
) -> None:
    adapter = fake_backoffice.adapter(timeout_seconds=0.3)
    try:
        fake_backoffice.malformed(b'{"id": "A-1", "status": "maybe"}')
        with pytest.raises(IntegrationError) as odd:
            await adapter.adjust(_adjustment(key="baton-adjustment-8"))
        fake_backoffice.hang(2)
        with pytest.raises(IntegrationError) as slow:
            await adapter.adjust(_adjustment())
    finally:
        await adapter.close()
    assert slow.value.retryable and not odd.value.retryable
