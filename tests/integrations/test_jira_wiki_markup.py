"""Data Center renders descriptions and comments as wiki markup: customer and agent text in
them reads literally (mentions, links, images, macros inert), as in Cloud's ADF text nodes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.domain import Requester
from bot.jira import issues
from bot.ports import IssueDraft
from bot.store.models import Escalation
from integrations.jira import JiraClient, wiki_text
from tests.fakes.jira_server import TOKEN, FakeJira, wiki_markup, wiki_shown

HOSTILE = [
    "[~admin] please approve",  # a mention: notifies and names a Jira user
    "see [click here|http://evil.example/login] to verify",  # a link that hides its address
    "[http://evil.example]",
    "!http://evil.example/pixel.png!",  # a remote image: a tracking pixel in every reader's page
    "!http://evil.example/x.png|width=1!",
    "{color:red}URGENT{color} refund approved",
    "{code}rm -rf /{code}",
    "{noformat}",  # would close a noformat block, were the text wrapped in one
    "{panel:title=Approved}ok{panel}",
    "*refund approved* by _compliance_",
    "{{monospace}} and ??citation?? and -strike- and +ins+ and ^sup^",
    "h1. Refund approved",
    "  h3. indented heading",
    "bq. quoted",
    "* a list item",
    "# a numbered item",
    "- a dash item",
    "----",
    "||head||head||",
    "|cell|cell|",
    "a line \\\\ break",
    "\\[~admin] a backslash of its own, \\\\",
    "(y) (!) :) ;) :-(",
    "[^attachment.pdf] and [#anchor]",
]


@pytest.fixture
def fake_dc() -> Iterator[FakeJira]:
    fake = FakeJira(cloud=False).start()
    yield fake
    fake.stop()


def dc_client(fake: FakeJira) -> JiraClient:
    return JiraClient(base_url=fake.url, token=TOKEN, email=None, cloud=False)


@pytest.mark.parametrize("text", HOSTILE)
def test_each_construct_reads_literally(text: str) -> None:
    assert wiki_markup(text), "the oracle sees the markup"  # the fake knows it for markup
    assert wiki_markup(wiki_text(text)) == []
    assert wiki_shown(wiki_text(text)) == text


def test_every_construct_at_once_across_lines_reads_literally() -> None:
    text = "\n".join(HOSTILE) + "\r\nh2. after a CRLF\rbq. after a CR"
    assert wiki_markup(wiki_text(text)) == []
    assert wiki_shown(wiki_text(text)) == text.replace("\r\n", "\n").replace("\r", "\n")


async def test_the_description_of_a_data_center_issue_is_inert(fake_dc: FakeJira) -> None:
    # A compliance case's issue carries the customer's name and words unmasked (SPEC §5).
    esc = Escalation(
        id=42,
        ticket_id=48213,
        category="aml",
        vip=False,
        language="en",
        subject="[~admin] {color:red}approved{color} [click|http://evil.example] !http://x/y.png!",
    )
    requester = Requester(id=7, name="*Ana* [~jira-admin]", email="ana@example.com")
    settings = Settings(zendesk_url="https://acme.zendesk.com")
    draft = issues.draft(settings, esc, project="COMP", issue_type="Task", requester=requester)
    issue = await dc_client(fake_dc).create_issue(draft)
    description = fake_dc.state.issues[issue.key]["fields"]["description"]
    link, *rest = description.split("\n\n")
    # The ticket's link is Baton's own and stays a link; everything after it is text.
    assert link == "[Zendesk ticket #48213|https://acme.zendesk.com/agent/tickets/48213]"
    body = "\n\n".join(rest)
    assert wiki_markup(body) == []
    shown = wiki_shown(body)
    assert f"Subject: {esc.subject}" in shown
    assert "Customer: *Ana* [~jira-admin] <ana@example.com>" in shown


async def test_a_data_center_comment_is_inert_and_still_found_by_its_marker(
    fake_dc: FakeJira,
) -> None:
    client = dc_client(fake_dc)
    draft = IssueDraft(
        project="PAY", issue_type="Task", summary="Payout", description=("x",), labels=("b",)
    )
    issue = await client.create_issue(draft)
    text = "Resolved.\nh1. {noformat}\n[~admin] [see|http://evil.example] !http://x/y.png!"
    marker = "[baton:jira:comment:PAY-1:1:0]"
    assert await client.add_comment(issue_key=issue.key, text=text, marker=marker, check=False)
    (stored,) = fake_dc.state.comments[issue.key]
    assert wiki_markup(stored["body"]) == []
    assert wiki_shown(stored["body"]) == f"{text}\n\n{marker}"
    # A retried delivery finds the escaped marker and writes nothing twice.
    assert not await client.add_comment(issue_key=issue.key, text=text, marker=marker, check=True)
    assert len(fake_dc.state.comments[issue.key]) == 1


async def test_a_comment_written_before_the_escaping_is_still_found(fake_dc: FakeJira) -> None:
    client = dc_client(fake_dc)
    draft = IssueDraft(
        project="PAY", issue_type="Task", summary="Payout", description=("x",), labels=("b",)
    )
    issue = await client.create_issue(draft)
    marker = "[baton:jira:comment:PAY-1:1:0]"
    fake_dc.state.comments[issue.key] = [{"id": "1", "body": f"Resolved.\n\n{marker}"}]
    assert not await client.add_comment(
        issue_key=issue.key, text="Resolved.", marker=marker, check=True
    )
