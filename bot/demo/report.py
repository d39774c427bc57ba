"""The demo's closing report: resolve some of the demo's escalations, then report on them all.

Owners claim their escalations and a lead logs root causes for most of them, each ending as its
kind of case does (an AML case is compliance's, a declined card the customer's bank), so the
report has every view filled; it prints the terminal tables and writes the Excel workbook
and the three chart images next to the demo's database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.desk.permissions import Actor
from bot.domain import Category, CustomerOutcome, EscalationStatus, Lacked, Role, RootCause
from bot.escalations.lifecycle import claim
from bot.payments.findings import Findings
from bot.reports import charts, text
from bot.reports.run import load_report
from bot.reports.xlsx import write_xlsx
from bot.resolutions.form import ResolutionForm
from bot.resolutions.resolve import resolve
from bot.services import Services
from bot.store.models import Escalation

Echo = Callable[[str], object]


@dataclass(frozen=True)
class Ending:
    """How the lead logs one kind of case: root cause, what the customer got, the summary."""

    root_cause: RootCause
    outcome: CustomerOutcome
    summary: str
    lacked: tuple[Lacked, ...] = ()  # not empty: the outsourcing agent could have handled it


# Per category, the endings a lead would log for it, taken in turn; compliance cases are never
# avoidable (the agent must escalate them) and never a provider's fault.
OUTCOMES: Mapping[Category, tuple[Ending, ...]] = {
    Category.WITHDRAWAL: (
        Ending(
            RootCause.PROVIDER_DELAY,
            CustomerOutcome.WITHDRAWAL_PAID,
            "The payout sat in the provider's queue; it was paid and the customer told.",
            (Lacked.ACCESS,),
        ),
        Ending(
            RootCause.CUSTOMER_ERROR,
            CustomerOutcome.INFORMATION_GIVEN,
            "The payout went to an account in another name and came back; the customer was "
            "asked for an account in their own name.",
            (Lacked.KNOWLEDGE,),
        ),
        Ending(
            RootCause.PROVIDER_FAILURE,
            CustomerOutcome.REFUNDED,
            "The provider rejected the payout; the amount is back on the customer's balance.",
        ),
    ),
    Category.DEPOSIT_MISSING: (
        Ending(
            RootCause.PROVIDER_DELAY,
            CustomerOutcome.FUNDS_CREDITED,
            "The provider settled the deposit late; it is credited.",
            (Lacked.ACCESS,),
        ),
        Ending(
            RootCause.CUSTOMER_ERROR,
            CustomerOutcome.INFORMATION_GIVEN,
            "Paid from an account in another name; the customer was told to pay from their own.",
            (Lacked.KNOWLEDGE, Lacked.INFORMATION),
        ),
        Ending(
            RootCause.PROVIDER_FAILURE,
            CustomerOutcome.FUNDS_CREDITED,
            "The provider never sent the payment notice; traced by its reference and credited.",
        ),
    ),
    Category.TX_FAILED: (
        Ending(
            RootCause.CUSTOMER_ERROR,
            CustomerOutcome.INFORMATION_GIVEN,
            "The card issuer declined it; the customer will ask the bank to allow the payment.",
            (Lacked.KNOWLEDGE,),
        ),
        Ending(
            RootCause.PROVIDER_FAILURE,
            CustomerOutcome.REFUNDED,
            "The provider timed out after charging the card; the charge was refunded.",
        ),
    ),
    Category.KYC: (
        Ending(
            RootCause.KYC_INCOMPLETE,
            CustomerOutcome.DOCUMENTS_APPROVED,
            "The missing documents arrived and were approved.",
            (Lacked.INFORMATION,),
        ),
        Ending(
            RootCause.DOCUMENT_SUSPICIOUS,
            CustomerOutcome.DOCUMENTS_REJECTED,
            "The document failed the checks; rejected and passed to compliance.",
        ),
    ),
    Category.ACCOUNT: (
        Ending(
            RootCause.PROCESS_GAP,
            CustomerOutcome.INFORMATION_GIVEN,
            "No procedure covered the request; the customer was given the steps.",
            (Lacked.AUTHORITY,),
        ),
        Ending(
            RootCause.INTERNAL_BUG,
            CustomerOutcome.INFORMATION_GIVEN,
            "A known bug blocked the change; fixed by the product team and the customer told.",
        ),
    ),
    Category.FRAUD: (
        Ending(
            RootCause.FRAUD_CONFIRMED,
            CustomerOutcome.ACCOUNT_RESTRICTED,
            "Compliance confirmed the fraud; the account is restricted.",
        ),
        Ending(
            RootCause.OTHER,
            CustomerOutcome.NO_ACTION_NEEDED,
            "Compliance reviewed the case and found no fraud.",
        ),
    ),
    Category.AML: (
        Ending(
            RootCause.OTHER,
            CustomerOutcome.ACCOUNT_RESTRICTED,
            "Compliance reviewed the third-party payments; restricted until source of funds.",
        ),
        Ending(
            RootCause.OTHER,
            CustomerOutcome.NO_ACTION_NEEDED,
            "Compliance reviewed the payments and cleared the account.",
        ),
    ),
}
# When the back office shows why the payment failed, that decides, whatever the category.
AML_HOLD = Ending(
    RootCause.OTHER,
    CustomerOutcome.INFORMATION_GIVEN,
    "Held for compliance's review; the customer was told only that it is a routine review.",
)
PROVIDER_SIDE = Ending(
    RootCause.PROVIDER_FAILURE,
    CustomerOutcome.REFUNDED,
    "The provider failed after taking the money; checked with them and refunded.",
)
CUSTOMER_SIDE = Ending(
    RootCause.CUSTOMER_ERROR,
    CustomerOutcome.INFORMATION_GIVEN,
    "Refused on the customer's side (their bank, card or account); they were given the next "
    "step the failure code lists.",
    (Lacked.KNOWLEDGE,),  # the code and its next step were in the back office
)
BY_FAILURE: Mapping[str, Ending] = {
    "aml_review": AML_HOLD,
    "provider_timeout": PROVIDER_SIDE,
    "processing_error": PROVIDER_SIDE,
    "beneficiary_bank_unavailable": PROVIDER_SIDE,
    **dict.fromkeys(
        (
            "insufficient_funds",
            "do_not_honor",
            "card_declined",
            "expired_card",
            "invalid_card",
            "blocked_card",
            "name_mismatch",
            "invalid_account",
            "pix_key_not_found",
            "limit_exceeded",
            "account_closed",
        ),
        CUSTOMER_SIDE,
    ),
}


def outcome_for(*, category: str | None, enrichment: Mapping[str, Any] | None, turn: int) -> Ending:
    """The ending a lead logs for a case: by the failure the back office shows, else by its
    category (its ``turn``-th case of that category)."""
    found = Findings.from_json(enrichment).transactions if enrichment else ()
    for tx in found:
        if (by_failure := BY_FAILURE.get(tx.failure_code or "")) is not None:
            return by_failure
    choices = OUTCOMES[Category(category)] if category else OUTCOMES[Category.ACCOUNT]
    return choices[turn % len(choices)]


def output_folder(database_url: str) -> Path:
    """The folder of the demo's SQLite file (else the current folder)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path.cwd()


