"""`baton demo`, second part: one day on the desk, with the timers firing on the demo's clock.

A few escalations arrive during a Monday; some are claimed, one is taken from a breach offer,
others are left open across shift ends. The real worker runs its timer pass at every moment
something is due, and each reminder, claim time-out, breach and handover is printed as it
happens. Nothing leaves the machine: Zendesk and Slack are not configured.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot import resources
from bot.config import Settings, load_batonconfig
from bot.demo.bundle import BundledTickets, Clock
from bot.desk.permissions import Actor
from bot.desk.roster import Roster, load_roster
from bot.domain import Requester, Ticket
from bot.escalations import deadlines, lifecycle
from bot.events.zendesk import ZendeskEvent
from bot.services import Services, Unconfigured
from bot.store import db as dbmod
from bot.store import inbox
from bot.store.db import Database
from bot.store.models import Escalation, OutboxMessage, Timer
from bot.timers import offer
from bot.worker import Worker

DAY = datetime(2026, 11, 16)  # a Monday: the whole default roster works
Echo = Callable[[str], object]
Step = Callable[["Day"], Awaitable[str]]

LABELS = {
    "claim_remind": "reminder: claim",
    "response_remind": "reminder: reply",
    "resolution_remind": "reminder: SLA",
    "claim_timeout": "claim time-out",
    "response_breach": "breach: reply",
    "resolution_breach": "breach: SLA",
    "handover": "handover",
}


@dataclass
class Day:
    services: Services
    worker: Worker
    roster: Roster

    def at(self, hour: int, minute: int = 0) -> datetime:
        local = datetime.combine(DAY.date(), time(hour, minute), tzinfo=self.roster.timezone)
        return local.astimezone(UTC)

    def name(self, key: str | None) -> str:
        a = self.roster.by_key(key or "")
        return a.name if a else "nobody"

    async def escalation(self, ticket_id: int) -> Escalation:
        async with self.services.db.session() as s:
            esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket_id))
        assert esc is not None
        return esc


def _ticket(tid: int, created: datetime, tags: str, subject: str, text: str) -> Ticket:
    return Ticket(
        id=tid,
        subject=subject,
        description=text,
        tags=frozenset(["esc_senior", *tags.split()]),
        requester=Requester(id=80000 + tid, name="Customer", locale="en-US"),
        created_at=created,
        updated_at=created,
    )


class DayTickets(BundledTickets):
    """The day's tickets, added as the agents escalate them; writes are not sent."""

    def add(self, ticket: Ticket) -> None:
        self._tickets[ticket.id] = ticket


def escalate(tid: int, tags: str, subject: str, text: str) -> Step:
    async def step(day: Day) -> str:
        now = day.services.clock()
        tickets = day.services.zendesk
        assert isinstance(tickets, DayTickets)
        tickets.add(_ticket(tid, now, tags, subject, text))
        async with day.services.db.session() as s:
            await inbox.store_event(
                s,
                event=ZendeskEvent(kind="trigger", ticket_id=tid),
                dedupe_key=f"demo-day:{tid}",
                now=now,
            )
        await day.worker.drain()
        esc = await day.escalation(tid)
        what = ", ".join(x for x in ("VIP" if esc.vip else "", esc.category, esc.language) if x)
        return f"#{tid} escalated ({what}) → {day.name(esc.analyst_key)}"

    return step


def claim(tid: int) -> Step:
    async def step(day: Day) -> str:
        esc = await day.escalation(tid)
        who = day.roster.by_key(esc.analyst_key or "")
        assert who is not None
        async with day.services.db.session() as s:
            await lifecycle.claim(
                s,
                services=day.services,
                actor=Actor(slack_id=who.slack_id, analyst=who),
                now=day.services.clock(),
                escalation_id=esc.id,
            )
        return f"#{tid} claimed by {who.name}"

    return step


def take_offer(tid: int) -> Step:
    async def step(day: Day) -> str:
        async with day.services.db.session() as s:
            row = await s.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.idempotency_key.like("slack:offer:%_breach:%"))
                .order_by(OutboxMessage.id.desc())
            )
        assert row is not None
        taker = day.roster.by_slack_id(str(row.payload["user"]))
        assert taker is not None
        # The Take button's sealed value, read back as a click would.
        (value,) = [
            e["value"]
            for b in row.payload["blocks"]
            for e in b.get("elements", [])
            if e.get("action_id") == "esc_take"
        ]
        now = day.services.clock()
        async with day.services.db.session() as s:
            await offer.take(
                s,
                services=day.services,
                actor=Actor(slack_id=taker.slack_id, analyst=taker),
                now=now,
                offer=offer.unseal(day.services, value, now=now),
            )
        return f"#{tid} taken by {taker.name} from the offer"

    return step


def work_on(tid: int, what: str) -> Step:
    async def step(day: Day) -> str:
        esc_id = (await day.escalation(tid)).id
        async with day.services.db.session() as s:
            esc = await s.get(Escalation, esc_id)
            assert esc is not None
            deadlines.record_action(esc, now=day.services.clock())
        return f"#{tid}: {day.name(esc.analyst_key)} {what}"

    return step


