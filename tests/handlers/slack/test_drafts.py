"""`/baton draft`, the Draft reply button and the preview's buttons, end to end.

Signed requests go through slack-bolt to bot.drafts.flow, which reads the ticket from the fake
Zendesk through zenpy and writes the draft with G's language choice and templates; answers are
read where Slack would receive them (the fake Slack's response_url, views.open). Every test ends
with the services fixture's check that nothing unmasked reached Slack.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.drafts.templates import NEUTRAL, Template
from bot.services import Services
from bot.slack_messages.ids import AlertAction, DraftAction
from bot.store.models import AuditEntry, Escalation, OutboxMessage
from tests.drafts.support import (
    TICKET,
    command,
    drafts,
    element,
    escalation,
    open_edit,
    pick,
    press,
    public_comments,
    shown,
    submit_edit,
    withdrawal,
)
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import ANA, CARLA, EDUARDA, OUTSIDER, drain

HENRIQUE = "U05HEN0008"  # an analyst who does not hold the escalation
ZH_TEXT = "你好，我昨天的充值一直没有到账，请帮我查一下，谢谢。"


def _options(call: Any, action: str) -> list[str]:
    return [o["value"].split(":", 1)[1] for o in element(call, action)["options"]]


async def test_command_previews_the_draft_in_the_customers_language(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    answer = await command(client, fake_slack, CARLA, f"draft {TICKET}")
    assert answer.params["response_type"] == "ephemeral"
    (draft,) = await drafts(services)
    assert (draft.language, draft.template, draft.status) == ("pt", "withdrawal_delayed", "preview")
    assert draft.language_source == "text"
    # The analyst sees the customer's text as it will be sent, amount formatted for pt-BR.
    assert "R$\xa01.234,50" in draft.body and "R$\xa01.234,50" in shown(answer)
    assert "Carla" in draft.body  # signed with the analyst's first name
    assert "customer's own words" in shown(answer)
    for action in (DraftAction.SEND, DraftAction.NOTE, DraftAction.EDIT):
        assert element(answer, action)["value"] == str(draft.id)
    assert element(answer, DraftAction.LANGUAGE)["initial_option"]["value"] == f"{draft.id}:pt"
    assert _options(answer, DraftAction.LANGUAGE) == ["en", "pt", "es", "zh", "ru"]
    assert _options(answer, DraftAction.TEMPLATE)[:3] == [
        "withdrawal_delayed",
        "withdrawal_processed",
        "withdrawal_rejected",
    ]
    assert public_comments(zendesk) == []  # a preview sends nothing


async def test_chinese_words_under_the_default_locale_get_a_chinese_draft(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(
        services, zendesk, text=ZH_TEXT, locale="en-US", language="zh", category="deposit_missing"
    )
    answer = await press(client, fake_slack, CARLA, AlertAction.DRAFT, "1")
    (draft,) = await drafts(services)
    assert draft.language == "zh" and draft.language_source == "text"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in draft.body)
    assert element(answer, DraftAction.LANGUAGE)["initial_option"]["value"] == f"{draft.id}:zh"


async def test_command_takes_a_template_and_a_language(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    await command(client, fake_slack, CARLA, f"draft #{TICKET} ru withdrawal_processed")
    (draft,) = await drafts(services)
    assert (draft.language, draft.language_source) == ("ru", "analyst")
    assert draft.template == "withdrawal_processed"
    refused = await command(client, fake_slack, CARLA, f"draft {TICKET} no_such_template")
    assert "no_such_template" in shown(refused) and len(await drafts(services)) == 1


async def test_change_language_and_template_rewrite_the_same_draft(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    first = await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    english = await pick(client, fake_slack, CARLA, DraftAction.LANGUAGE, f"{draft.id}:en")
    assert english.params.get("replace_original") is True
    (after,) = await drafts(services)
    assert (after.language, after.language_source) == ("en", "analyst")
    assert "R$1,234.50" in after.body and after.body != draft.body
    processed = await pick(
        client, fake_slack, CARLA, DraftAction.TEMPLATE, f"{draft.id}:withdrawal_processed"
    )
    (last,) = await drafts(services)
    assert (last.template, last.language) == ("withdrawal_processed", "en")
    assert (
        element(processed, DraftAction.SEND)["value"] == element(first, DraftAction.SEND)["value"]
    )


async def test_edit_then_send_sends_the_edited_text_as_the_analyst(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    opened = await open_edit(client, fake_slack, CARLA, draft.id)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    prefilled = [b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"]
    assert prefilled == [draft.subject, draft.body]
    mine = "Olá João,\n\nSeu saque já foi liberado e chega hoje.\n\nAbraços,\nCarla"
    before = len(fake_slack.called("response_url"))
    resp = await submit_edit(
        client, fake_slack, CARLA, metadata=view["private_metadata"], subject="", body=mine
    )
    assert resp.status == 200
    (updated,) = (await fake_slack.wait_for("response_url", before + 1))[before:]
    assert updated.params.get("replace_original") is True and "já foi liberado" in shown(updated)
    sent = await press(client, fake_slack, CARLA, DraftAction.SEND, str(draft.id))
    assert sent.params.get("replace_original") is True and f"#{TICKET}" in shown(sent)
    await drain(services)
    (comment,) = public_comments(zendesk)
    assert comment["body"] == mine and comment["author_id"] == 900003  # Carla's Zendesk id
    async with services.db.session() as s:
        esc = await s.scalar(select(Escalation))
        audit = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "draft.sent")))
        updates = list(
            await s.scalars(select(OutboxMessage).where(OutboxMessage.action == "update"))
        )
    assert esc is not None and esc.first_response_at is not None
    assert [a.detail["edited"] for a in audit] == [True]
    assert [u.idempotency_key for u in updates] == [f"slack:esc:{esc.id}:update:draft:{draft.id}"]


async def test_save_as_internal_note_writes_a_private_comment(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    await press(client, fake_slack, CARLA, DraftAction.NOTE, str(draft.id))
    await drain(services)
    assert public_comments(zendesk) == []
    note = zendesk.state.comments[TICKET][-1]
    assert not note["public"] and note["body"].startswith(draft.body)
    again = await press(client, fake_slack, CARLA, DraftAction.SEND, str(draft.id))
    assert "Already done" in shown(again)
    await drain(services)
    assert public_comments(zendesk) == []


async def test_compliance_case_offers_and_sends_only_neutral_replies(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(
        services,
        zendesk,
        tags=("esc_senior", "esc_aml"),
        category="aml",
        analyst_key="eduarda",
    )
    answer = await command(client, fake_slack, EDUARDA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    assert Template(draft.template) in NEUTRAL
    assert set(_options(answer, DraftAction.TEMPLATE)) == {str(t) for t in NEUTRAL}
    assert "Compliance case: only neutral replies" in shown(answer)
    # A forged option, and a typed one, are refused: nothing is rendered or stored.
    forged = await pick(
        client, fake_slack, EDUARDA, DraftAction.TEMPLATE, f"{draft.id}:withdrawal_rejected"
    )
    assert "not offered" in shown(forged) or "neutral" in shown(forged)
    typed = await command(client, fake_slack, EDUARDA, f"draft {TICKET} kyc_rejected")
    assert "neutral" in shown(typed) or "not offered" in shown(typed)
    (still,) = await drafts(services)
    assert still.template == draft.template
    # A stored draft whose template was changed behind Baton's back is refused at send time.
    async with services.db.session() as s:
        row = await s.get(type(still), still.id)
        assert row is not None
        row.template = "withdrawal_rejected"
    refused = await press(client, fake_slack, EDUARDA, DraftAction.SEND, str(draft.id))
    assert "not offered" in shown(refused)
    await drain(services)
    assert public_comments(zendesk) == []
    # A lead may draft it too; an analyst who does not hold it may not.
    await command(client, fake_slack, ANA, f"draft {TICKET}")
    assert len(await drafts(services)) == 2
    no = await command(client, fake_slack, HENRIQUE, f"draft {TICKET}")
    assert "compliance" in shown(no) or "Sorry" in shown(no)


async def test_a_payment_held_for_an_aml_review_makes_a_withdrawal_ticket_neutral(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    # Like the demo's #31018: a withdrawal ticket, the payout held for an AML review.
    held = withdrawal()
    held["transactions"][0].update(status="failed", failure_code="aml_review")
    await escalation(services, zendesk, enrichment=held)
    answer = await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    assert draft.template == "looking_into_it"  # not "your withdrawal could not be completed"
    assert set(_options(answer, DraftAction.TEMPLATE)) == {str(t) for t in NEUTRAL}
    assert "held for an AML review: only neutral replies are offered" in shown(answer)
    assert "Compliance case" not in shown(answer)
    typed = await command(client, fake_slack, CARLA, f"draft {TICKET} withdrawal_rejected")
    assert "not offered" in shown(typed)
    forged = await pick(
        client, fake_slack, CARLA, DraftAction.TEMPLATE, f"{draft.id}:withdrawal_rejected"
    )
    assert "not offered" in shown(forged)
    async with services.db.session() as s:
        row = await s.get(type(draft), draft.id)
        assert row is not None and row.template == "looking_into_it"
        row.template = "withdrawal_rejected"  # changed behind Baton's back
    refused = await press(client, fake_slack, CARLA, DraftAction.SEND, str(draft.id))
    assert "not offered" in shown(refused)
    await drain(services)
    assert public_comments(zendesk) == []
    # The neutral one goes.
    again = await command(client, fake_slack, CARLA, f"draft {TICKET} general_follow_up")
    assert "not offered" not in shown(again)
    sent = (await drafts(services))[-1]
    await press(client, fake_slack, CARLA, DraftAction.SEND, str(sent.id))
    await drain(services)
    (reply,) = public_comments(zendesk)
    assert reply["body"] == sent.body


async def test_outsiders_and_other_analysts_are_refused(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    outsider = await command(client, fake_slack, OUTSIDER, f"draft {TICKET}")
    assert "for the analysts on the roster" in shown(outsider)
    other = await command(client, fake_slack, HENRIQUE, f"draft {TICKET}")
    assert "is not yours" in shown(other)
    await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    # Someone else's draft id in a forged button is out of date for them.
    forged = await press(client, fake_slack, HENRIQUE, DraftAction.SEND, str(draft.id))
    assert "out of date" in shown(forged)
    await drain(services)
    assert public_comments(zendesk) == [] and len(await drafts(services)) == 1


async def test_an_edit_with_a_card_number_shows_masked_and_sends_as_typed(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    await escalation(services, zendesk)
    await command(client, fake_slack, CARLA, f"draft {TICKET}")
    (draft,) = await drafts(services)
    opened = await open_edit(client, fake_slack, CARLA, draft.id)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    meta = view["private_metadata"]
    # Saving the modal untouched keeps the draft as written: nothing counts as edited.
    before = len(fake_slack.called("response_url"))
    await submit_edit(
        client, fake_slack, CARLA, metadata=meta, subject=draft.subject, body=draft.body
    )
    await fake_slack.wait_for("response_url", before + 1)
    (same,) = await drafts(services)
    assert (same.body, same.edited) == (draft.body, False)
    typed = f"{draft.body}\n\nCartão usado: 4111 1111 1111 1111"
    await submit_edit(client, fake_slack, CARLA, metadata=meta, subject=draft.subject, body=typed)
    updated = (await fake_slack.wait_for("response_url", before + 2))[-1]
    assert "•••• •••• •••• 1111" in shown(updated)  # Slack sees it masked (fixture checks too)
    await press(client, fake_slack, CARLA, DraftAction.SEND, str(draft.id))
    await drain(services)
    (comment,) = public_comments(zendesk)
    assert comment["body"] == typed  # the customer gets what the analyst typed
