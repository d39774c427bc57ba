"""POST /slack/events for real: signed Slack bodies in, calls to the fake Slack out."""

from __future__ import annotations

import json
import time

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.config import Settings
from bot.desk import routing
from bot.domain import Category, TicketFacts
from bot.services import Services
from bot.store.models import AuditEntry, AvailabilityRow, Escalation, OutboxMessage
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import (
    ANA,
    CARLA,
    EDUARDA,
    NOW,
    OUTSIDER,
    ROUTING,
    action_body,
    add_escalation,
    command_body,
    drain,
    home_action_body,
    home_opened_body,
    post_form,
    route,
    sign,
    view_body,
)


async def _command(client: TestClient, fake: FakeSlack, user: str, text: str) -> str:
    """Send /baton <text>; return the ephemeral answer posted to response_url."""
    before = len(fake.called("response_url"))
    resp = await post_form(client, command_body(fake, user=user, text=text))
    assert resp.status == 200
    calls = await fake.wait_for("response_url", before + 1)
    answer = calls[before].params
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


async def test_bad_signature_is_401(client: TestClient, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, user=CARLA, text="who")
    resp = await post_form(client, body, secret="not-the-secret")
    assert resp.status == 401
    tampered = await client.post(
        "/slack/events",
        data=(body + "&text=claim").encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
    )
    assert tampered.status == 401
    assert fake_slack.called("response_url") == []


async def test_stale_timestamp_is_401(client: TestClient, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, user=CARLA, text="who")
    resp = await post_form(client, body, ts=int(time.time()) - 600)
    assert resp.status == 401


async def test_slack_recorded_signing_vector_is_stale(client: TestClient) -> None:
    """Slack's documented test vector is correctly signed but years old: rejected."""
    from tests.handlers.slack.support import FIXTURES

    vector = json.loads((FIXTURES / "signing_test_vector.json").read_text())
    resp = await client.post(
        "/slack/events", data=vector["raw_body"].encode(), headers=vector["headers"]
    )
    assert resp.status == 401


async def test_ack_is_fast_and_empty(client: TestClient, fake_slack: FakeSlack) -> None:
    started = time.perf_counter()
    resp = await post_form(client, command_body(fake_slack, user=CARLA, text="help"))
    assert resp.status == 200 and time.perf_counter() - started < 3
    await fake_slack.wait_for("response_url")


async def test_help_is_localized_by_slack_locale(client: TestClient, fake_slack: FakeSlack) -> None:
    fake_slack.locales[OUTSIDER] = "es-LA"
    text = await _command(client, fake_slack, OUTSIDER, "help")
    assert "/baton claim <ticket>" in text and "tomar una escalación" in text
    (info,) = fake_slack.called("users.info")
    assert info.params["include_locale"] in ("true", "1", True)


async def test_unknown_and_malformed_input_get_usage(
    client: TestClient, fake_slack: FakeSlack
) -> None:
    text = await _command(client, fake_slack, CARLA, "frobnicate now")
    assert "frobnicate" in text and "/baton help" in text
    assert await _command(client, fake_slack, CARLA, "claim") == "Usage: `/baton claim <ticket>`"
    assert "Usage: `/baton claim <ticket>`" in await _command(client, fake_slack, CARLA, "claim x1")
    text = await _command(client, fake_slack, CARLA, "away forever")
    assert "forever" in text and "Traceback" not in text
    text = await _command(client, fake_slack, CARLA, "cover @carla with @ana")
    assert text == "Usage: `/baton cover @a for @b [until]`"


async def test_outsiders_get_help_and_who_only(client: TestClient, fake_slack: FakeSlack) -> None:
    assert "Carla Mendes" in await _command(client, fake_slack, OUTSIDER, "who")
    for text in ("claim 48213", "queue", "assign 48213 <@U05ANA0001>", "away", "txn 123"):
        answer = await _command(client, fake_slack, OUTSIDER, text)
        assert "Sorry" in answer, text


