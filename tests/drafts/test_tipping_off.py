"""The tipping-off words: what an analyst may not write to the customer of a compliance case.

At the bot/drafts level: the word lists of bot/drafts/tipping_off.py find what a native speaker
would write in each of the five languages, let harmless replies through, and flow.edit /
flow.send refuse an edited draft that names an investigation, a block or a report on a ticket
that takes neutral replies only. The Slack side is in
tests/handlers/slack/test_drafts_tipping_off.py.
"""

from __future__ import annotations

import pickle

import pytest
from sqlalchemy import select

from bot.desk.permissions import actor_for
from bot.drafts import flow
from bot.drafts.tipping_off import BODY, SUBJECT, TippingOff, check, find
from bot.services import Services
from bot.store.models import DraftRow, OutboxMessage
from tests.drafts.support import TICKET, drafts, escalation, withdrawal
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.slack.support import CARLA, EDUARDA

# (language, a reply an analyst might really write, the word it is refused for)
TIPPING = [
    (
        "en",
        "Dear João,\n\nWe have filed a suspicious activity report about this payment and your "
        "account stays on hold until it is closed.\n\nKind regards,\nEduarda",
        "suspicious",
    ),
    (
        "pt",
        "Olá João,\n\nSua conta está bloqueada enquanto nossa equipe de compliance analisa a "
        "transação.\n\nAbraços,\nEduarda",
        "bloqueada",
    ),
    (
        "es",
        "Hola João:\n\nSu retiro sigue retenido porque el equipo de cumplimiento lo está "
        "revisando por posible blanqueo de capitales.\n\nSaludos,\nEduarda",
        "retenido",
    ),
    (
        "zh",
        "王先生您好：\n\n您的账户因涉嫌洗钱已被冻结，我们已向有关部门提交报告。\n\nEduarda",
        "涉嫌",
    ),
    (
        "ru",
        "Здравствуйте!\n\nВаш вывод заблокирован до окончания проверки службой безопасности.\n\n"
        "С уважением,\nEduarda",
        "заблокирован",
    ),
]

HARMLESS = [
    (
        "en",
        "Dear João,\n\nThank you for your patience. Your transfer shows on the blockchain and I "
        "will write to you again tomorrow.\n\nKind regards,\nEduarda",
    ),
    (
        "pt",
        "Olá João,\n\nObrigada pela paciência. Sigo cuidando do seu pedido e volto a escrever "
        "amanhã.\n\nAbraços,\nEduarda",
    ),
    (
        "es",
        "Hola João:\n\nGracias por su paciencia. Sigo ocupándome de su solicitud y le escribiré "
        "mañana.\n\nSaludos,\nEduarda",
    ),
    ("zh", "王先生您好：\n\n感谢您的耐心。我们给您发了一封邮件，明天会再联系您。\n\nEduarda"),
    (
        "ru",
        "Здравствуйте!\n\nСпасибо за сообщение и терпение. Я занимаюсь вашим запросом и напишу "
        "завтра.\n\nС уважением,\nEduarda",
    ),
]


@pytest.mark.parametrize(("language", "text", "word"), TIPPING)
def test_a_tipping_off_reply_is_found_with_the_word_as_written(
    language: str, text: str, word: str
) -> None:
    mention = find(text, language)
    assert mention is not None and mention.word == word
    with pytest.raises(TippingOff) as err:
        check(subject="", body=text, language=language)
    assert err.value.field == BODY and f"“{word}”" in str(err.value)
    assert "compliance case" in str(err.value)


@pytest.mark.parametrize(("language", "text"), HARMLESS)
def test_a_harmless_reply_passes(language: str, text: str) -> None:
    assert find(text, language) is None
    check(subject="Following up on your request", body=text, language=language)


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        ("pt", "Acionamos a POLICIA.", "POLICIA"),
        ("pt", "O caso foi enviado à Polícia Federal.", "Polícia"),
        ("es", "Está en REVISIÓN.", "REVISIÓN"),
        ("ru", "Мы отправили ОТЧЁТ.", "ОТЧЁТ"),
        ("ru", "Мы подготовили отчет.", "отчет"),
        ("en", "An AML hold.", "AML"),
        ("en", "Under   law\nenforcement review.", "law\nenforcement"),
        ("zh", "您的提现正在人工审核中", "审核"),
        ("zh", "我们的AML团队正在处理", "AML"),  # English terms in any language
        ("pt", "Nossa equipe de compliance está cuidando disso.", "compliance"),
    ],
)
def test_case_accents_and_english_terms_are_matched(language: str, text: str, word: str) -> None:
    mention = find(text, language)
    assert mention is not None and mention.word == word


def test_the_subject_is_checked_too_and_the_refusal_survives_a_process_boundary() -> None:
    with pytest.raises(TippingOff) as err:
        check(subject="Fraud review of your account", body="Hello", language="en")
    assert err.value.field == SUBJECT and "The subject mentions “Fraud”" in str(err.value)
    again = pickle.loads(pickle.dumps(err.value))
    assert (again.field, again.params, str(again)) == (SUBJECT, {"word": "Fraud"}, str(err.value))


@pytest.mark.parametrize(("language", "text", "word"), TIPPING)
async def test_flow_refuses_to_store_a_tipping_off_edit_on_an_aml_case(
    services: Services, zendesk: FakeZendesk, language: str, text: str, word: str
) -> None:
    await escalation(
        services, zendesk, tags=("esc_senior", "esc_aml"), category="aml", analyst_key="eduarda"
    )
    actor = actor_for(services.roster, EDUARDA)
    shown = await flow.preview(services, actor=actor, ticket_id=TICKET, language=language)
    with pytest.raises(TippingOff, match=word):
        await flow.edit(services, actor=actor, draft_id=shown.draft.id, subject="", body=text)
    (row,) = await drafts(services)
    assert (row.body, row.edited) == (shown.draft.body, False)  # nothing stored
    harmless = dict(HARMLESS)[language]
    await flow.edit(services, actor=actor, draft_id=row.id, subject=row.subject, body=harmless)
    done = await flow.send(services, actor=actor, draft_id=row.id, public=True)
    assert done.draft.body == harmless and not done.already


async def test_flow_refuses_to_send_an_edit_made_before_the_ticket_needed_neutral_replies(
    services: Services, zendesk: FakeZendesk
) -> None:
    esc = await escalation(services, zendesk)  # a withdrawal: any reply may go out
    actor = actor_for(services.roster, CARLA)
    shown = await flow.preview(
        services, actor=actor, ticket_id=TICKET, template="general_follow_up"
    )
    typed = "Olá João,\n\nSeu saque está em análise e sai amanhã.\n\nAbraços,\nCarla"
    await flow.edit(services, actor=actor, draft_id=shown.draft.id, subject="", body=typed)
    # Then the back office holds the payout for an AML review: only neutral replies now.
    held = withdrawal()
    held["transactions"][0].update(status="failed", failure_code="aml_review")
    async with services.db.session() as s:
        row = await s.get(type(esc), esc.id)
        assert row is not None
        row.enrichment = held
    with pytest.raises(TippingOff, match="análise"):
        await flow.send(services, actor=actor, draft_id=shown.draft.id, public=True)
    async with services.db.session() as s:
        draft = await s.get(DraftRow, shown.draft.id)
        sent = list(
            await s.scalars(select(OutboxMessage).where(OutboxMessage.service == "zendesk"))
        )
    assert draft is not None and draft.status == flow.PREVIEW and sent == []
