"""Reply drafts from Slack: preview, change, edit, and send (or save as a note) exactly once.

A draft is stored (the ``drafts`` table) between the analyst's clicks, and the buttons carry
only its id: what Send delivers is the very text the analyst previewed or edited. The Zendesk
comment goes through the outbox under a key derived from the draft id, so a double click
enqueues one comment, and a retried delivery looks at the ticket's latest comments before
writing a public reply again (bot/delivery/zendesk.py).

Who may draft: the analyst holding the escalation, a lead, and compliance on a compliance case.
On a compliance case (esc_aml, esc_fraud), and on any ticket with a payment held for an AML
review, only neutral templates are offered, rendered, or sent (templates.needs_neutral): the
check runs again at send time, whatever a button's value says. The analyst's own text (the Edit
modal) is checked on saving and again on sending against the tipping-off words of the reply's
language (bot/drafts/tipping_off.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.permissions import Action, Actor, allowed, can_see
from bot.domain import LANGUAGES, Analyst, Ticket
from bot.drafts import money, tipping_off
from bot.drafts.language import LanguageChoice, choose
from bot.drafts.placeholders import context_for
from bot.drafts.templates import (
    LABELS,
    Draft,
    Template,
    default_for,
    is_compliance,
    needs_neutral,
    offered,
    render,
)
from bot.errors import N_, IntegrationError, NotFound, UserFacingError, UserFacingNotFound
from bot.escalations import alerts, deadlines, lookup
from bot.masking import mask
from bot.services import Services
from bot.store import outbox
from bot.store.models import AuditEntry, DraftRow, Escalation
from bot.store.outbox import OutboxItem

PREVIEW, SENT, NOTED = "preview", "sent", "noted"
ANALYST_CHOICE = "analyst"  # language_source when the analyst picked the language


@dataclass(frozen=True)
class Preview:
    """A stored draft and what the analyst may switch it to."""

    draft: DraftRow
    templates: tuple[Template, ...]
    compliance: bool  # only neutral replies (needs_neutral)
    held: bool = False  # … because a payment is held for an AML review, not an AML/fraud case

    @property
    def labels(self) -> dict[str, str]:
        """Every template's name for menus (an N_ message id), by its value."""
        return {str(t): label for t, label in LABELS.items()}


@dataclass(frozen=True)
class Sent:
    """The outcome of Send / Save as note: the draft, and whether it had gone already."""

    draft: DraftRow
    already: bool


def check_may_draft(actor: Actor, esc: Escalation) -> None:
    """The owner, a lead, or compliance on a compliance case; anyone else is refused."""
    if not allowed(actor, Action.DRAFT) or not can_see(
        actor, category=esc.category, analyst_key=esc.analyst_key
    ):
        raise UserFacingError(N_("Sorry, only the analyst on this escalation or a lead can."))
    mine = esc.analyst_key == actor.key
    if not (mine or actor.is_lead or (is_compliance(esc) and actor.is_compliance)):
        raise UserFacingError(
            N_("Ticket #{ticket} is not yours: its analyst or a lead can draft replies."),
            ticket=esc.ticket_id,
        )


def _template(value: str | None) -> Template | None:
    if value is None:
        return None
    try:
        return Template(value)
    except ValueError as err:
        raise UserFacingError(N_("There is no reply template called {name}."), name=value) from err


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise UserFacingError(
            N_("Drafts are written in {languages}, not {name}."),
            languages=", ".join(LANGUAGES),
            name=value,
        )
    return code


def _preview(row: DraftRow, esc: Escalation) -> Preview:
    neutral = needs_neutral(esc)
    return Preview(
        draft=row,
        templates=allowed_templates(esc),
        compliance=neutral,
        held=neutral and not is_compliance(esc),
    )


def allowed_templates(esc: Escalation) -> tuple[Template, ...]:
    """The templates offered for the escalation (neutral ones only when needs_neutral)."""
    return tuple(offered(esc.category, compliance=needs_neutral(esc)))


def _gate(esc: Escalation, template: Template) -> None:
    if template not in allowed_templates(esc):
        raise UserFacingError(
            N_("The {name} reply is not offered for ticket #{ticket}: pick another one."),
            name=str(template),
            ticket=esc.ticket_id,
        )


async def _escalation(
    services: Services, *, actor: Actor, ticket_id: int | None, escalation_id: int | None
) -> Escalation:
    async with services.db.session() as s:
        esc = await lookup.find_open(s, ticket_id=ticket_id, escalation_id=escalation_id)
        check_may_draft(actor, esc)
    return esc


