"""The demo's money movement (SPEC §14): one credit asked for, refused to its own requester,
approved by a lead and executed once by the demo's back office.

The bundled back office is a read-only SQL table, so the demo gives the worker an in-process
adjustments adapter speaking the `POST /adjustments` contract (the same key answers the first
answer; a body without approvers is refused), and records what it applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import select

from bot.desk.permissions import actor_for
from bot.domain import Category, Role
from bot.errors import IntegrationError, UserFacingError
from bot.money import decide
from bot.money.ask import Asked, ask
from bot.money.kinds import Kind
from bot.payments.findings import Findings
from bot.ports import Adjustment, AdjustmentResult
from bot.resolutions.history import render, timeline
from bot.services import Services
from bot.store.models import Escalation, MoneyRequest
from bot.worker import Worker


@dataclass
class DemoAdjustments:
    """AdjustmentsPort in process: idempotent by key, as the back office's API is."""

    answers: dict[str, AdjustmentResult] = field(default_factory=dict)
    applied: list[Adjustment] = field(default_factory=list)

    async def adjust(self, adjustment: Adjustment) -> AdjustmentResult:
        """Apply once per key; the same key again answers the first answer."""
        if adjustment.idempotency_key in self.answers:
            return self.answers[adjustment.idempotency_key]
        if not adjustment.approved_by or adjustment.requested_by in adjustment.approved_by:
            raise IntegrationError("transactions", "four eyes: approvers missing")
        self.applied.append(adjustment)
        answer = AdjustmentResult(id=f"BO-ADJ-{len(self.applied):05d}", status="completed")
        self.answers[adjustment.idempotency_key] = answer
        return answer


async def _candidate(services: Services) -> Escalation | None:
    """A routed, non-compliance escalation whose lookup found the customer's payment."""
    async with services.db.session() as s:
        escs = list(await s.scalars(select(Escalation).order_by(Escalation.id)))
    for esc in escs:
        if not esc.analyst_key or not esc.enrichment:
            continue
        if esc.category and Category(esc.category).is_compliance:
            continue
        analyst = services.roster.by_key(esc.analyst_key)
        found = Findings.from_json(esc.enrichment).transactions
        if analyst and not analyst.has_role(Role.LEAD) and any(t.customer_id for t in found):
            return esc
    return None


async def run_money(services: Services, echo: Callable[[str], object]) -> None:
    """Ask, refuse to the requester, approve by a lead, execute; print each step."""
    say = echo
    esc = await _candidate(services)
    if esc is None:
        return
    backoffice = DemoAdjustments()
    services = replace(services, adjustments=backoffice)
    requester = services.roster.by_key(esc.analyst_key or "")
    lead = next(a for a in services.roster.analysts if a.has_role(Role.LEAD) and a != requester)
    assert requester is not None
    currency = Findings.from_json(esc.enrichment or {}).transactions[0].currency
    lead_above = services.settings.config.approvals.lead_above.get(currency, Decimal(0))
    amount = str((lead_above + 50).quantize(Decimal("0.01")))
    say(
        f"\nMoney movement (SPEC §14): {requester.name} asks for a goodwill credit on "
        f"ticket #{esc.ticket_id}:"
    )
    say(f"  /baton credit {esc.ticket_id} {amount} {currency} goodwill provider fee charged twice")
    row = await ask(
        services,
        actor=actor_for(services.roster, requester.slack_id),
        asked=Asked(
            kind=Kind.CREDIT,
            reason="goodwill",
            note="provider fee charged twice",
            ticket_id=esc.ticket_id,
            amount=amount,
            currency=currency,
        ),
    )
    needs = "a lead" if row.needs_lead else "any approver"
    say(
        f"  → request {row.id} waits in the approvals channel; above {lead_above} {currency} "
        f"it needs {needs}."
    )
    try:
        await decide.approve(
            services, actor=actor_for(services.roster, requester.slack_id), request_id=row.id
        )
    except UserFacingError as err:
        say(f"  {requester.name} presses Approve → refused: {err}")
    await decide.approve(
        services, actor=actor_for(services.roster, lead.slack_id), request_id=row.id
    )
    say(f"  {lead.name} (lead) presses Approve → approved; the outbox executes it.")
    await Worker(services, name="demo-money", timer_seconds=0, sla_timers=False).drain()
    async with services.db.session() as s:
        done = await s.get(MoneyRequest, row.id)
        entries = await timeline(
            s, ticket_id=esc.ticket_id, names={a.key: a.name for a in services.roster.analysts}
        )
    assert done is not None
    [applied] = backoffice.applied
    say(
        f"  Back office: POST /adjustments, Idempotency-Key {applied.idempotency_key} → "
        f"{done.backoffice_status}, reference {done.backoffice_id}; applied "
        f"{len(backoffice.applied)} time(s)."
    )
    say("  baton history (money steps):")
    text = render(entries, ticket_id=esc.ticket_id, tz=services.roster.timezone)
    for line in text.splitlines()[1:]:
        if "money request" in line.lower():
            say(f"    {line}")
