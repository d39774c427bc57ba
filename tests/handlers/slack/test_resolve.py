"""The Resolve modal end to end: opened from /baton resolve and the button, submitted as Slack
sends it, and what the fake Zendesk, Jira and Slack received once the outbox was delivered."""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.ports import IssueDraft
from bot.services import Services
from bot.slack_messages.ids import AlertAction
from bot.store.models import AuditEntry, Escalation, JiraLink, ResolutionRow, Timer
from tests.drafts.support import TICKET, command, escalation
from tests.fakes.jira_server import FakeJira
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import ANA, CARLA, NOW, action_body, drain, post_form, route
from tests.resolutions.support import submit


async def _resolutions(services: Services) -> list[ResolutionRow]:
    async with services.db.session() as s:
        return list(await s.scalars(select(ResolutionRow)))


async def _link_issue(services: Services, jira: FakeJira, esc: Escalation) -> str:
    draft = IssueDraft(
        project="PAY",
        issue_type="Task",
        summary="PIX payout stuck",
        description=("x",),
        labels=(f"baton-esc-{esc.id}",),
    )
    issue = await services.jira.create_issue(draft)
    async with services.db.session() as s:
        s.add(
            JiraLink(
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                project="PAY",
                issue_key=issue.key,
                issue_id=issue.id,
                url=issue.url,
                created_by="carla",
            )
        )
    return issue.key


async def test_button_opens_modal_and_submit_resolves_everywhere(
    client: TestClient,
    fake_slack: FakeSlack,
    services: Services,
    zendesk: FakeZendesk,
    jira: FakeJira,
) -> None:
    esc = await escalation(services, zendesk)
    await route(services, esc, "carla")
    await drain(services)
    issue_key = await _link_issue(services, jira, esc)

    resp = await post_form(
        client, action_body(fake_slack, user=CARLA, action_id=AlertAction.RESOLVE, value="1")
    )
    assert resp.status == 200
    (opened,) = await fake_slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "resolve_modal" and view["private_metadata"] == str(esc.id)
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"res_root_cause", "res_summary", "res_avoidable", "res_lacked"} <= blocks

    services.clock = lambda: NOW + timedelta(hours=3, minutes=5)  # type: ignore[method-assign]
    resp = await submit(client, CARLA, esc.id)
    assert resp.status == 200 and not (await resp.text()).strip()
    (row,) = await _resolutions(services)
    assert (row.root_cause, row.outcome, row.avoidable, row.resolved_by) == (
        "provider_delay",
        "withdrawal_paid",
        False,
        "carla",
    )
    async with services.db.session() as s:
        stored = await s.get(Escalation, esc.id)
        assert stored is not None
        assert stored.status == "resolved" and stored.open_ticket_id is None
        waiting = await s.scalar(
            select(func.count()).where(Timer.escalation_id == esc.id, Timer.status == "pending")
        )
        assert waiting == 0  # its reminders and breaches are cancelled
    await drain(services, now=NOW + timedelta(hours=3, minutes=5))

    ticket = zendesk.state.tickets[TICKET]
    assert ticket["status"] == "solved"
    assert "baton_resolved" in ticket["tags"]
    assert not {"baton_routed", "esc_senior"} & set(ticket["tags"])
    note = zendesk.state.comments[TICKET][-1]
    assert not note["public"] and "PIX payout held by the provider" in note["body"]
    assert "Coaching" not in note["body"]
    (comment,) = jira.comment_texts(issue_key)
    assert f"#{TICKET}" in comment and "PIX payout held" in comment
    updates = fake_slack.called("chat.update")
    assert updates, "the alerts were not edited"
    shown = [json.dumps(u.params.get("blocks"), ensure_ascii=False) for u in updates]
    assert any("Resolved in 3 hours" in text for text in shown)  # the channel's alert
    assert not any("esc_resolve" in text for text in shown)  # no buttons on a resolved alert


async def test_invalid_input_is_shown_inside_the_modal(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    resp = await submit(client, CARLA, esc.id, summary="done", avoidable="yes", root_cause=None)
    answer = await resp.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"res_summary", "res_lacked", "res_root_cause"}
    assert await _resolutions(services) == []


async def test_someone_elses_escalation_is_refused_in_the_modal(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk, analyst_key="ana")
    resp = await submit(client, CARLA, esc.id)
    answer = await resp.json()
    assert "não é seu" in answer["errors"]["res_summary"]  # in Carla's language
    assert await _resolutions(services) == []


async def test_resolving_twice_amends_and_coaches_the_agent(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    await submit(client, CARLA, esc.id)
    # A lead amends it: it was avoidable, the agent lacked knowledge; the ticket stays pending.
    resp = await submit(
        client,
        ANA,
        esc.id,
        root_cause="kyc_incomplete",
        avoidable="yes",
        lacked=("knowledge", "information"),
        status="pending",
        outcome="documents_approved",
    )
    assert resp.status == 200 and not (await resp.text()).strip()
    (row,) = await _resolutions(services)
    assert row.amendments == 1 and row.amended_at is not None and row.resolved_by == "carla"
    assert row.avoidable and row.lacked == ["knowledge", "information"]
    async with services.db.session() as s:
        actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["escalation.resolved", "resolution.amended"]
    await drain(services)
    note = zendesk.state.comments[TICKET][-1]["body"]
    assert "Coaching for the agent who escalated this ticket" in note
    assert "knowledge of how to handle it" in note and "KYC checklist" in note
    assert zendesk.state.tickets[TICKET]["status"] == "pending"


async def test_slash_command_opens_the_modal_prefilled_when_amending(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)
    await submit(client, CARLA, esc.id, avoidable="yes", lacked=("access",))
    answer = await command(client, fake_slack, CARLA, f"resolve #{TICKET}")
    assert not answer.params.get("text")  # nothing to say: the modal opened
    (opened,) = fake_slack.called("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["res_summary"]["element"]["initial_value"].startswith("PIX payout")
    assert by_id["res_avoidable"]["element"]["initial_option"]["value"] == "yes"
    assert [o["value"] for o in by_id["res_lacked"]["element"]["initial_options"]] == ["access"]
