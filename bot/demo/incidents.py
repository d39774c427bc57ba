"""The demo's provider incident (SPEC §13): Stripe fails for an hour, a wave of card deposits
fails with it. The fifth escalation in half an hour opens the incident, the later ones join it,
and a lead resolves it: one reply per customer, each in the customer's language.

The tickets are added to the demo's bundle and go through the same intake, routing, grouping
and resolution as the real desk; Zendesk is not configured, so the replies stay in the outbox.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.demo.bundle import BundledTickets, Clock, webhook_lands
from bot.desk.permissions import actor_for
from bot.domain import Requester, Role, RootCause, Ticket
from bot.escalations.notes import LANGUAGE_NAMES
from bot.incidents import core
from bot.incidents.overview import listing
from bot.incidents.replies import ReplyTemplate
from bot.incidents.resolve import IncidentForm, resolve
from bot.services import Services
from bot.store.models import Escalation, OutboxMessage
from bot.worker import Worker

Echo = Callable[[str], object]
PROVIDER = "stripe"


@dataclass(frozen=True)
class _Wave:
    minutes: int  # after the failure began
    language: str
    locale: str
    name: str
    subject: str
    description: str


# One provider failing for an hour: seven customers, five languages.
WAVE = (
    _Wave(
        0,
        "pt",
        "pt-BR",
        "Renata Moura",
        "Depósito com cartão Stripe recusado",
        "Tentei depositar USD 900 hoje, 20/11, com meu cartão e o pagamento falhou duas vezes.",
    ),
    _Wave(
        6,
        "es",
        "es",
        "Lucía Ferrer",
        "Depósito con tarjeta por Stripe rechazado",
        "Intenté depositar USD 1.500 hoy, 20/11, con mi tarjeta y la operación falló.",
    ),
    _Wave(
        12,
        "en",
        "en-GB",
        "Oliver Grant",
        "Card deposit through Stripe failed",
        "I tried to deposit USD 2,000 today, 20/11, by card and it failed with an error.",
    ),
    _Wave(
        18,
        "zh",
        "zh-CN",
        "王芳",
        "Stripe 银行卡充值失败",
        "我今天 20/11 用银行卡充值 USD 1,200，支付失败了，请帮我查一下。",
    ),
    _Wave(
        24,
        "ru",
        "ru",
        "Ирина Волкова",
        "Пополнение картой через Stripe не прошло",
        "Сегодня, 20/11, я пыталась пополнить счёт на USD 800 картой, платёж не прошёл.",
    ),
    _Wave(
        38,
        "pt",
        "pt-BR",
        "Carlos Pereira",
        "Pagamento Stripe com cartão falhou",
        "Meu depósito de USD 650 com cartão hoje, 20/11, deu erro e não foi concluído.",
    ),
    _Wave(
        52,
        "es",
        "es-MX",
        "Diego Salas",
        "Falló mi depósito con tarjeta en Stripe",
        "Hoy, 20/11, mi depósito de USD 3.000 con tarjeta falló sin explicación.",
    ),
)
FIRST_TICKET = 31901


def wave_tickets(start: datetime) -> list[Ticket]:
    """The wave's tickets, the first created at ``start``."""
    tickets = []
    for n, w in enumerate(WAVE):
        at = start + timedelta(minutes=w.minutes)
        tickets.append(
            Ticket(
                id=FIRST_TICKET + n,
                subject=w.subject,
                description=w.description,
                tags=frozenset({"esc_senior", "esc_tx_failed"}),
                requester=Requester(
                    id=7901 + n,
                    name=w.name,
                    email=f"customer{7901 + n}@mailbox-demo.example",
                    locale=w.locale,
                    time_zone=None,
                    organization_name=None,
                ),
                created_at=at,
                updated_at=at,
                submitter_id=500101,
                has_attachments=False,
            )
        )
    return tickets


async def run_incident(
    services: Services, *, bundle: BundledTickets, clock: Clock, echo: Echo
) -> None:
    """Open, join and resolve one provider incident; print each step."""
    say = echo
    tz = services.roster.timezone
    local = clock.now.astimezone(tz)
    start = (local + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    tickets = wave_tickets(start)
    bundle.extend(tickets)
    worker = Worker(services, name="demo-incident", timer_seconds=0, sla_timers=False)
    say(
        f"\nProvider incident (SPEC §13): {PROVIDER.title()} fails from {start:%a %d %H:%M} for "
        f"an hour; {len(tickets)} customers escalate a failed card deposit:"
    )
    opened: int | None = None
    for ticket in tickets:
        await webhook_lands(services, worker, clock, ticket)
        async with services.db.session() as s:
            esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket.id))
            incidents = await listing(s)
        ref = esc.incident_ref if esc else None
        at = f"{clock.now.astimezone(tz):%H:%M}"
        if ref and opened is None:
            opened = incidents[0].id
            say(
                f"  {at} #{ticket.id}: the {services.settings.config.incidents.min_escalations}th "
                f"{PROVIDER.title()} tx_failed escalation in "
                f"{services.settings.config.incidents.window_minutes:g} minutes → {ref} opened; "
                f"{incidents[0].count} escalations linked, their SLA clocks paused."
            )
        elif ref:
            say(f"  {at} #{ticket.id}: joins {ref} (agent told it is a known incident).")
        else:
            say(f"  {at} #{ticket.id}: escalated; not a wave yet.")
    if opened is None:
        say("  no incident opened.")
        return
    lead = next(a for a in services.roster.analysts if a.has_role(Role.LEAD))
    clock.now = start + timedelta(minutes=70)
    async with services.db.session() as s:
        incident = await resolve(
            s,
            services,
            incident_id=opened,
            actor=actor_for(services.roster, lead.slack_id),
            form=IncidentForm(
                root_cause=RootCause.PROVIDER_FAILURE,
                summary="Stripe declined card deposits for an hour; fixed on their side.",
                template=ReplyTemplate.RETRY,
            ),
            now=clock.now,
        )
        ref = incident.ref
    await worker.drain()
    async with services.db.session() as s:
        rows = list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.action == core.REPLY)
                .order_by(OutboxMessage.id)
            )
        )
        languages = {
            e.id: e.language or "en"
            for e in await s.scalars(
                select(Escalation).where(Escalation.id.in_([r.escalation_id for r in rows]))
            )
        }
    say(
        f"  {clock.now.astimezone(tz):%H:%M} {lead.name} (lead) resolves {ref}: root cause "
        f'provider failure, reply "please try again" → {len(rows)} replies, one per customer:'
    )
    counted = Counter(languages[r.escalation_id or 0] for r in rows)
    shown: set[str] = set()
    for r in rows:
        lang = languages[r.escalation_id or 0]
        if lang in shown:
            continue
        shown.add(lang)
        body = [line for line in str(r.payload["public_reply"]).splitlines() if line.strip()]
        say(f"    {LANGUAGE_NAMES.get(lang, lang)} ×{counted[lang]}: {body[1][:90]} …")
    say(
        "  Each reply also sets the ticket solved and stores its resolution (root cause, not "
        f"avoidable); outbox: {len(rows)} replies recorded as not sent (Zendesk not configured)."
    )
