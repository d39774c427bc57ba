"""After a money movement the draft tells it: the reply for it, with the amount really moved."""

from __future__ import annotations

from datetime import timedelta

from bot.desk.permissions import actor_for
from bot.drafts import flow
from bot.services import Services
from bot.store.models import MoneyRequest
from tests.drafts.support import TICKET, escalation
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, NOW


async def _moved(services: Services, escalation_id: int, **fields: object) -> None:
    values: dict[str, object] = {
        "escalation_id": escalation_id,
        "ticket_id": TICKET,
        "customer_id": "C-88231",
        "kind": "release",
        "amount": "1000.00",
        "currency": "BRL",
        "reason": "other",
        "state": "completed",
        "requested_by": "carla",
        "approvals": [],
        "created_at": NOW,
        "expires_at": NOW + timedelta(hours=24),
        "executed_at": NOW,
        "backoffice_id": "ADJ-00042",
        **fields,
    }
    async with services.db.session() as s:
        s.add(MoneyRequest(**values))


async def test_a_released_withdrawal_gets_the_processed_reply_with_the_real_amount(
    services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk, category="withdrawal")
    before = await flow.preview(services, actor=actor_for(services.roster, CARLA), ticket_id=TICKET)
    assert before.draft.template != "withdrawal_processed"
    await _moved(services, esc.id)
    await _moved(services, esc.id, amount="5.00", state="failed", backoffice_id="ADJ-9")
    after = await flow.preview(services, actor=actor_for(services.roster, CARLA), ticket_id=TICKET)
    assert after.draft.template == "withdrawal_processed"
    assert "1.000,00" in after.draft.body  # pt-BR, the amount released (not the 1.234,50 asked)
    assert "1.234,50" not in after.draft.body and "5,00" not in after.draft.body
