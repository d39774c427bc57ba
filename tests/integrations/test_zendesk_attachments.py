"""Attachments through the real client: the comments' files, and their bytes from content_url
(a redirect to the file store, as Zendesk answers), size-capped, our host only."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.errors import IntegrationError, NotFound, TooLarge
from integrations.zendesk import ZendeskClient, attachment_from
from tests.documents.samples import pdf
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ZD = Path(__file__).parent / "fixtures" / "zendesk"


@pytest.fixture
def client(fake_zendesk: FakeZendesk) -> ZendeskClient:
    return ZendeskClient(base_url=fake_zendesk.url, email=EMAIL, token=TOKEN)


def test_the_recorded_attachment_object_reads() -> None:
    # A real sandbox attachment (corpus: zendesk/api/attachment_object_real_sandbox.json).
    raw = json.loads((ZD / "attachment_object_real_sandbox.json").read_text(encoding="utf-8"))
    a = attachment_from(raw["attachment"])
    assert (a.file_name, a.content_type, a.size) == (
        "Get_trading_partners.pdf",
        "application/pdf",
        112441,
    )
    assert a.malware == "malware_not_found" and "/attachments/token/" in a.content_url


async def test_files_and_download_follow_the_redirect(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.add_escalation(40, tags=("esc_senior", "esc_kyc"))
    data = pdf()
    fake_zendesk.add_attachment(40, "rg.pdf", data, content_type="application/pdf")
    found = await client.files(40)
    assert found.comments[-1] == "Segue o documento."
    [attachment] = found.attachments
    assert (attachment.file_name, attachment.size) == ("rg.pdf", len(data))
    assert await client.download(attachment, max_bytes=1 << 20) == data
    # Zendesk answers content_url with a redirect to its file store, which serves the bytes.
    assert fake_zendesk.requests_to("GET", r"/attachments/token/\w+/?")
    assert fake_zendesk.requests_to("GET", r"/storage/\w+")


async def test_over_the_cap_is_refused_before_and_while_reading(
    fake_zendesk: FakeZendesk, client: ZendeskClient
) -> None:
    fake_zendesk.add_escalation(41, tags=("esc_senior", "esc_kyc"))
    fake_zendesk.add_attachment(
        41, "big.pdf", b"%PDF" + b"0" * 5000, content_type="application/pdf"
    )
    [attachment] = (await client.files(41)).attachments
    before = len(fake_zendesk.requests)
    with pytest.raises(TooLarge):
        await client.download(attachment, max_bytes=1000)  # the listed size says so: no request
    assert len(fake_zendesk.requests) == before
    lying = replace(attachment, size=10)  # a listing that understates: the bytes are counted
    with pytest.raises(TooLarge):
        await client.download(lying, max_bytes=1000)


async def test_a_content_url_on_another_host_is_not_fetched(
    client: ZendeskClient, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(42, tags=("esc_senior", "esc_kyc"))
    fake_zendesk.add_attachment(42, "x.pdf", b"%PDF", content_type="application/pdf")
    [attachment] = (await client.files(42)).attachments
    elsewhere = replace(attachment, content_url="http://127.0.0.2:1/attachments/token/x/")
    with pytest.raises(IntegrationError) as err:
        await client.download(elsewhere, max_bytes=1000)
    assert not err.value.retryable


async def test_a_missing_file_is_not_found(
    client: ZendeskClient, fake_zendesk: FakeZendesk
) -> None:
    fake_zendesk.add_escalation(43, tags=("esc_senior", "esc_kyc"))
    fake_zendesk.add_attachment(43, "x.pdf", b"%PDF", content_type="application/pdf")
    [attachment] = (await client.files(43)).attachments
    fake_zendesk.state.files.clear()  # deleted (redacted) since it was listed
    with pytest.raises(NotFound):
        await client.download(attachment, max_bytes=1000)
