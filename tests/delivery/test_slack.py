"""Routing alerts end to end: on_routed → outbox → alerts.deliver → the fake Slack."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.desk.permissions import Actor
from bot.domain import Transaction, TxStatus, TxType
from bot.escalations import alerts, lifecycle
from bot.payments.findings import Findings, FindingState
from bot.services import Services
from bot.store import outbox
from bot.store.models import AlertMessage, AvailabilityRow, OutboxMessage
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    COMPLIANCE,
    LEADS,
    NOW,
    PII,
    ROUTING,
    VIP,
    add_escalation,
    drain,
    find_pii,
    route,
)


def _posts(fake: FakeSlack, channel: str | None = None) -> list[dict]:
    return [
        c.params
        for c in fake.called("chat.postMessage")
        if channel is None or c.params["channel"] == channel
    ]


async def test_routed_escalation_posts_channel_alert_and_dm_once(
    services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services)
    await route(services, esc, "carla")
    # Routing retried (worker crashed after enqueue, event reprocessed): nothing new is queued.
    await route(services, esc, "carla")
    async with services.db.session() as s:
        keys = sorted(await s.scalars(select(OutboxMessage.idempotency_key)))
    assert keys == [f"slack:esc:{esc.id}:channel", f"slack:esc:{esc.id}:dm:carla"]
    outcomes = await drain(services)
    assert [o.status for o in outcomes] == ["done", "done"]
    assert await drain(services) == []

    channel = _posts(fake_slack, ROUTING)
    assert len(channel) == 1
    dm = fake_slack.called("conversations.open")
    assert [c.params["users"] for c in dm] == ["U05CAR0003"]
    assert len(_posts(fake_slack, "D05CAR0003")) == 1
    assert len(_posts(fake_slack)) == 2
    # Buttons exist with their ids, and carry the escalation id.
    actions = next(b for b in channel[0]["blocks"] if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == [
        "esc_claim",
        "esc_reassign",
        "esc_draft",
        "esc_txn",
        "esc_jira",
        "esc_resolve",
        "esc_money",
    ]
    assert {e["value"] for e in actions["elements"]} == {str(esc.id)}
    # The outbox key travels in message metadata (for the at-most-once check).
    assert channel[0]["metadata"]["event_payload"]["key"] == f"slack:esc:{esc.id}:channel"
    async with services.db.session() as s:
        stored = list(await s.scalars(select(AlertMessage).order_by(AlertMessage.kind)))
    assert [(m.kind, m.channel) for m in stored] == [("channel", ROUTING), ("dm", "D05CAR0003")]
    assert not find_pii(fake_slack.texts())


async def test_dm_is_in_the_analysts_language(services: Services, fake_slack: FakeSlack) -> None:
    esc = await add_escalation(services)
    await route(services, esc, "carla")  # carla's roster locale is pt-BR
    await drain(services)
    dm = _posts(fake_slack, "D05CAR0003")[0]
    assert "Escalonamento #48213" in dm["text"]
    button_texts = [e["text"]["text"] for e in dm["blocks"][-1]["elements"]]
    assert "Assumir" in button_texts


async def test_vip_goes_to_vip_channel_with_mention(
    services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, vip=True, ticket_id=50001)
    await route(services, esc, "carla")
    await drain(services)
    assert _posts(fake_slack, ROUTING) == []
    (vip,) = _posts(fake_slack, VIP)
    assert vip["text"].startswith("<@U05CAR0003>")


async def test_unassigned_alerts_the_leads(services: Services, fake_slack: FakeSlack) -> None:
    esc = await add_escalation(services, status="unassigned", analyst_key=None, ticket_id=50002)
    await route(services, esc, None)
    await drain(services)
    assert len(_posts(fake_slack, LEADS)) == 1
    assert _posts(fake_slack, ROUTING) == []
    assert fake_slack.called("conversations.open") == []


async def test_compliance_case_details_in_the_compliance_channel_and_the_owners_dm_only(
    services: Services, fake_slack: FakeSlack
) -> None:
    subject = f"Suspected structuring: 9 deposits of 9,900.00 from Ivan Petrov, {PII['email']}"
    findings = Findings(FindingState.FOUND, (_held_withdrawal(),), "id").to_json()
    esc = await add_escalation(
        services,
        category="aml",
        ticket_id=50003,
        subject=subject,
        analyst_key="eduarda",
        enrichment=findings,
    )
    await route(services, esc, "eduarda")
    await drain(services)
    (detailed,) = _posts(fake_slack, COMPLIANCE)
    (dm,) = _posts(fake_slack, "D05EDU0005")
    # The owner's DM carries the case as the compliance channel does (a DM is need-to-know).
    for msg in (detailed, dm):
        shown = json.dumps(msg, ensure_ascii=False)
        assert "Ivan Petrov" in shown and "TX-R5N8W2KC" in shown
        assert "details in the compliance channel" not in shown
        assert PII["email"] not in shown and "j***@g***.com" in shown  # masked as everywhere
    assert "Caso de compliance" not in dm["text"] and "#50003" in dm["text"]
    (public,) = _posts(fake_slack, ROUTING)
    assert "Ivan Petrov" not in str(public) and "structuring" not in str(public)
    assert "TX-R5N8W2KC" not in str(public) and "#50003" in public["text"]
    assert not find_pii(fake_slack.texts())

    # Handed to someone else: the new owner's DM has the details, the former owner's no more.
    # Eduarda goes away first: while she (compliance) is on shift, the case is hers to keep.
    ana = services.roster.by_key("ana")
    assert ana is not None
    async with services.db.session() as s:
        s.add(AvailabilityRow(analyst_key="eduarda", kind="away", starts_at=services.clock()))
    async with services.db.session() as s:
        await lifecycle.assign(
            s,
            services=services,
            actor=Actor(slack_id=ana.slack_id, analyst=ana),
            assignee=ana,
            now=services.clock(),
            escalation_id=esc.id,
        )
    await drain(services)
    (new,) = fake_slack.messages["D05ANA0001"]
    assert "Ivan Petrov" in json.dumps(new, ensure_ascii=False)
    (former,) = fake_slack.messages["D05EDU0005"]
    assert "Ivan Petrov" not in json.dumps(former, ensure_ascii=False)
    assert "<@U05ANA0001>" in json.dumps(former)  # it still says who has it now
    (routing,) = fake_slack.messages[ROUTING]
    assert "Ivan Petrov" not in json.dumps(routing, ensure_ascii=False)


def _held_withdrawal() -> Transaction:
    return Transaction(
        id="TX-R5N8W2KC",
        type=TxType.WITHDRAWAL,
        amount=Decimal("3000"),
        currency="USDT",
        status=TxStatus.FAILED,
        created_at=NOW - timedelta(days=2),
        provider="Fireblocks",
        method="usdt_erc20",
        failure_code="aml_review",
    )


async def test_rate_limited_post_is_retried_after_retry_after(
    services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=50004)
    await route(services, esc, "carla")
    fake_slack.fail("chat.postMessage", times=1)  # the recorded 429, retry-after: 1
    outcomes = await drain(services)
    retried = [o for o in outcomes if o.status == outbox.PENDING]
    assert len(retried) == 1 and retried[0].retry_in is not None and retried[0].retry_in >= 1.0
    later = await drain(services, now=services.clock() + timedelta(minutes=5))
    assert [o.status for o in later] == ["done", "done"]  # the DM waited behind it, in order
    assert len(_posts(fake_slack)) == 3  # the 429'd call + two delivered


async def test_lost_answer_does_not_post_twice(services: Services, fake_slack: FakeSlack) -> None:
    """The post lands but Slack's answer is lost (500): the retry finds it via history."""
    esc = await add_escalation(services, ticket_id=50005)
    async with services.db.session() as s:
        items = [
            i for i in alerts.on_routed(services, esc, _decision(services)) if "channel" in i.key
        ]
        await outbox.enqueue(s, items, now=services.clock())
    fake_slack.fail("chat.postMessage", status=500, error="internal_error", land=True)
    assert [o.status for o in await drain(services)] == ["pending"]
    later = await drain(services, now=services.clock() + timedelta(minutes=5))
    assert [o.status for o in later] == ["done"]
    assert later[0].result and later[0].result.get("deduplicated") is True
    assert len(fake_slack.messages[ROUTING]) == 1
    assert len(fake_slack.called("conversations.history")) == 1