async def resolve_some(services: Services) -> int:
    """Owners claim their escalations; a lead resolves all but every fourth; returns how many.

    Each case ends the way its category does (``OUTCOMES``), so an AML case never reads as a
    provider's failure; the claim, minutes after routing, is the analyst's first action.
    """
    lead = next(a for a in services.roster.analysts if a.has_role(Role.LEAD))
    actor = Actor(slack_id=lead.slack_id or "demo", analyst=lead)
    async with services.db.read_session() as s:
        rows = list(
            await s.execute(
                select(
                    Escalation.id,
                    Escalation.category,
                    Escalation.enrichment,
                    Escalation.analyst_key,
                    Escalation.received_at,
                    Escalation.routed_at,
                )
                .where(Escalation.status.in_([EscalationStatus.ROUTED, EscalationStatus.CLAIMED]))
                .order_by(Escalation.id)
            )
        )
    done = 0
    turns: dict[str, int] = {}
    for n, (escalation_id, category, enrichment, owner_key, received_at, routed_at) in enumerate(
        rows
    ):
        start = routed_at or received_at
        owner = services.roster.by_key(owner_key) if owner_key else None
        if owner is not None:
            # Claimed 2 to 14 minutes after it reached its analyst: the report's first action.
            claimed = start + timedelta(minutes=2 + 2 * (n % 7))
            async with services.db.session() as s:
                await claim(
                    s,
                    services=services,
                    actor=Actor(slack_id=owner.slack_id or owner.key, analyst=owner),
                    now=claimed,
                    escalation_id=escalation_id,
                )
        if n % 4 == 3:
            continue  # left open: not every case is closed by the end of the demo
        turn = turns.get(category or "", 0)
        turns[category or ""] = turn + 1
        ending = outcome_for(category=category, enrichment=enrichment, turn=turn)
        form = ResolutionForm(
            root_cause=ending.root_cause,
            summary=ending.summary,
            outcome=ending.outcome,
            avoidable=bool(ending.lacked),
            lacked=ending.lacked,
        )
        # Resolved 40 minutes to 6 hours after it reached its analyst, so timings spread.
        at = start + timedelta(minutes=40 + 37 * (n % 10))
        async with services.db.session() as s:
            await resolve(
                s, services=services, actor=actor, form=form, now=at, escalation_id=escalation_id
            )
        done += 1
    return done


async def print_report(services: Services, *, database_url: str, echo: Echo) -> None:
    """Resolve some escalations, print the report over all of them, save Excel and charts."""
    resolved = await resolve_some(services)
    async with services.db.read_session() as s:
        first, last = (
            await s.execute(
                select(func.min(Escalation.received_at), func.max(Escalation.received_at))
            )
        ).one()
    if first is None:
        return
    tz = services.roster.timezone
    spec = f"{first.astimezone(tz).date()}..{last.astimezone(tz).date()}"
    report = await load_report(services.db, roster=services.roster, spec=spec, now=services.clock())
    echo(f"\nA lead logged root causes for {resolved} escalations (/baton resolve). The report:\n")
    echo(text.render(report))
    folder = output_folder(database_url)
    workbook = await asyncio.to_thread(write_xlsx, report, folder / "baton-report.xlsx")
    images = await asyncio.to_thread(charts.render_all, report)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    echo(f"Excel workbook: {workbook}")
    echo(f"Charts ({', '.join(images)}): in {folder}")