async def _ticket(services: Services, ticket_id: int) -> Ticket:
    # Read outside any database transaction: nothing talks to Zendesk inside one.
    try:
        ticket: Ticket = await services.zendesk.get_ticket(ticket_id)
    except NotFound as err:
        raise UserFacingNotFound(
            N_("Ticket #{ticket} is not in Zendesk."), ticket=ticket_id
        ) from err
    except IntegrationError as err:
        raise UserFacingError(
            N_("Zendesk is not answering right now: try again in a minute.")
        ) from err
    return ticket


def _lang_tag(services: Services, ticket: Ticket) -> str | None:
    prefix = services.settings.config.tags.language_prefix
    for tag in sorted(ticket.tags):
        if tag.startswith(prefix):
            return tag[len(prefix) :].split("_")[0].lower()
    return None


def _choose(services: Services, esc: Escalation, ticket: Ticket, row: DraftRow) -> None:
    """Store the customer's language on the draft, and why it was chosen."""
    choice: LanguageChoice = choose(
        esc.language,
        ticket.description,
        ticket.requester.locale,
        _lang_tag(services, ticket),
        subject=ticket.subject,
    )
    row.language, row.language_source = choice.language, choice.source
    row.language_note, row.requester_locale = choice.note, choice.locale


def first_draft(
    services: Services, *, esc: Escalation, ticket: Ticket, analyst: Analyst
) -> tuple[LanguageChoice, Draft]:
    """The draft a preview starts from: the customer's language, the likeliest template."""
    choice = choose(
        esc.language,
        ticket.description,
        ticket.requester.locale,
        _lang_tag(services, ticket),
        subject=ticket.subject,
    )
    draft = render(
        default_for(esc),
        language=choice.language,
        context=context_for(esc, ticket, analyst),
        compliance=needs_neutral(esc),
    )
    return choice, draft


def _pick(row: DraftRow, language: str) -> None:
    row.language, row.language_source = language, ANALYST_CHOICE
    row.language_note = row.requester_locale = None


def _fill(
    row: DraftRow,
    esc: Escalation,
    ticket: Ticket,
    actor: Actor,
    template: Template,
    movement: money.Movement | None = None,
) -> None:
    _gate(esc, template)
    if actor.analyst is None:  # check_may_draft lets roster people only
        raise UserFacingError(N_("You are not on the roster."))
    draft = render(
        template,
        language=row.language,
        context=money.filled(context_for(esc, ticket, actor.analyst), movement),
        compliance=needs_neutral(esc),
    )
    row.template = str(template)
    row.subject = draft.subject
    row.body = draft.body
    row.edited = False


async def preview(
    services: Services,
    *,
    actor: Actor,
    ticket_id: int | None = None,
    escalation_id: int | None = None,
    template: str | None = None,
    language: str | None = None,
) -> Preview:
    """Write and store a draft for an escalation, in the customer's language (or the one asked)."""
    picked_template, picked_language = _template(template), _language(language)
    esc = await _escalation(services, actor=actor, ticket_id=ticket_id, escalation_id=escalation_id)
    ticket = await _ticket(services, esc.ticket_id)
    row = DraftRow(
        escalation_id=esc.id,
        ticket_id=esc.ticket_id,
        status=PREVIEW,
        created_by=actor.key,
        created_at=services.clock(),
    )
    if picked_language is None:
        _choose(services, esc, ticket, row)
    else:
        _pick(row, picked_language)
    # After a money movement, the reply that tells it, with the amount really moved.
    movement = await money.executed(services, esc.id)
    suggested = money.reply_for(movement, allowed_templates(esc)) or default_for(esc)
    _fill(row, esc, ticket, actor, picked_template or suggested, movement)
    async with services.db.session() as s:
        s.add(row)
        await s.flush()
    return _preview(row, esc)


async def _own_draft(s: AsyncSession, *, actor: Actor, draft_id: int) -> DraftRow:
    """The actor's own draft, locked (a forged or foreign id reads as out of date)."""
    row = await s.scalar(select(DraftRow).where(DraftRow.id == draft_id).with_for_update())
    if row is None or row.created_by != actor.key:
        raise UserFacingError(N_("This draft is out of date: ask for a new one."))
    return row


def _still_a_preview(row: DraftRow) -> None:
    if row.status != PREVIEW:
        raise UserFacingError(
            N_("This draft has already gone to ticket #{ticket}."), ticket=row.ticket_id
        )