async def test_claim_updates_alerts_in_place(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla")
    await route(services, esc, "carla")
    await drain(services)
    text = await _command(client, fake_slack, ANA, "claim #48213")
    assert text == "You claimed ticket #48213." or "48213" in text
    await drain(services)
    updates = fake_slack.called("chat.update")
    assert len(updates) == 2
    assert {u.params["channel"] for u in updates} == {ROUTING, "D05CAR0003"}
    assert all("<@U05ANA0001>" in str(u.params["blocks"]) for u in updates)
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and row.status == "claimed" and row.analyst_key == "ana"
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "escalation.claimed"))
        assert audit is not None and audit.actor == "ana"
        zd = await s.scalar(select(OutboxMessage).where(OutboxMessage.service == "zendesk"))
        assert zd is not None and zd.payload["assignee_id"] == 900001
        assert zd.payload["ticket_id"] == 48213 and zd.payload["marker"]


async def test_claim_button_and_refusal_for_compliance_case(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, category="fraud", analyst_key="eduarda", ticket_id=777)
    await route(services, esc, "eduarda")
    await drain(services)
    resp = await post_form(
        client, action_body(fake_slack, user=CARLA, action_id="esc_claim", value=str(esc.id))
    )
    assert resp.status == 200
    (refusal,) = await fake_slack.wait_for("response_url")
    assert "compliance" in refusal.params["text"]
    assert refusal.params["response_type"] == "ephemeral"
    await post_form(
        client, action_body(fake_slack, user=EDUARDA, action_id="esc_claim", value=str(esc.id))
    )
    calls = await fake_slack.wait_for("response_url", 2)
    assert "777" in calls[1].params["text"]
    await drain(services)
    assert len(fake_slack.called("chat.update")) == 3  # routing line, DM, compliance details


async def test_analyst_cannot_assign_others_lead_can(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    await add_escalation(services, analyst_key="diego", ticket_id=4242)
    answer = await _command(client, fake_slack, CARLA, "assign 4242 <@U05CAR0003|carla>")
    assert "lead" in answer
    answer = await _command(client, fake_slack, ANA, "assign 4242 <@U05CAR0003|carla>")
    assert "Carla Mendes" in answer
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == 4242))
        assert esc is not None and esc.analyst_key == "carla"
    await drain(services)
    assert fake_slack.called("conversations.open")[0].params["users"] == CARLA


async def test_reassign_button_opens_modal_and_submission_assigns(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, analyst_key="carla", ticket_id=5151)
    await post_form(
        client, action_body(fake_slack, user=CARLA, action_id="esc_reassign", value=str(esc.id))
    )
    # A "loading" modal opens at once with the trigger_id; the real one replaces it.
    (opened,) = await fake_slack.wait_for("views.open")
    assert opened.params["trigger_id"] and "submit" not in opened.params["view"]
    (updated,) = await fake_slack.wait_for("views.update")
    view = updated.params["view"]
    assert view["callback_id"] == "reassign_modal" and view["private_metadata"] == str(esc.id)
    assert updated.params["view_id"] and updated.params["hash"]
    values = {
        "reassign_user": {
            "reassign_user_select": {"type": "users_select", "selected_user": "U05DIE0004"}
        }
    }
    body = view_body(user=CARLA, callback_id="reassign_modal", metadata=str(esc.id), values=values)
    resp = await post_form(client, body)
    assert resp.status == 200
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and row.analyst_key == "diego"
    # Picking someone not on the roster keeps the modal open with an error.
    values["reassign_user"]["reassign_user_select"]["selected_user"] = OUTSIDER
    body = view_body(user=CARLA, callback_id="reassign_modal", metadata=str(esc.id), values=values)
    resp = await post_form(client, body)
    answer = await resp.json()
    assert answer["response_action"] == "errors" and "reassign_user" in answer["errors"]