def script(day: Day) -> list[tuple[datetime, Step]]:
    return [
        (
            day.at(9),
            escalate(
                9001,
                "esc_withdrawal vip",
                "Saque VIP pendente",
                "Saque de R$ 50.000,00 em 15/11 não chegou.",
            ),
        ),
        (day.at(9, 14), claim(9001)),
        (
            day.at(10, 30),
            escalate(
                9002, "esc_account", "Locked out", "Customer cannot log in after a password reset."
            ),
        ),
        (day.at(11, 40), take_offer(9002)),
        (day.at(14, 45), work_on(9001, "asked the provider for the payout status")),
        (day.at(15, 10), claim(9002)),
        (
            day.at(21, 50),
            escalate(
                9003,
                "esc_tx_failed lang_zh",
                "支付失败",
                "我的付款 TX-7Q2M4K9P 失败了，请帮忙查看。",
            ),
        ),
        (day.at(22, 30), claim(9003)),
        (
            day.at(22, 40),
            escalate(
                9004,
                "esc_deposit_missing lang_ru",
                "Депозит не зачислен",
                "Депозит TX-5R8N2W6C на 500 USD не зачислен.",
            ),
        ),
    ]


async def _next_due(services: Services) -> datetime | None:
    async with services.db.session() as s:
        due: datetime | None = await s.scalar(
            select(func.min(Timer.available_at)).where(Timer.status == deadlines.PENDING)
        )
    return due


async def _fired_since(services: Services, since: datetime) -> list[Timer]:
    async with services.db.session() as s:
        rows = await s.scalars(
            select(Timer)
            .where(Timer.fired_at >= since, Timer.status == deadlines.DONE)
            .order_by(Timer.fired_at, Timer.id)
        )
        return list(rows)


async def _handover_texts(services: Services, at: datetime) -> list[str]:
    async with services.db.session() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like(f"slack:handover:%:{at.isoformat()}"))
            .order_by(OutboxMessage.id)
        )
        return [str(r.payload["blocks"][0]["text"]["text"]) for r in rows]


async def run_day(*, echo: Echo) -> None:
    """Simulate one day from 06:00 to midnight and print the timers as they fire."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'day.db'}"
        await asyncio.to_thread(dbmod.upgrade, url)
        roster = load_roster(resources.example("roster.toml"))
        clock = Clock(datetime.combine(DAY.date(), time(6), tzinfo=roster.timezone))
        services = Services(
            settings=Settings(
                database_url=url,
                config=load_batonconfig(resources.example("config.toml")),
                secret_key=secrets.token_hex(32),
            ),
            db=Database(url),
            roster=roster,
            zendesk=DayTickets([]),
            slack=Unconfigured("slack"),
            clock=clock,
        )
        day = Day(services, Worker(services, name="demo-day", timer_seconds=0), roster)
        try:
            await _simulate(day, clock, echo)
        finally:
            await services.db.dispose()


async def _simulate(day: Day, clock: Clock, echo: Echo) -> None:
    tz = day.roster.timezone
    t = day.services.settings.config.timers
    echo(
        f"\nOne day on the desk, {DAY:%a %d %b} (São Paulo time): claim within "
        f"{t.claim_timeout_vip:g} min (VIP) / {t.claim_timeout:g} min, first action within "
        f"{t.first_response_vip:g} / {t.first_response:g} min, reminders at "
        f"{t.remind_at:.0%} of each deadline; handovers at each shift end.\n"
    )
    steps = script(day)
    end = day.at(23, 30)
    seen: set[int] = set()
    await day.worker.drain()  # stores the day's handovers
    while clock.now < end:
        due = await _next_due(day.services)
        nxt = min([d for d in (due, steps[0][0] if steps else None) if d is not None] + [end])
        clock.now = max(clock.now, nxt)
        lines: list[tuple[datetime, str]] = []
        if steps and steps[0][0] <= clock.now:
            _, step = steps.pop(0)
            lines.append((clock.now, await step(day)))
        await day.worker.drain()
        for timer in await _fired_since(day.services, clock.now - timedelta(days=1)):
            if timer.id in seen:
                continue
            seen.add(timer.id)
            label = LABELS.get(timer.kind, timer.kind)
            if timer.kind == "handover":
                if (timer.outcome or "").startswith("nobody"):
                    continue
                when = timer.fired_at or clock.now
                for text in await _handover_texts(day.services, timer.deadline_at):
                    title, *items = text.split("\n")
                    title = title.removeprefix(":busts_in_silhouette: ").strip("*")
                    lines.append((when, f"{label:15} {title}"))
                    lines += [
                        (when, " " * 17 + item.replace(":red_circle: ", "")) for item in items
                    ]
                continue
            ticket = await _ticket_of(day.services, timer.escalation_id)
            lines.append((timer.fired_at or clock.now, f"{label:15} #{ticket}: {timer.outcome}"))
        for at, text in lines:
            echo(f"  {at.astimezone(tz):%H:%M}  {text}")
    echo("\nEvery timer fired once, from deadlines stored in the database; see README, Timers.")


async def _ticket_of(services: Services, escalation_id: int | None) -> int | None:
    async with services.db.session() as s:
        return await s.scalar(select(Escalation.ticket_id).where(Escalation.id == escalation_id))
