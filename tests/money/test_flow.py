"""A money movement from request to execution, against the fake back office that records
every request: four eyes, thresholds, compliance, expiry, double clicks, exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.desk.permissions import Actor, actor_for
from bot.errors import UserFacingError
from bot.money import decide
from bot.money.ask import Asked, ask
from bot.money.kinds import Kind, State
from bot.money.waiting import waiting
from bot.services import Services
from bot.store.models import AuditEntry, MoneyRequest
from tests.fakes.backoffice_server import FakeBackoffice
from tests.fakes.base import HANG_UP, Failure
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import drain
from tests.money.conftest import CUSTOMER, DEPOSIT, HELD, Clock, escalation


def who(services: Services, key: str) -> Actor:
    analyst = services.roster.by_key(key)
    assert analyst is not None
    return actor_for(services.roster, analyst.slack_id)


def credit(amount: str, currency: str = "BRL", reason: str = "goodwill") -> Asked:
    return Asked(kind=Kind.CREDIT, reason=reason, ticket_id=48213, amount=amount, currency=currency)


async def stored(services: Services, request_id: int) -> MoneyRequest:
    async with services.db.session() as s:
        row = await s.get(MoneyRequest, request_id)
    assert row is not None
    return row


async def test_a_credit_is_refused_to_its_requester_approved_by_another_and_executed_once(
    services: Services, fake_backoffice: FakeBackoffice, fake_slack: FakeSlack
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("150.00"))
    await drain(services)
    [posted] = fake_slack.called("chat.postMessage")
    assert posted.params["channel"] == services.settings.approvals_channel
    assert "150" in str(posted.params["blocks"]) and CUSTOMER not in str(posted.params["blocks"])
    with pytest.raises(UserFacingError, match="someone else must approve"):
        await decide.approve(services, actor=who(services, "carla"), request_id=row.id)
    assert fake_backoffice.applied == []
    decided = await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    assert decided.still_needed == ()
    await drain(services)
    [applied] = fake_backoffice.applied
    assert applied["key"] == f"baton-adjustment-{row.id}"
    assert applied["amount"] == "150.00" and applied["currency"] == "BRL"
    assert applied["customer_id"] == CUSTOMER and applied["type"] == "credit"
    assert applied["requested_by"] == "carla" and applied["approved_by"] == ["bruno"]
    done = await stored(services, row.id)
    assert done.state == State.COMPLETED and done.backoffice_id
    async with services.db.session() as s:
        actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["money.requested", "money.approved", "money.executing", "money.executed"]
    # The approval message was edited in place, its buttons gone.
    last = fake_slack.called("chat.update")[-1]
    assert last.params["ts"] == done.slack_ts and "money_approve" not in str(last.params)


async def test_nobody_approves_their_own_request_not_even_a_lead(services: Services) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "ana"), asked=credit("50.00"))
    with pytest.raises(UserFacingError, match="someone else must approve"):
        await decide.approve(services, actor=who(services, "ana"), request_id=row.id)
    with pytest.raises(UserFacingError, match="someone else must decide"):
        await decide.reject(services, actor=who(services, "ana"), request_id=row.id, why="no")


@pytest.mark.parametrize(
    ("amount", "currency", "needs"),
    [
        ("1000.00", "BRL", ()),  # at the threshold: any approver
        ("1000.01", "BRL", ("lead",)),
        ("200.01", "USD", ("lead",)),
        ("20000.01", "BRL", ("lead", "approver")),
        ("30000.01", "CNY", ("lead", "approver")),
        ("1000000", "JPY", ()),  # no threshold for the currency
    ],
)
async def test_thresholds_are_per_currency(
    services: Services, amount: str, currency: str, needs: tuple[str, ...]
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit(amount, currency))
    [waits] = await waiting(services)
    assert waits.id == row.id and waits.requester == "carla"
    assert waits.needs == (needs or ("approver",))


async def test_above_lead_above_an_analyst_cannot_approve(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("1500.00"))
    with pytest.raises(UserFacingError, match="needs a lead"):
        await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await decide.approve(services, actor=who(services, "ana"), request_id=row.id)
    await drain(services)
    assert len(fake_backoffice.applied) == 1


async def test_two_distinct_approvers_one_a_lead(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("25000.00"))
    first = await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    assert first.still_needed == ("lead",)
    with pytest.raises(UserFacingError, match="approved this already"):
        await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    with pytest.raises(UserFacingError, match="needs a lead"):
        await decide.approve(services, actor=who(services, "diego"), request_id=row.id)
    await drain(services)
    assert fake_backoffice.applied == []  # nothing moves before the last approval
    await decide.approve(services, actor=who(services, "juliana"), request_id=row.id)
    await drain(services)
    [applied] = fake_backoffice.applied
    assert applied["approved_by"] == ["bruno", "juliana"]


async def test_a_held_withdrawal_is_released_by_compliance_only(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    await escalation(services)
    asked = Asked(kind=Kind.RELEASE, reason="other", transaction_id=HELD.id)
    row = await ask(services, actor=who(services, "carla"), asked=asked)
    assert row.amount == "900.00" and row.ticket_id == 48213
    for key in ("bruno", "ana"):
        with pytest.raises(UserFacingError, match="compliance"):
            await decide.approve(services, actor=who(services, key), request_id=row.id)
    await decide.approve(services, actor=who(services, "eduarda"), request_id=row.id)
    await drain(services)
    [applied] = fake_backoffice.applied
    assert applied["type"] == "release" and applied["transaction_id"] == HELD.id


async def test_a_compliance_case_needs_compliance_and_waits_in_the_compliance_channel(
    services: Services, fake_slack: FakeSlack
) -> None:
    await escalation(services, category="aml", analyst_key="eduarda")
    row = await ask(services, actor=who(services, "eduarda"), asked=credit("10.00"))
    await drain(services)
    [posted] = fake_slack.called("chat.postMessage")
    assert posted.params["channel"] == services.settings.slack_compliance_channel
    with pytest.raises(UserFacingError, match="compliance"):
        await decide.approve(services, actor=who(services, "ana"), request_id=row.id)


async def test_a_request_not_decided_in_time_expires_once_and_never_moves(
    services: Services, fake_backoffice: FakeBackoffice, fake_slack: FakeSlack, clock: Clock
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("20.00"))
    clock.now += timedelta(hours=23, minutes=59)
    assert await decide.expire_due(services) == []
    clock.now += timedelta(minutes=2)
    assert await decide.expire_due(services) == [row.id]
    assert await decide.expire_due(services) == []  # fired once
    with pytest.raises(UserFacingError, match="expired already"):
        await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)
    assert fake_backoffice.applied == [] and fake_backoffice.requests_to("POST", ".*") == []
    dms = [
        c for c in fake_slack.called("chat.postMessage") if str(c.params["channel"]).startswith("D")
    ]
    # Told in Carla's language (pt-BR in the roster).
    assert any("expirou sem decisão" in str(c.params["text"]) for c in dms)


async def test_a_double_click_approves_once(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    import asyncio

    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("30.00"))
    results = await asyncio.gather(
        decide.approve(services, actor=who(services, "bruno"), request_id=row.id),
        decide.approve(services, actor=who(services, "bruno"), request_id=row.id),
        return_exceptions=True,
    )
    assert sum(isinstance(r, UserFacingError) for r in results) == 1
    await drain(services)
    assert len(fake_backoffice.applied) == 1
    assert len((await stored(services, row.id)).approvals) == 1


async def test_an_answer_lost_after_the_back_office_applied_it_moves_money_once(
    services: Services, fake_backoffice: FakeBackoffice, clock: Clock
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("40.00"))
    # The back office applies the adjustment, then the connection drops before the answer.
    fake_backoffice.inject(Failure((HANG_UP, {}, b""), when=lambda r: r.method == "POST", act=True))
    await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)
    assert (await stored(services, row.id)).state == State.EXECUTING
    assert len(fake_backoffice.applied) == 1
    clock.now += timedelta(minutes=10)  # the outbox's backoff has passed
    await drain(services)
    posts = fake_backoffice.requests_to("POST", "/adjustments")
    assert len(posts) == 2
    assert {p.headers["idempotency-key"] for p in posts} == {f"baton-adjustment-{row.id}"}
    assert len(fake_backoffice.applied) == 1
    assert (await stored(services, row.id)).state == State.COMPLETED


async def test_a_worker_killed_mid_call_is_retried_with_the_same_key(
    services: Services, fake_backoffice: FakeBackoffice, clock: Clock
) -> None:
    from bot.store import outbox

    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("45.00"))
    await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)  # the slack rows and the execution
    assert len(fake_backoffice.applied) == 1
    # A worker that claimed the execution row and died: the row is leased, then re-delivered.
    async with services.db.session() as s:
        [ex] = [
            m for m in await s.scalars(select(outbox.OutboxMessage)) if m.action == "money_execute"
        ]
        ex.status, ex.result = "pending", None
        done = await s.get(MoneyRequest, row.id)
        assert done is not None
        done.state = State.EXECUTING  # as if killed before the answer was stored
    clock.now += timedelta(minutes=5)
    await drain(services)
    assert len(fake_backoffice.requests_to("POST", "/adjustments")) == 2
    assert len(fake_backoffice.applied) == 1


async def test_a_rejected_answer_shows_the_back_office_message(
    services: Services, fake_backoffice: FakeBackoffice, fake_slack: FakeSlack
) -> None:
    await escalation(services)
    fake_backoffice.refuse_customer(CUSTOMER, "account frozen by risk")
    row = await ask(services, actor=who(services, "carla"), asked=credit("60.00"))
    await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)
    failed = await stored(services, row.id)
    assert failed.state == State.FAILED and failed.backoffice_message == "account frozen by risk"
    assert fake_backoffice.applied == []
    assert any("account frozen by risk" in t for t in fake_slack.texts())


async def test_a_rejection_needs_a_reason_and_nothing_moves(
    services: Services, fake_backoffice: FakeBackoffice, fake_slack: FakeSlack
) -> None:
    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("70.00"))
    with pytest.raises(UserFacingError, match="Say why"):
        await decide.reject(services, actor=who(services, "ana"), request_id=row.id, why=" ")
    await decide.reject(services, actor=who(services, "ana"), request_id=row.id, why="no proof")
    await drain(services)
    assert (await stored(services, row.id)).state == State.REJECTED
    assert fake_backoffice.requests_to("POST", ".*") == []
    assert any("no proof" in t for t in fake_slack.texts())


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (credit("-5"), "more than zero"),
        (credit("0"), "more than zero"),
        (credit("10.001"), "BRL has 2 decimal places"),
        (credit("10.5", "JPY"), "JPY has 0 decimal places"),
        (credit("10", "ZZZ"), "Unknown currency ZZZ"),
        (credit("ten"), "not an amount"),
        (credit("1e3"), "not an amount"),
        (credit("10", reason="bonus"), "Unknown reason bonus"),
        (
            Asked(kind=Kind.REFUND, reason="other", transaction_id=DEPOSIT.id, amount="500.01"),
            "cannot exceed the transaction",
        ),
        (
            Asked(kind=Kind.RELEASE, reason="other", transaction_id="TX-WDR-2003"),
            "only a held withdrawal",
        ),
        (Asked(kind=Kind.REFUND, reason="other", transaction_id="TX-NOPE"), "not in the back"),
    ],
)
async def test_bad_amounts_are_refused_with_a_clear_reason(
    services: Services, fake_backoffice: FakeBackoffice, asked: Asked, message: str
) -> None:
    await escalation(services)
    with pytest.raises(UserFacingError) as err:
        await ask(services, actor=who(services, "carla"), asked=asked)
    assert message in err.value.msgid.format(**err.value.params)
    async with services.db.session() as s:
        assert list(await s.scalars(select(MoneyRequest))) == []
    assert fake_backoffice.requests_to("POST", ".*") == []


async def test_a_partial_refund_within_the_original(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    await escalation(services)
    asked = Asked(
        kind=Kind.REFUND, reason="duplicate_charge", transaction_id=DEPOSIT.id, amount="120.5"
    )
    row = await ask(services, actor=who(services, "carla"), asked=asked)
    assert row.amount == "120.50" and row.currency == "BRL"
    await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)
    [applied] = fake_backoffice.applied
    assert applied["transaction_id"] == DEPOSIT.id and applied["amount"] == "120.50"
    async with services.db.session() as s:
        reads = list(
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "transactions.lookup"))
        )
    assert [(r.actor, r.detail["count"]) for r in reads] == [("carla", 1)]


async def test_the_read_only_source_records_a_manual_reference(services: Services) -> None:
    import dataclasses

    svc = dataclasses.replace(services, adjustments=None)
    await escalation(svc)
    row = await ask(svc, actor=who(svc, "carla"), asked=credit("80.00"))
    await decide.approve(svc, actor=who(svc, "bruno"), request_id=row.id)
    assert (await stored(svc, row.id)).state == State.APPROVED
    with pytest.raises(UserFacingError, match="Only an approver"):
        await decide.record_reference(
            svc, actor=who(svc, "diego"), request_id=row.id, reference="BO-1"
        )
    done = await decide.record_reference(
        svc, actor=who(svc, "bruno"), request_id=row.id, reference="BO-7781"
    )
    assert done.state == State.COMPLETED and done.manual_reference == "BO-7781"


async def test_baton_history_tells_every_step(
    services: Services, fake_backoffice: FakeBackoffice
) -> None:
    from bot.resolutions.history import render, timeline

    await escalation(services)
    row = await ask(services, actor=who(services, "carla"), asked=credit("1500.00"))
    await decide.approve(services, actor=who(services, "ana"), request_id=row.id)
    await drain(services)
    names = {a.key: a.name for a in services.roster.analysts}
    async with services.db.session() as s:
        entries = await timeline(s, ticket_id=48213, names=names)
    text = render(entries, ticket_id=48213, tz=services.roster.timezone)
    carla, ana = names["carla"], names["ana"]
    assert f"{carla} asked for a credit of 1500.00 BRL (goodwill), money request {row.id}" in text
    assert f"{ana} approved money request {row.id}" in text
    assert f"Money request {row.id} sent to the back office" in text
    assert f"The back office executed money request {row.id} (reference ADJ-" in text
    assert CUSTOMER not in text


async def test_the_report_counts_movements_by_type_reason_analyst_and_approver(
    services: Services, clock: Clock, tmp_path: Path
) -> None:
    import openpyxl

    from bot.reports import text
    from bot.reports.run import load_report
    from bot.reports.xlsx import write_xlsx

    await escalation(services)
    for amount, currency, approver in (
        ("100.00", "BRL", "bruno"),
        ("50.50", "BRL", "ana"),
        ("20.00", "USD", "bruno"),
    ):
        row = await ask(services, actor=who(services, "carla"), asked=credit(amount, currency))
        await decide.approve(services, actor=who(services, approver), request_id=row.id)
    rejected = await ask(services, actor=who(services, "carla"), asked=credit("999.00"))
    await decide.reject(services, actor=who(services, "ana"), request_id=rejected.id, why="no")
    await drain(services)
    later = clock.now + timedelta(hours=1)  # the period ends now, exclusive
    report = await load_report(services.db, roster=services.roster, spec="week", now=later)
    got = {(m.dimension, m.key, m.currency): (m.count, str(m.total)) for m in report.money}
    names = {a.key: a.name for a in services.roster.analysts}
    assert got[("type", "credit", "BRL")] == (2, "150.50")
    assert got[("type", "credit", "USD")] == (1, "20.00")
    assert got[("reason", "goodwill", "BRL")] == (2, "150.50")
    assert got[("analyst", names["carla"], "BRL")] == (2, "150.50")
    assert got[("approver", names["bruno"], "BRL")] == (1, "100.00")
    assert got[("approver", names["ana"], "BRL")] == (1, "50.50")
    assert "Money movements executed" in text.render(report)
    wb = openpyxl.load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))
    assert wb["Money"].max_row == 1 + len(report.money)


async def test_the_alert_shows_the_movement_as_it_moves(
    services: Services, fake_slack: FakeSlack
) -> None:
    from tests.handlers.slack.support import ROUTING, route

    esc = await escalation(services)
    await route(services, esc, "carla")
    await drain(services)  # the channel alert and the DM are posted
    row = await ask(services, actor=who(services, "carla"), asked=credit("150.00"))
    await drain(services)
    edits = [c for c in fake_slack.called("chat.update") if c.params["channel"] == ROUTING]
    assert "waiting for approval" in str(edits[-1].params["blocks"])
    await decide.approve(services, actor=who(services, "bruno"), request_id=row.id)
    await drain(services)
    edits = [c for c in fake_slack.called("chat.update") if c.params["channel"] == ROUTING]
    last = str(edits[-1].params["blocks"])
    assert f"(request {row.id})" in last and ": done." in last