async def change(
    services: Services,
    *,
    actor: Actor,
    draft_id: int,
    template: str | None = None,
    language: str | None = None,
) -> Preview:
    """Re-write a draft in another language or with another template (an edit is replaced)."""
    picked_template, picked_language = _template(template), _language(language)
    async with services.db.session() as s:
        row = await _own_draft(s, actor=actor, draft_id=draft_id)
        _still_a_preview(row)
        current, escalation_id = Template(row.template), row.escalation_id
    esc = await _escalation(services, actor=actor, ticket_id=None, escalation_id=escalation_id)
    ticket = await _ticket(services, esc.ticket_id)
    movement = await money.executed(services, esc.id)
    async with services.db.session() as s:
        row = await _own_draft(s, actor=actor, draft_id=draft_id)
        _still_a_preview(row)
        if picked_language is not None:
            _pick(row, picked_language)
        _fill(row, esc, ticket, actor, picked_template or current, movement)
        await s.flush()
    return _preview(row, esc)


async def load(services: Services, *, actor: Actor, draft_id: int) -> Preview:
    """The actor's draft as stored (to prefill the Edit modal), and whether it must be neutral."""
    async with services.db.session() as s:
        row = await _own_draft(s, actor=actor, draft_id=draft_id)
        _still_a_preview(row)
        esc = await s.get(Escalation, row.escalation_id)
        if esc is None:
            raise UserFacingError(N_("This draft is out of date: ask for a new one."))
        return _preview(row, esc)


def _check_words(esc: Escalation, row: DraftRow) -> None:
    """On a neutral-only ticket, refuse a subject or body that would tip the customer off."""
    if needs_neutral(esc):
        tipping_off.check(subject=row.subject, body=row.body, language=row.language)


async def edit(
    services: Services, *, actor: Actor, draft_id: int, subject: str, body: str
) -> Preview:
    """Store the analyst's own text: it is what Send delivers."""
    if not body.strip():
        raise UserFacingError(N_("A reply cannot be empty."))
    async with services.db.session() as s:
        row = await _own_draft(s, actor=actor, draft_id=draft_id)
        _still_a_preview(row)
        esc = await lookup.find_open(s, escalation_id=row.escalation_id)
        check_may_draft(actor, esc)
        # The modal showed masked text: what came back unchanged keeps the real words.
        if " ".join(body.split()) != " ".join(mask(row.body).split()):
            row.body, row.edited = body.strip(), True
        if " ".join(subject.split()) != " ".join(mask(row.subject).split()):
            row.subject, row.edited = subject.strip(), True
        _check_words(esc, row)  # refused: nothing is stored (the session rolls back)
        await s.flush()
        return _preview(row, esc)


def zendesk_item(row: DraftRow, *, public: bool, author_id: int | None) -> OutboxItem:
    """The ticket update carrying the draft; its key is the draft's, so it is enqueued once."""
    key = f"zendesk:draft:{row.id}"
    payload: dict[str, object] = {"ticket_id": row.ticket_id, "author_id": author_id}
    if public:
        payload["public_reply"] = row.body
    else:
        # An internal note carries the marker line a retry looks for.
        payload.update(internal_note=row.body, marker=key)
    return OutboxItem(
        key=key,
        service="zendesk",
        action="update_ticket",
        payload=payload,
        escalation_id=row.escalation_id,
    )


async def send(services: Services, *, actor: Actor, draft_id: int, public: bool) -> Sent:
    """Send the draft as a public reply (or save it as an internal note), at most once."""
    now: datetime = services.clock()
    async with services.db.session() as s:
        row = await _own_draft(s, actor=actor, draft_id=draft_id)
        if row.status != PREVIEW:
            return Sent(draft=row, already=True)
        esc = await lookup.find_open(s, escalation_id=row.escalation_id)
        check_may_draft(actor, esc)
        # Again at send time: a stored draft or a forged value cannot get past the gate.
        _gate(esc, _template(row.template) or default_for(esc))
        if row.edited:  # the template's own text is neutral; the analyst's is checked again
            _check_words(esc, row)
        row.status, row.sent_at = (SENT if public else NOTED), now
        author = actor.analyst.zendesk_id if actor.analyst else None
        s.add(
            AuditEntry(
                at=now,
                actor=actor.key,
                action="draft.sent" if public else "draft.noted",
                escalation_id=esc.id,
                ticket_id=esc.ticket_id,
                detail={
                    "draft_id": row.id,
                    "template": row.template,
                    "language": row.language,
                    "edited": row.edited,
                    "public": public,
                },
            )
        )
        deadlines.record_action(esc, now=now)
        items = [
            zendesk_item(row, public=public, author_id=author),
            alerts.changed(esc, ref=f"draft:{row.id}"),
        ]
        await outbox.enqueue(s, items, now=now)
        await deadlines.sync(s, services.settings.config, esc, now=now)
    return Sent(draft=row, already=False)
