"""An edited reply that would tip off a compliance case's customer, through the Slack endpoint.

Signed view_submission and block_actions requests, as Slack sends them: the Edit modal of an AML
case says what may not be written, in the analyst's language; a tipping-off edit is refused in
the modal (the refusal names the word, translated for the analyst) and nothing is stored; a
harmless edit is stored and sent; Send refuses an edit that no longer fits the ticket.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.services import Services
from bot.slack_messages.ids import DraftAction, DraftView
from bot.store.models import Escalation
from tests.drafts.support import (
    TICKET,
    command,
    drafts,
    escalation,
    open_edit,
    press,
    public_comments,
    shown,
    submit_edit,
)
from tests.drafts.test_tipping_off import HARMLESS, TIPPING
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, EDUARDA, drain

# The analyst's Slack locale for each reply language, what the modal's hint starts with there,
# and how the refusal of a word starts.
ANALYST = {
    "en": ("en-US", "Neutral replies only: write nothing of", "The reply mentions “{word}”"),
    "pt": ("pt-BR", "Só respostas neutras: não escreva nada", "A resposta menciona “{word}”"),
    "es": ("es-ES", "Solo respuestas neutras: no escriba nada", "La respuesta menciona «{word}»"),
    "zh": ("zh-CN", "仅限中性回复：不得提及", "回复中提到了“{word}”"),
    "ru": ("ru-RU", "Только нейтральные ответы: не пишите", "В ответе упомянуто «{word}»"),
}


def _view(call: Any) -> dict[str, Any]:
    view = call.params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def _hints(view: dict[str, Any]) -> list[str]:
    return [
        el["text"]
        for block in view["blocks"]
        if block["type"] == "context"
        for el in block["elements"]
    ]


async def _aml_draft(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk, lang: str
) -> tuple[int, dict[str, Any]]:
    """An AML case held by Eduarda, her draft in ``lang`` and its Edit modal, opened."""
    await escalation(
        services, zendesk, tags=("esc_senior", "esc_aml"), category="aml", analyst_key="eduarda"
    )
    fake_slack.locales[EDUARDA] = ANALYST[lang][0]
    await command(client, fake_slack, EDUARDA, f"draft {TICKET} {lang}")
    (draft,) = await drafts(services)
    assert draft.language == lang
    return draft.id, _view(await open_edit(client, fake_slack, EDUARDA, draft.id))


@pytest.mark.parametrize(("language", "text", "word"), TIPPING)
async def test_a_tipping_off_edit_is_refused_in_the_modal_and_a_harmless_one_sent(
    client: TestClient,
    fake_slack: FakeSlack,
    services: Services,
    zendesk: FakeZendesk,
    language: str,
    text: str,
    word: str,
) -> None:
    draft_id, view = await _aml_draft(client, fake_slack, services, zendesk, language)
    _locale, hint, refusal = ANALYST[language]
    assert any(h.startswith(hint) for h in _hints(view)), _hints(view)
    (before,) = await drafts(services)
    resp = await submit_edit(
        client, fake_slack, EDUARDA, metadata=view["private_metadata"], subject="", body=text
    )
    assert resp.status == 200
    answer = await resp.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [str(DraftView.BODY)]
    assert answer["errors"][str(DraftView.BODY)].startswith(refusal.format(word=word))
    assert "Traceback" not in json.dumps(answer)
    (after,) = await drafts(services)
    assert (after.body, after.edited) == (before.body, False)  # nothing stored
    # A harmless edit is saved, and Send delivers it.
    harmless = dict(HARMLESS)[language]
    count = len(fake_slack.called("response_url"))
    resp = await submit_edit(
        client, fake_slack, EDUARDA, metadata=view["private_metadata"], subject="", body=harmless
    )
    assert resp.status == 200 and await resp.text() == ""
    await fake_slack.wait_for("response_url", count + 1)
    await press(client, fake_slack, EDUARDA, DraftAction.SEND, str(draft_id))
    await drain(services)
    (comment,) = public_comments(zendesk)
    assert comment["body"] == harmless


async def test_a_tipping_off_subject_is_refused_on_the_subject_field(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    _draft_id, view = await _aml_draft(client, fake_slack, services, zendesk, "en")
    (draft,) = await drafts(services)
    resp = await submit_edit(
        client,
        fake_slack,
        EDUARDA,
        metadata=view["private_metadata"],
        subject="Fraud review of your withdrawal",
        body=draft.body,
    )
    answer = await resp.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        str(DraftView.SUBJECT): "The subject mentions “Fraud”: on a compliance case say nothing "
        "of an investigation, a review, a block, fraud, a report or the police. Reword it and "
        "try again."
    }


async def test_send_refuses_an_edit_made_before_the_case_became_aml(
    client: TestClient, fake_slack: FakeSlack, services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)  # a withdrawal: Carla may write what she likes
    fake_slack.locales[CARLA] = "pt-BR"
    await command(client, fake_slack, CARLA, f"draft {TICKET} general_follow_up")
    (draft,) = await drafts(services)
    view = _view(await open_edit(client, fake_slack, CARLA, draft.id))
    assert _hints(view) == []  # nothing to warn about on a withdrawal
    typed = "Olá João,\n\nSeu saque está bloqueado para análise e sai amanhã.\n\nAbraços,\nCarla"
    count = len(fake_slack.called("response_url"))
    resp = await submit_edit(
        client, fake_slack, CARLA, metadata=view["private_metadata"], subject="", body=typed
    )
    assert resp.status == 200 and await resp.text() == ""
    await fake_slack.wait_for("response_url", count + 1)
    # The ticket is re-classified as AML before Carla presses Send.
    async with services.db.session() as s:
        row = await s.get(Escalation, esc.id)
        assert row is not None
        row.category = "aml"
    refused = await press(client, fake_slack, CARLA, DraftAction.SEND, str(draft.id))
    assert "A resposta menciona “bloqueado”" in shown(refused)
    assert refused.params.get("replace_original") is not True  # the preview stays
    await drain(services)
    assert public_comments(zendesk) == []
    (still,) = await drafts(services)
    assert still.status == "preview"
