"""Run a KYC check a person asked for: role, the check, an audit entry without the number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.desk.permissions import Action, Actor, allowed, can_see
from bot.documents import mrz, numbers
from bot.documents.findings import DocumentFindings, Line
from bot.errors import N_, UserFacingError
from bot.escalations import documents
from bot.escalations.documents import RETRY_TIMEOUT
from bot.services import Services
from bot.store.models import AuditEntry, Escalation

AUDIT_ACTION = "kyc_check"


@dataclass(frozen=True)
class MrzResult:
    zone: mrz.MrzCheck | None
    lines: tuple[Line, ...]


def _gate(actor: Actor) -> None:
    if not allowed(actor, Action.KYC):
        raise UserFacingError(N_("Sorry, KYC checks are for the analysts on the roster."))


async def _audit(
    services: Services,
    actor: Actor,
    *,
    detail: dict[str, object],
    ticket_id: int | None = None,
    escalation_id: int | None = None,
) -> None:
    async with services.db.session() as s:
        s.add(
            AuditEntry(
                at=services.clock(),
                actor=actor.key,
                action=AUDIT_ACTION,
                escalation_id=escalation_id,
                ticket_id=ticket_id,
                detail=detail,
            )
        )


async def number(services: Services, *, actor: Actor, kind: str, value: str) -> numbers.NumberCheck:
    """Validate one number; the audit keeps its type, masked form and outcome only."""
    _gate(actor)
    if kind not in numbers.MODULES:
        raise UserFacingError(N_("Unknown document type `{kind}`."), kind=kind[:20])
    result = numbers.check(kind, value)
    detail = {"kind": kind, "number": result.masked, "valid": result.valid, "reason": result.reason}
    await _audit(services, actor, detail=detail)
    return result


async def machine_zone(services: Services, *, actor: Actor, lines: list[str]) -> MrzResult:
    """Check an MRZ's two or three lines: check digits, expiry, age."""
    _gate(actor)
    today = services.clock().astimezone(services.roster.timezone).date()
    zone = mrz.check(lines, today=today)
    found = documents.mrz_lines(zone, account="", today=today) if zone else []
    detail = {
        "kind": "mrz",
        "number": zone.number_masked if zone else "",
        "valid": bool(zone and zone.valid),
    }
    await _audit(services, actor, detail=detail)
    return MrzResult(zone, tuple(found))


async def ticket(services: Services, *, actor: Actor, ticket_id: int) -> DocumentFindings:
    """Check every document of a ticket now (a compliance case only for who may see it)."""
    _gate(actor)
    async with services.db.read_session() as s:
        esc = await s.scalar(
            select(Escalation)
            .where(Escalation.ticket_id == ticket_id)
            .order_by(Escalation.id.desc())
            .limit(1)
        )
    if esc is not None and not can_see(actor, category=esc.category, analyst_key=esc.analyst_key):
        raise UserFacingError(
            N_("Sorry, you may not check the documents of ticket #{ticket}."), ticket=ticket_id
        )
    found_ticket = await services.zendesk.get_ticket(ticket_id)
    found = await documents.attempt(services, found_ticket, seconds=RETRY_TIMEOUT)
    await _audit(
        services,
        actor,
        detail={"kind": "ticket", "state": str(found.state), "lines": len(found.lines)},
        ticket_id=ticket_id,
        escalation_id=esc.id if esc else None,
    )
    return found
