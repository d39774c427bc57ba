"""The KYC "documents requested" draft lists exactly what the document check found missing."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.documents.findings import DocumentFindings, Level, Line, State
from bot.domain import Category, Requester, Ticket
from bot.drafts.placeholders import DEFAULT_KYC_DOCUMENTS, Document, context_for
from bot.drafts.templates import Template, render
from bot.store.models import Escalation
from tests.drafts.test_templates import ANALYST

TICKET = Ticket(
    id=1,
    subject="verificação",
    description="segue meu RG",
    tags=frozenset(),
    requester=Requester(id=2, name="Ana Souza", locale="pt-BR"),
    created_at=datetime(2026, 12, 1, tzinfo=UTC),
)


def kyc(documents: DocumentFindings | None) -> Escalation:
    return Escalation(
        ticket_id=1,
        status="claimed",
        category=Category.KYC.value,
        documents=documents.to_json() if documents else None,
    )


def test_only_the_missing_documents_are_asked_for() -> None:
    checked = DocumentFindings(
        State.DONE, (Line(Level.PASSED, "file_clean", "rg.pdf"),), ("selfie", "proof_of_address")
    )
    ctx = context_for(kyc(checked), TICKET, ANALYST)
    assert ctx.documents == (Document.SELFIE, Document.PROOF_OF_ADDRESS)
    body = render(
        Template.KYC_DOCUMENTS_REQUESTED, language="pt", context=ctx, compliance=False
    ).body
    bullets = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(bullets) == 2
    assert "selfie" in bullets[0] and "comprovante de residência" in bullets[1]


def test_unchecked_or_pending_asks_for_the_three() -> None:
    for found in (None, DocumentFindings(State.PENDING)):
        assert context_for(kyc(found), TICKET, ANALYST).documents == DEFAULT_KYC_DOCUMENTS