async def test_update_waits_for_its_post_in_order_and_slack_is_not_rested(
    services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=50006)
    other = await add_escalation(services, ticket_id=50007)
    await route(services, esc, "carla")
    async with services.db.session() as s:
        await outbox.enqueue(s, [alerts.changed(esc, ref="claim:1")], now=services.clock())
    await route(services, other, "carla")
    # Slack fails the first post (a 500, no Retry-After): only that escalation waits.
    fake_slack.fail("chat.postMessage", status=500, error="internal_error")
    first = await drain(services)
    assert [o.status for o in first].count(outbox.PENDING) == 1
    assert fake_slack.called("chat.update") == []  # the update never overtakes its post
    assert len(_posts(fake_slack)) == 3  # the failed one + the other escalation's two
    await drain(services, now=services.clock() + timedelta(minutes=5))
    methods = [c.method for c in fake_slack.calls if c.method.startswith("chat.")]
    assert methods[-2:] == ["chat.update", "chat.update"]  # channel message and DM, after both
    assert len(_posts(fake_slack)) == 5


async def test_leads_alert_is_masked(services: Services, fake_slack: FakeSlack) -> None:
    async with services.db.session() as s:
        await outbox.enqueue(
            s,
            [alerts.leads_alert(services, key="leads:x", text=f"failed for {PII['email']}")],
            now=services.clock(),
        )
    await drain(services)
    (msg,) = _posts(fake_slack, LEADS)
    assert PII["email"] not in msg["text"] and "j***@g***.com" in msg["text"]


def _decision(services: Services):  # type: ignore[no-untyped-def]
    from bot.domain import RoutingDecision

    return RoutingDecision(analyst=services.roster.by_key("carla"), reasons=("test",))


CONTROL = (
    "<!channel> urgent <!here> <@U0ADMIN> <#C0GENERAL> <https://evil.example|Zendesk login> & co"
)


async def test_customer_text_cannot_act_in_an_alert(
    services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, ticket_id=50010, subject=CONTROL, vip=True)
    await route(services, esc, "carla")
    await drain(services)
    for call in fake_slack.called("chat.postMessage"):
        sent = json.dumps(call.params, ensure_ascii=False)
        for sequence in ("<!channel>", "<!here>", "<@U0ADMIN>", "<#C0GENERAL>", "<https://evil"):
            assert sequence not in sent
        assert "&lt;!channel&gt; urgent" in sent and "&amp; co" in sent
    # Baton's own mention of the VIP analyst still works: it is not customer text.
    vip = next(c for c in fake_slack.called("chat.postMessage") if c.params["channel"] == VIP)
    assert vip.params["text"].startswith("<@U05CAR0003>")