async def test_resolve_on_a_gone_escalation_is_told_in_the_users_language(
    client: TestClient, fake_slack: FakeSlack
) -> None:
    fake_slack.locales[CARLA] = "pt-BR"
    await post_form(client, action_body(fake_slack, user=CARLA, action_id="esc_resolve", value="1"))
    (call,) = await fake_slack.wait_for("response_url", 1)
    assert call.params["text"] == "Este escalonamento não existe mais."  # carla's Slack locale


async def test_queue_oldest_sla_first(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    from tests.handlers.slack.support import NOW

    await add_escalation(services, ticket_id=1003, sla_due_at=NOW.replace(hour=20))
    await add_escalation(services, ticket_id=1001, sla_due_at=NOW.replace(hour=18))
    await add_escalation(services, ticket_id=1002, sla_due_at=None)
    text = await _command(client, fake_slack, CARLA, "queue")
    assert text.index("#1001") < text.index("#1003") < text.index("#1002")
    other = await _command(client, fake_slack, ANA, "queue <@U05CAR0003|carla>")
    assert "#1001" in other


async def test_away_back_and_cover(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    fake_slack.locales[CARLA] = "pt-BR"
    assert "Você está ausente" in await _command(client, fake_slack, CARLA, "away 2h")
    who = await _command(client, fake_slack, CARLA, "who")
    now_on, next_on = who.split("*Próximo turno*")
    assert "Carla Mendes" not in now_on and "Carla Mendes" in next_on  # back when away ends
    await _command(client, fake_slack, CARLA, "back")
    who = await _command(client, fake_slack, CARLA, "who")
    assert "Carla Mendes" in who.split("*Próximo turno*")[0]
    refused = await _command(client, fake_slack, CARLA, "cover @diego for @ana")
    assert "lead" in refused.lower() or "líder" in refused.lower()
    ok = await _command(client, fake_slack, ANA, "cover <@U05HEN0008|henrique> for @carla 18:00")
    assert "Henrique Costa" in ok
    async with services.db.session() as s:
        rows = list(await s.scalars(select(AvailabilityRow).order_by(AvailabilityRow.id)))
    assert [(r.kind, r.analyst_key, r.covering_for) for r in rows] == [
        ("away", "carla", None),
        ("cover", "henrique", "carla"),
    ]


async def test_app_home_publishes_queue_and_availability(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    await add_escalation(services, ticket_id=6001)
    body = home_opened_body(user=CARLA)
    resp = await client.post(
        "/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/json", **sign(body)},
    )
    assert resp.status == 200
    (published,) = await fake_slack.wait_for("views.publish")
    assert published.params["user_id"] == CARLA
    view = published.params["view"]
    assert view["type"] == "home" and "#6001" in json.dumps(view, ensure_ascii=False)
    away = [
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert away and away[0]["action_id"] == "home_away"
    # Pressed on the Home tab (the recorded shape: no response_url): the tab is re-published.
    await post_form(client, home_action_body(user=CARLA, action_id="home_away", value="carla"))
    calls = await fake_slack.wait_for("views.publish", 2)
    back = [
        b["accessory"]["action_id"]
        for b in calls[1].params["view"]["blocks"]
        if b.get("accessory", {}).get("type") == "button"
    ]
    assert back == ["home_back"]


async def test_not_configured_answers_503(database_url: str) -> None:
    from bot.desk.roster import load_roster
    from bot.services import Unconfigured
    from bot.store.db import Database
    from tests.handlers.slack.support import ROOT

    svc = Services(
        settings=Settings(database_url=database_url),
        db=Database(database_url),
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
    )
    async with TestClient(TestServer(create_app(svc))) as c:
        resp = await c.post("/slack/events", data=b"token=x")
        assert resp.status == 503
        assert "Slack not configured" in await resp.text()


DIEGO, FELIPE = "U05DIE0004", "U05FEL0006"  # analysts, not leads


async def test_claim_refusal_is_in_the_users_language(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    """The core raises a message id; the edge translates it with the asker's Slack locale."""
    esc = await add_escalation(services, analyst_key="carla", status="claimed")
    fake_slack.locales[DIEGO] = "pt-BR"
    answer = await _command(client, fake_slack, DIEGO, "claim 48213")
    assert answer == "O ticket #48213 já foi assumido por Carla Mendes."
    # The same refusal from the Claim button (actions._guard), for a Russian-speaking analyst.
    fake_slack.locales[EDUARDA] = "ru-RU"
    before = len(fake_slack.called("response_url"))
    await post_form(
        client, action_body(fake_slack, user=EDUARDA, action_id="esc_claim", value=str(esc.id))
    )
    calls = await fake_slack.wait_for("response_url", before + 1)
    assert calls[before].params["text"] == "Тикет #48213 уже взят: Carla Mendes."
    # Slack's default locale keeps the English source text.
    english = await _command(client, fake_slack, FELIPE, "claim #48213")
    assert english == "Ticket #48213 is already claimed by Carla Mendes."
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None and row.analyst_key == "carla"


async def test_not_found_and_parse_refusals_are_translated(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    fake_slack.locales[DIEGO] = "es-LA"
    answer = await _command(client, fake_slack, DIEGO, "claim 99999")
    assert answer == "No hay ninguna escalación abierta para el ticket #99999."
    fake_slack.locales[CARLA] = "zh-CN"
    answer = await _command(client, fake_slack, CARLA, "away forever")
    assert answer == "`forever` 不是有效的时长（例如 30m、2h、1d）。"
    fake_slack.locales[FELIPE] = "pt-BR"
    before = len(fake_slack.called("response_url"))
    await post_form(
        client, action_body(fake_slack, user=FELIPE, action_id="esc_claim", value="424242")
    )
    calls = await fake_slack.wait_for("response_url", before + 1)
    assert calls[before].params["text"] == "Este escalonamento não está mais aberto."


async def test_reassign_modal_error_is_translated(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    esc = await add_escalation(services, category="fraud", analyst_key="eduarda", ticket_id=778)
    fake_slack.locales[ANA] = "pt-BR"
    values = {
        "reassign_user": {"reassign_user_select": {"type": "users_select", "selected_user": DIEGO}}
    }
    body = view_body(user=ANA, callback_id="reassign_modal", metadata=str(esc.id), values=values)
    resp = await post_form(client, body)
    answer = await resp.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "reassign_user": "Diego Ferreira não pode receber casos de compliance."
    }


async def test_routing_and_assign_agree_on_a_compliance_case(
    client: TestClient, services: Services, fake_slack: FakeSlack
) -> None:
    # 14:30: Ana (lead), Carla, Diego and Eduarda (compliance) are on shift.
    facts = TicketFacts(
        ticket_id=4343,
        category=Category.AML,
        vip=False,
        language="pt",
        requester_id=7001,
        created_at=NOW,
    )
    roster = services.roster
    picks = {
        decision.analyst.key
        for exclude in [(), *((a.key,) for a in roster.analysts)]
        if (decision := routing.route(facts=facts, roster=roster, now=NOW, exclude=exclude)).analyst
    }
    assert picks == {"eduarda"}
    await add_escalation(services, analyst_key="carla", ticket_id=4343, category="aml")
    accepted, refused = set(), set()
    for analyst in roster.analysts:
        answer = await _command(client, fake_slack, ANA, f"assign 4343 <@{analyst.slack_id}>")
        assert "Traceback" not in answer
        if "is now assigned to" in answer:
            accepted.add(analyst.key)
        else:
            assert f"{analyst.name} cannot take compliance cases." in answer, answer
            refused.add(analyst.key)
    assert picks <= accepted and not picks & refused
    assert "ana" in refused  # a lead too: the compliance role first while one is on shift
    answer = await _command(client, fake_slack, ANA, "claim 4343")
    assert "only compliance can claim it" in answer
