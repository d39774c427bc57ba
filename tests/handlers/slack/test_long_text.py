"""Customer text past Slack's limits: the escalation still reaches the analyst, cut with a link.

End to end through the real slack-sdk client against the fake Slack (which refuses what Slack
refuses), and every Block Kit builder over huge, unicode and ``&<>`` text, checked against the
fake's own table of Slack's limits (never Baton's).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import i18n
from bot.app import create_app
from bot.desk.on_shift import WhoIsOn
from bot.desk.roster import OnShift, load_roster
from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.escalations import deadlines
from bot.payments.findings import Findings, FindingState, MatchedBy
from bot.services import Services
from bot.slack_messages import desk, drafts, jira, limits, resolve, timers, transactions
from bot.slack_messages.alerts import AlertKind, Deadlines, Queued, render
from bot.store.models import DraftRow, Escalation, OutboxMessage, ResolutionRow
from bot.worker import Worker
from handlers.signing import sign_zendesk
from integrations.zendesk import ZendeskClient
from tests.fakes.slack_blocks import message_errors, view_errors
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk
from tests.handlers.slack.support import PII, ROOT, ROUTING

WEBHOOK_SECRET = "long-text-webhook-secret"
SUBJECT = ("Saque de R$ 5.000 & taxa <não> chegou; cartão " + PII["card"] + " — ") * 84
DESCRIPTION = ("Olá, meu saque TX-8F3K29Q1 de ontem não caiu & o app diz <erro>. " * 160)[:10000]


def _section_texts(post: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in post["blocks"] if b["type"] == "section" and "text" in b]


async def test_a_5700_character_subject_still_alerts_the_channel_and_the_dm_with_the_link(
    services: Services, fake_slack: FakeSlack, fake_zendesk: FakeZendesk
) -> None:
    assert 5600 < len(SUBJECT) < 5800 and len(DESCRIPTION) == 10000, len(SUBJECT)
    fake_zendesk.add_escalation(
        48213,
        subject=SUBJECT,
        text=DESCRIPTION,
        created_at="2026-01-06T17:20:00Z",
        updated_at="2026-01-06T17:25:00Z",
    )
    services.settings = replace(
        services.settings, zendesk_webhook_secret=WEBHOOK_SECRET, zendesk_url=fake_zendesk.url
    )
    services.zendesk = ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)
    app = create_app(services)
    app.on_cleanup.clear()
    async with TestClient(TestServer(app)) as client:
        body = json.dumps({"ticket_id": "48213", "event": "esc_senior"}).encode()
        ts = services.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(WEBHOOK_SECRET, ts, body),
        }
        assert (await client.post("/webhooks/zendesk", data=body, headers=headers)).status == 200
        await Worker(services).drain()
        await Worker(services).drain()

    async with services.db.session() as s:
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.service == "slack")))
    assert rows and {r.status for r in rows} == {"done"}, [(r.status, r.last_error) for r in rows]
    link = f"<{fake_zendesk.url}/agent/tickets/48213|"
    channel = fake_slack.messages[ROUTING]
    dm = fake_slack.messages["D05CAR0003"]  # Carla: on shift, speaks pt
    for [message] in (channel, dm):
        subject = _section_texts(message)[1]
        assert limits.length(subject) <= 3000
        assert subject.startswith("Saque de R$ 5.000 &amp; taxa &lt;não&gt; chegou")
        assert f"… {link}" in subject and subject.endswith(">")
        assert PII["card"] not in json.dumps(message, ensure_ascii=False)
    # The DM is in Carla's language, the link too.
    assert "Leia o resto no ticket #48213>" in _section_texts(dm[0])[1]
    assert "Read the rest on ticket #48213>" in _section_texts(channel[0])[1]


# --- every builder, over huge text ------------------------------------------------------------

NOW = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
ROSTER = load_roster(ROOT / "examples" / "roster.toml")
ANALYST = ROSTER.by_key("carla")
ALPHABET = "ab &<>|*_~`\n中文ру😀é\u0301@1"
HUGE = st.builds(
    lambda piece, times: (piece or "&") * times,
    st.text(alphabet=ALPHABET, max_size=60),
    st.integers(min_value=1, max_value=250),
)


def _tx(text: str, n: int) -> Transaction:
    return Transaction(
        id=f"TX-{n}-{text[:400]}",
        type=TxType.WITHDRAWAL,
        amount=Decimal("1234.50"),
        currency="BRL",
        status=TxStatus.FAILED,
        created_at=NOW,
        provider_reference=text[:3000],
        provider=text[:500],
        method="pix",
        failure_code=text[:200],
        updated_at=NOW + timedelta(minutes=5),
    )


def _escalation(text: str, n: int, *, category: str = "withdrawal") -> Escalation:
    findings = Findings(
        state=FindingState.FOUND,
        transactions=tuple(_tx(text, i) for i in range(3)),
        matched_by=MatchedBy.AMOUNT_AND_DATE,
        asked={"amount": "1234.50", "currency": "BRL", "date": "2026-01-05", "reference": text},
    )
    return Escalation(
        id=n,
        ticket_id=48213 + n,
        status="routed",
        category=category,
        vip=True,
        language="zh",
        subject=text,
        analyst_key="carla",
        received_at=NOW,
        routed_at=NOW,
        claim_due_at=NOW,
        first_response_due_at=NOW,
        sla_due_at=NOW - timedelta(hours=1),
        enrichment=findings.to_json(),
        jira_issues=[
            {"key": f"PAY-{i}", "url": f"https://jira/{text[:50]}", "status": text}
            for i in range(12)
        ],
    )


def _messages(text: str, count: int, locale: str) -> list[tuple[str, list[dict[str, Any]]]]:
    _ = i18n.translator(locale)
    tz = "America/Sao_Paulo"
    esc = _escalation(text, 1)
    late = deadlines.overdue(esc, now=NOW)
    many = [_escalation(text[:300], i) for i in range(1, count + 1)]
    out = [
        render(esc, kind=kind, analyst=ANALYST, locale=locale, tz=tz, overdue=late, ticket_url=url)
        for kind in AlertKind
        for url in (None, "https://acme.zendesk.com/agent/tickets/48214")
    ]
    out.append(render(_escalation(text, 2, category="aml"), kind=AlertKind.DM, analyst=ANALYST))
    draft = DraftRow(
        id=7,
        escalation_id=1,
        ticket_id=48214,
        template=text[:60],
        language="pt",
        language_source=text[:20],
        language_note=None,
        requester_locale=text[:40],
        subject=text,
        body=text,
        edited=True,
        status="sent",
        created_by="carla",
        sent_at=NOW,
    )
    out.append(drafts.preview(_, draft, templates=[text[:60]] * 120, labels={}, compliance=True))
    out.append(drafts.sent(_, draft, by=text, already=True, locale=locale, tz=tz))
    out.append(jira.resolved_ping(_, key="PAY-1", url=text, resolution=text, ticket_id=1))
    out.append(
        jira.comment_offer(
            _, key="PAY-1", url="https://jira/1", ticket_id=1, comment=text, offer_id=1
        )
    )
    out.append(resolve.needs_root_cause(_, many, locale=locale, tz=tz))
    out.append(timers.reminder(esc, kind="claim_remind", deadline=NOW, locale=locale, tz=tz))
    out.append(
        timers.offer(
            esc,
            kind="response_breach",
            deadline=NOW,
            owner=text,
            value="sealed",
            locale=locale,
            tz=tz,
        )
    )
    lines = [
        timers.HandoverLine(
            esc=e,
            state="routed",
            next_name="claim",
            next_at=NOW,
            last_action=None,
            moved_to=text[:80],
            why="unclaimed",
        )
        for e in many
    ]
    out.append(timers.handover(name=text[:200], shift_end=NOW, lines=lines, tz=tz))
    txs = [_tx(text, i) for i in range(5)]
    out.append(
        transactions.answer(
            _,
            value=text,
            by=LookupBy.EMAIL,
            transactions=txs,
            more=text,
            ticket=1,
            locale=locale,
            tz=tz,
        )
    )
    out.append(transactions.answer(_, value=text, by=None, transactions=[], locale=locale, tz=tz))
    return out


def _views(text: str, count: int, locale: str) -> list[dict[str, Any]]:
    _ = i18n.translator(locale)
    tz = "America/Sao_Paulo"
    many = [_escalation(text[:300], i) for i in range(1, count + 1)]
    on = [OnShift(analyst=ANALYST, starts_at=NOW, ends_at=NOW, covering_for=text[:100])] * 30
    who = desk.who_text(
        _, WhoIsOn(now_on=on, next_on=None, next_handover=None), locale=locale, tz=tz
    )
    stored = ResolutionRow(
        summary=text,
        root_cause="other",
        outcome="refunded",
        avoidable=True,
        lacked=["access"],
        zendesk_status="solved",
    )
    draft = DraftRow(id=7, ticket_id=1, subject=text, body=text)
    return [
        desk.home_view(
            _,
            analyst=ANALYST,
            escalations=[Queued(e, deadlines.shown(e, now=NOW)) for e in many],
            who=who,
            away_until=NOW,
            locale=locale,
            tz=tz,
            now=NOW,
            extra=resolve.home_section(_, many, locale=locale, tz=tz),
        ),
        desk.notice_modal(_, title=text, text=text),
        desk.reassign_modal(_, escalation_id=1, ticket_id=1),
        resolve.modal(_, escalation_id=1, ticket_id=1, stored=stored),
        drafts.edit_modal(_, draft, metadata="1"),
        drafts.edit_modal(_, draft, metadata="1", neutral=True),
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    text=HUGE,
    count=st.integers(min_value=1, max_value=70),
    locale=st.sampled_from(["en", "pt-BR", "zh-CN", "ru-RU"]),
)
def test_every_builder_stays_within_slacks_limits(text: str, count: int, locale: str) -> None:
    for fallback, message in _messages(text, count, locale):
        assert message_errors(message) == [], message_errors(message)[:3]
        assert limits.length(fallback) <= 40000
    for view in _views(text, count, locale):
        assert view_errors(view) == [], view_errors(view)[:3]


def test_a_long_queue_on_the_app_home_lists_the_rest_without_buttons() -> None:
    _ = i18n.translator("en")
    many = [Queued(_escalation("Saque", i), Deadlines()) for i in range(1, 80)]
    view = desk.home_view(
        _, analyst=ANALYST, escalations=many, who="who", away_until=None, locale="en", tz="UTC"
    )
    assert view_errors(view) == []
    assert view["blocks"][-1]["text"]["text"] == "who"  # who is on shift still shows
    texts = json.dumps(view["blocks"])
    assert all(f"#{48213 + i}" in texts for i in range(1, 80))  # every ticket is named
