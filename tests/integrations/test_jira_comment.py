"""The Jira comment a resolution leaves: Cloud (an Atlassian Document) and Data Center (text),
and a retried delivery that finds its marker already there writes nothing twice."""

from __future__ import annotations

import pytest

from bot.ports import IssueDraft
from integrations.jira import JiraClient
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira

DRAFT = IssueDraft(
    project="PAY", issue_type="Task", summary="Payout stuck", description=("x",), labels=("b",)
)


@pytest.mark.parametrize("cloud", [True, False], ids=["cloud", "data-center"])
async def test_comment_lands_once_with_its_marker(cloud: bool) -> None:
    fake = FakeJira(cloud=cloud).start()
    try:
        client = JiraClient(
            base_url=fake.url, token=TOKEN, email=EMAIL if cloud else None, cloud=cloud
        )
        issue = await client.create_issue(DRAFT)
        text = "Zendesk ticket #48213 resolved.\nPayout released by the provider."
        marker = "[baton:jira:comment:PAY-1:1:0]"
        assert await client.add_comment(issue_key=issue.key, text=text, marker=marker, check=False)
        # The answer was lost: the retry looks first and finds it.
        assert not await client.add_comment(
            issue_key=issue.key, text=text, marker=marker, check=True
        )
        (comment,) = fake.comment_texts(issue.key)
        assert "Payout released by the provider." in comment and marker in comment
    finally:
        fake.stop()
