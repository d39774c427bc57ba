"""AML and fraud cases go to compliance when someone with the role is on shift (SPEC §5), through
intake, the claim time-out, the handover, claim and assign: one rule, so nobody is handed a case
they would then be refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Timers
from bot.demo.bundle import Clock
from bot.desk.permissions import Actor
from bot.errors import UserFacingError
from bot.escalations import lifecycle
from bot.services import Services
from bot.store.models import RoutingDecisionRow
from bot.timers import offer
from bot.worker import Worker
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.timers.conftest import ROSTER, at, dm_channel, esc_of, escalate, run_until

AML = ("esc_senior", "esc_aml")
FRAUD = ("esc_senior", "esc_fraud")
PATIENT = Timers(claim_timeout=600, first_response=600)


def actor(key: str) -> Actor:
    analyst = ROSTER.by_key(key)
    assert analyst is not None
    return Actor(slack_id=analyst.slack_id, analyst=analyst)


async def reasons(services: Services, escalation_id: int) -> list[list[str]]:
    async with services.db.session() as s:
        rows = await s.scalars(
            select(RoutingDecisionRow)
            .where(RoutingDecisionRow.escalation_id == escalation_id)
            .order_by(RoutingDecisionRow.id)
        )
        return [list(r.reasons) for r in rows]


def note(fake: FakeZendesk, ticket_id: int) -> str:
    return next(c["body"] for c in fake.state.comments[ticket_id] if "Why:" in c["body"])


@pytest.mark.parametrize("tags", [AML, FRAUD])
async def test_a_compliance_case_goes_to_eduarda_when_she_is_on_shift(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    tags: tuple[str, ...],
) -> None:
    clock.now = at(13)  # Ana and Bruno (06-15) and Eduarda (12-21, compliance) are on shift
    await escalate(services, fake_zendesk, 601, tags=tags)
    await worker.drain()
    esc = await esc_of(services, 601)
    assert esc.analyst_key == "eduarda"
    (decision,) = await reasons(services, esc.id)
    assert decision[0] == "compliance role"
    assert "Why: compliance role" in note(fake_zendesk, 601)


async def test_without_compliance_on_shift_the_usual_rules_route_it_and_anyone_may_take_it(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    await escalate(services, fake_zendesk, 602, tags=AML)  # 10:00: Ana and Bruno only
    await worker.drain()
    esc = await esc_of(services, 602)
    assert esc.analyst_key in ("ana", "bruno")
    (decision,) = await reasons(services, esc.id)
    assert decision[0] == "no compliance analyst on shift"
    other = "bruno" if esc.analyst_key == "ana" else "ana"
    async with services.db.session() as s:
        took = await lifecycle.claim(
            s, services=services, actor=actor(other), now=clock.now, escalation_id=esc.id
        )
    assert took.analyst_key == other


async def test_with_compliance_on_shift_others_cannot_claim_or_be_assigned_it(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    clock.now = at(13)
    await escalate(services, fake_zendesk, 603, tags=AML)
    await worker.drain()
    esc = await esc_of(services, 603)
    assert esc.analyst_key == "eduarda"
    async with services.db.session() as s:
        with pytest.raises(UserFacingError, match="only compliance can claim it"):
            await lifecycle.claim(
                s, services=services, actor=actor("bruno"), now=clock.now, escalation_id=esc.id
            )
    bruno = ROSTER.by_key("bruno")
    assert bruno is not None
    async with services.db.session() as s:
        with pytest.raises(UserFacingError, match="Bruno Lima cannot take compliance cases"):
            await lifecycle.assign(
                s,
                services=services,
                actor=actor("ana"),  # a lead
                assignee=bruno,
                now=clock.now,
                escalation_id=esc.id,
            )
    # After her shift nobody with the role is on: the lead may hand it to anyone.
    clock.now = at(21, 30)
    carla = ROSTER.by_key("carla")
    assert carla is not None
    juliana = actor("juliana")  # the team lead
    async with services.db.session() as s:
        moved = await lifecycle.assign(
            s,
            services=services,
            actor=juliana,
            assignee=carla,
            now=clock.now,
            escalation_id=esc.id,
        )
    assert moved.analyst_key == "carla"


async def test_an_unclaimed_case_stays_with_the_only_compliance_analyst_on_shift(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    clock.now = at(13)
    await escalate(services, fake_zendesk, 604, tags=AML)
    await worker.drain()
    esc = await esc_of(services, 604)
    assert esc.analyst_key == "eduarda"
    await run_until(worker, clock, at(13, 31))  # past the 30-minute claim time-out
    esc = await esc_of(services, 604)
    assert esc.analyst_key == "eduarda"  # not re-routed to Ana or Bruno
    last = (await reasons(services, esc.id))[-1]
    assert last[0] == "not claimed within 30 min by Eduarda Rocha"
    assert last[-1] == "nobody else with the compliance role on shift: stays with Eduarda Rocha"


@pytest.mark.parametrize("timers", [PATIENT])
async def test_at_her_shift_end_the_case_is_handed_on_by_the_usual_rules(
    services: Services, worker: Worker, clock: Clock, fake_zendesk: FakeZendesk
) -> None:
    clock.now = at(20, 30)  # Carla, Diego (14-23) and Eduarda (until 21)
    await escalate(services, fake_zendesk, 605, tags=AML)
    await worker.drain()
    esc = await esc_of(services, 605)
    assert esc.analyst_key == "eduarda"  # her shift ends within the buffer, but she has the role
    await run_until(worker, clock, at(21, 1))
    esc = await esc_of(services, 605)
    assert esc.analyst_key in ("carla", "diego")
    last = (await reasons(services, esc.id))[-1]
    assert last[0].startswith("handover: Eduarda Rocha's shift ended at 21:00")
    assert last[1] == "no compliance analyst on shift"


@pytest.mark.parametrize("timers", [Timers(claim_timeout=600, first_response=70)])
async def test_a_breached_case_is_offered_to_compliance_once_on_shift_and_taken(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    clock.now = at(11)  # Ana and Bruno only; Eduarda (compliance) starts at 12:00
    await escalate(services, fake_zendesk, 606, tags=AML)
    await worker.drain()
    esc = await esc_of(services, 606)
    owner = esc.analyst_key
    assert owner in ("ana", "bruno")
    await run_until(worker, clock, at(12, 11))  # the first response was due at 12:10
    offers = {
        a.key: [
            m
            for m in fake_slack.messages.get(dm_channel(a.slack_id), [])
            for b in m["blocks"]
            if any(e.get("action_id") == "esc_take" for e in b.get("elements", []))
        ]
        for a in ROSTER.analysts
    }
    assert [k for k, found in offers.items() if found] == ["eduarda"]
    assert "#606" in offers["eduarda"][0]["text"]
    # The button's sealed value, read back as a click would: offered to Eduarda, from the owner.
    value = next(
        e["value"]
        for b in offers["eduarda"][0]["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "esc_take"
    )
    offered = offer.unseal(services, value, now=clock.now)
    assert (offered.escalation_id, offered.owner, offered.to) == (esc.id, owner, "eduarda")
    async with services.db.session() as s:
        took = await offer.take(
            s, services=services, actor=actor("eduarda"), now=clock.now, offer=offered
        )
    assert took.analyst_key == "eduarda" and took.status == "claimed"


async def test_a_breached_case_of_the_only_compliance_analyst_is_offered_to_nobody(
    services: Services,
    worker: Worker,
    clock: Clock,
    fake_zendesk: FakeZendesk,
    fake_slack: FakeSlack,
) -> None:
    clock.now = at(13)
    await escalate(services, fake_zendesk, 607, tags=AML)
    await worker.drain()
    assert (await esc_of(services, 607)).analyst_key == "eduarda"
    await run_until(worker, clock, at(14, 1))  # first response due at 14:00; claim re-routes fail
    takes = [
        b
        for msgs in fake_slack.messages.values()
        for m in msgs
        for b in m["blocks"]
        if any(e.get("action_id") == "esc_take" for e in b.get("elements", []))
    ]
    assert takes == []
    assert (await esc_of(services, 607)).analyst_key == "eduarda"
