"""The real `jira` client against the fake Jira: Cloud and Data Center endpoints, no retries."""

from __future__ import annotations

import time

import pytest

from bot.errors import IntegrationError
from bot.ports import IssueDraft
from integrations.jira import JiraClient
from tests.fakes.jira_server import EMAIL, TOKEN, FakeJira

DRAFT = IssueDraft(
    project="PAY",
    issue_type="Task",
    summary="VIP ticket #48213 (withdrawal): Saque não recebido",
    description=("Category: withdrawal · VIP: yes", "Opened by Baton for escalation 7."),
    labels=("baton", "baton-esc-7", "baton-withdrawal"),
    link_title="Zendesk ticket #48213",
    link_url="https://acme.zendesk.com/agent/tickets/48213",
    priority="High",
)


def cloud_client(fake: FakeJira, **kw: object) -> JiraClient:
    return JiraClient(base_url=fake.url, token=TOKEN, email=EMAIL, cloud=True, **kw)  # type: ignore[arg-type]


@pytest.fixture
def fake_dc() -> FakeJira:
    fake = FakeJira(cloud=False).start()
    yield fake  # type: ignore[misc]
    fake.stop()


def dc_client(fake: FakeJira) -> JiraClient:
    return JiraClient(base_url=fake.url, token=TOKEN, email=None, cloud=False)


async def test_construction_makes_no_request(fake_jira: FakeJira) -> None:
    cloud_client(fake_jira)
    assert fake_jira.requests == []


async def test_cloud_creates_with_an_adf_description_and_no_lookups(fake_jira: FakeJira) -> None:
    client = cloud_client(fake_jira)
    issue = await client.create_issue(DRAFT)
    assert issue.key == "PAY-1" and issue.url == f"{fake_jira.url}/browse/PAY-1"
    # One request: no project or issue-type lookups, no reload of the created issue.
    assert [(r.method, r.path) for r in fake_jira.requests] == [("POST", "/rest/api/3/issue")]
    fields = fake_jira.requests[0].json["fields"]
    assert fields["project"] == {"key": "PAY"} and fields["issuetype"] == {"name": "Task"}
    assert fields["priority"] == {"name": "High"}
    first = fields["description"]["content"][0]["content"][0]
    assert first["marks"][0]["attrs"]["href"] == DRAFT.link_url
    assert fake_jira.requests[0].headers["authorization"].startswith("Basic ")


async def test_cloud_searches_through_search_jql(fake_jira: FakeJira) -> None:
    client = cloud_client(fake_jira)
    assert await client.find_issue(project="PAY", label="baton-esc-7") is None
    made = await client.create_issue(DRAFT)
    found = await client.find_issue(project="PAY", label="baton-esc-7")
    assert found == made
    paths = {r.path for r in fake_jira.requests if r.method == "GET"}
    assert paths == {"/rest/api/3/search/jql"}  # never the retired /search, never /field


async def test_the_library_left_to_itself_would_search_the_retired_endpoint(
    fake_jira: FakeJira,
) -> None:
    # Why JIRA_DEPLOYMENT exists: without serverInfo the library takes Cloud for Data Center.
    from jira import JIRA, JIRAError

    naive = JIRA(
        server=fake_jira.url, basic_auth=(EMAIL, TOKEN), get_server_info=False, max_retries=0
    )
    with pytest.raises(JIRAError) as err:
        naive.search_issues('project = "PAY" AND labels = "x"', json_result=True)
    assert err.value.status_code == 410


async def test_data_center_uses_v2_plain_text_and_bearer(fake_dc: FakeJira) -> None:
    client = dc_client(fake_dc)
    issue = await client.create_issue(DRAFT)
    assert await client.find_issue(project="PAY", label="baton-esc-7") == issue
    req = fake_dc.requests[0]
    assert req.path == "/rest/api/2/issue" and req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.json["fields"]["description"].startswith(f"[Zendesk ticket #48213|{DRAFT.link_url}]")
    assert [r.path for r in fake_dc.requests[1:]] == ["/rest/api/2/search"]


async def test_server_info_tells_cloud_from_data_center(
    fake_jira: FakeJira, fake_dc: FakeJira
) -> None:
    assert (await cloud_client(fake_jira).server_info()).cloud
    info = await dc_client(fake_dc).server_info()
    assert not info.cloud and info.version == "9.12.0"


async def test_remote_link_is_added_once_when_checked(fake_jira: FakeJira) -> None:
    client = cloud_client(fake_jira)
    issue = await client.create_issue(DRAFT)
    url = "https://acme.zendesk.com/agent/tickets/48213"
    assert await client.add_remote_link(issue_key=issue.key, url=url, title="t", check=False)
    assert not await client.add_remote_link(issue_key=issue.key, url=url, title="t", check=True)
    assert len(fake_jira.state.links[issue.key]) == 1
    assert fake_jira.state.links[issue.key][0]["object"] == {"url": url, "title": "t"}
    # No application-links listing (admin only) before linking.
    assert not fake_jira.requests_to("GET", r"/rest/applinks/.*")


async def test_rate_limit_fails_at_once_with_retry_after(fake_jira: FakeJira) -> None:
    fake_jira.fail_next(1, status=429, retry_after="7")
    started = time.monotonic()
    with pytest.raises(IntegrationError) as err:
        await cloud_client(fake_jira).create_issue(DRAFT)
    assert time.monotonic() - started < 2  # the library did not sleep and retry
    assert err.value.retryable and err.value.retry_after == 7 and err.value.status == 429
    assert len(fake_jira.requests) == 1


async def test_refusals_are_not_retryable(fake_jira: FakeJira) -> None:
    bad = IssueDraft(**{**DRAFT.__dict__, "labels": ("has space",)})
    with pytest.raises(IntegrationError) as err:
        await cloud_client(fake_jira).create_issue(bad)
    assert err.value.status == 400 and not err.value.retryable


async def test_timeouts_apply_to_every_request(fake_jira: FakeJira) -> None:
    fake_jira.delay = 1.0
    client = cloud_client(fake_jira, timeout=(1.0, 0.3))
    with pytest.raises(IntegrationError) as err:
        await client.find_issue(project="PAY", label="x")
    assert err.value.retryable
