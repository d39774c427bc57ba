"""Jira through the `jira` library: issues in and out as Baton dataclasses, webhook setup.

Every call runs in a thread (the library is synchronous), with a timeout, and fails as
IntegrationError; the library's own retries are off (``max_retries=0``): the outbox retries.

The client is built without the serverInfo request the library makes by default, so it
would take every server for Data Center and search through ``/rest/api/2/search``, which
Jira Cloud has retired. ``JIRA_DEPLOYMENT`` says which it is: Cloud speaks REST v3 (ADF
descriptions, ``/rest/api/3/search/jql``); Data Center speaks v2 (wiki markup,
``/rest/api/2/search``). Data Center renders a description or comment as wiki markup, so
Baton's text (customer and agent words in it) is escaped first (``wiki_text``): it reads
literally there, as it does in Cloud's ADF text nodes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError
from requests.adapters import HTTPAdapter

from bot.config import Settings
from bot.errors import ConfigError, IntegrationError, NotFound
from bot.ports import JIRA_SERVICE, IssueDraft, JiraIssue, JiraServerInfo, JiraWebhookSetup
from integrations import _http

log = logging.getLogger(__name__)

TIMEOUT = (5.0, 20.0)  # connect, read (seconds); the library's default is none
RETRYABLE_STATUSES = frozenset({408})  # besides the common rule (integrations/_http.py)
WEBHOOK_NAME = "Baton escalations"
WEBHOOK_API = "rest/webhooks/1.0/webhook"
# The only fields a search asks for: system fields, whose ids are their JQL names.
SEARCH_FIELDS = ("status", "labels")
T = TypeVar("T")


def adf(draft: IssueDraft) -> dict[str, Any]:
    """The description as an Atlassian Document (REST v3 takes no plain strings)."""
    content: list[dict[str, Any]] = []
    if draft.link_url:
        title = draft.link_title or draft.link_url
        mark = {"type": "link", "attrs": {"href": draft.link_url}}
        node = {"type": "text", "text": title, "marks": [mark]}
        content.append({"type": "paragraph", "content": [node]})
    for text in draft.description:
        if text:
            content.append({"type": "paragraph", "content": [{"type": "text", "text": text}]})
    return {"type": "doc", "version": 1, "content": content}


# The characters Jira's wiki renderer gives back from a backslash escape, and only those (a
# backslash before anything else is shown as it is): lists, tables, bold, mentions, links,
# images, macros, emoticons and citations all start with one of them.
WIKI_SPECIAL = re.compile(r"[-#*_+?^~|%{}\[\]()!@]")
# Line-start markup no backslash escape reaches: headings (h1. to h6.) and quotes (bq.).
WIKI_LINE_START = re.compile(r"^([ \t]*)(?=(?:h[1-6]|bq)\.)", re.MULTILINE | re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def wiki_text(text: str) -> str:
    """text as Jira wiki markup that renders literally, whatever it holds.

    Backslash escapes rather than a ``{noformat}`` block: nothing in a noformat block can be
    escaped, so text holding ``{noformat}`` would close it and the rest would be markup again;
    escaped characters cannot be un-escaped by anything that follows. A backslash of the text
    itself is followed by a zero-width space, so it neither pairs with the next into ``\\\\``
    (a line break) nor cancels an escape; a heading or quote word at a line start is preceded
    by one, which the renderer does not take for the line's start.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\" + ZERO_WIDTH_SPACE)
    text = WIKI_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return WIKI_LINE_START.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, text)


def wiki(draft: IssueDraft) -> str:
    """The description as wiki markup (REST v2): the ticket's link, then the text, escaped."""
    lines = []
    if draft.link_url:
        title = re.sub(r"[\[\]|]", " ", draft.link_title or "").strip() or draft.link_url
        lines.append(f"[{title}|{draft.link_url}]")
    return "\n\n".join([*lines, *(wiki_text(t) for t in draft.description if t)])


def issue_fields(draft: IssueDraft, *, cloud: bool) -> dict[str, Any]:
    """The create-issue fields, with ids or keys only, so the library looks nothing up."""
    kind = draft.issue_type
    fields: dict[str, Any] = {
        "project": {"key": draft.project},
        "issuetype": {"id": kind} if kind.isdigit() else {"name": kind},
        "summary": " ".join(draft.summary.split())[:250],
        "description": adf(draft) if cloud else wiki(draft),
        "labels": list(draft.labels),
    }
    if draft.priority:
        fields["priority"] = {"name": draft.priority}
    return fields


def jql_string(value: str) -> str:
    """A JQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JiraClient:
    """JiraPort over the `jira` library; one client per process."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        email: str | None,
        cloud: bool,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cloud = cloud
        self.timeout = timeout
        auth: dict[str, Any] = (
            {"basic_auth": (email, token)} if email else {"token_auth": token}
        )  # Cloud: e-mail + API token; Data Center: a personal access token (Bearer)
        self.jira = JIRA(
            server=self.base_url,
            options={"rest_api_version": "3" if cloud else "2"},
            get_server_info=False,  # no request at start; the deployment is a setting
            max_retries=0,  # ResilientSession would sleep out 429/503 itself: the outbox retries
            timeout=timeout,
            **auth,
        )
        # What serverInfo would have told the library: Cloud searches through /search/jql.
        self.jira.deploymentType = "Cloud" if cloud else "Server"
        # Searches translate field names through GET /field, fetched once; ours are system
        # fields named as their ids, so the table is known and that request is never made.
        self.jira._fields_cache_value = {name: name for name in SEARCH_FIELDS}
        # Our own session for the admin webhook API (no library method): same auth, no retries.
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, HTTPAdapter(max_retries=0))
        if email:
            self.session.auth = (email, token)
        else:
            self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraClient:
        """Build the client from JIRA_URL, JIRA_API_TOKEN, JIRA_EMAIL and JIRA_DEPLOYMENT."""
        if not settings.jira_configured or not settings.jira_url or not settings.jira_api_token:
            raise ConfigError(
                "JIRA_URL and JIRA_API_TOKEN must be set (and JIRA_EMAIL for Jira Cloud)"
            )
        return cls(
            base_url=settings.jira_url,
            token=settings.jira_api_token,
            email=settings.jira_email,
            cloud=settings.jira_deployment == "cloud",
        )

    def issue_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    async def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one blocking call in a thread and translate its failure."""
        try:
            return await asyncio.to_thread(fn)
        except JIRAError as err:
            raise self._http_error(what, err.status_code, err.response) from err
        except (requests.Timeout, requests.ConnectionError) as err:
            raise _http.unreachable(JIRA_SERVICE, what, err) from err
        except (requests.RequestException, ValueError, KeyError, TypeError) as err:
            log.warning("jira.bad_response", extra={"call": what, "error": type(err).__name__})
            raise IntegrationError(JIRA_SERVICE, f"{what}: unexpected response ({err})") from err

    def _http_error(
        self, what: str, status: int | None, response: requests.Response | None
    ) -> IntegrationError | NotFound:
        return _http.http_error(
            JIRA_SERVICE,
            what,
            status=status,
            headers=response.headers if response is not None else None,
            body=response.text if response is not None else "",
            also=RETRYABLE_STATUSES,
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/{path}", timeout=self.timeout, **kwargs
        )
        if not response.ok:
            raise JIRAError(status_code=response.status_code, response=response)
        return response.json() if response.content else None

    async def create_issue(self, draft: IssueDraft) -> JiraIssue:
        """Create one issue; prefetch off: the answer's key and id are all we keep."""
        fields = issue_fields(draft, cloud=self.cloud)
        issue = await self._call(
            f"create issue in {draft.project}",
            lambda: self.jira.create_issue(fields=fields, prefetch=False),
        )
        raw = issue.raw
        return JiraIssue(key=str(raw["key"]), id=str(raw["id"]), url=self.issue_url(raw["key"]))

    async def find_issue(self, *, project: str, label: str) -> JiraIssue | None:
        """The oldest issue of project with label: how a retried create finds the first one."""
        jql = (
            f"project = {jql_string(project)} AND labels = {jql_string(label)} ORDER BY created ASC"
        )
        found = await self._call(
            f"search {project} for {label}",
            lambda: self.jira.search_issues(
                jql, maxResults=1, fields=list(SEARCH_FIELDS), json_result=True
            ),
        )
        issues = found.get("issues") or []
        if not issues:
            return None
        key = str(issues[0]["key"])
        return JiraIssue(key=key, id=str(issues[0]["id"]), url=self.issue_url(key))

    async def add_remote_link(self, *, issue_key: str, url: str, title: str, check: bool) -> bool:
        """Link the issue to the ticket; with check, only when no link to url is there yet."""
        if check:
            links = await self._call(
                f"list links of {issue_key}", lambda: self.jira.remote_links(issue_key)
            )
            if any(getattr(getattr(k, "object", None), "url", None) == url for k in links):
                return False
        link = {"url": url, "title": title}
        await self._call(
            f"link {issue_key}", lambda: self.jira.add_simple_link(issue_key, object=link)
        )
        return True

    async def add_comment(self, *, issue_key: str, text: str, marker: str, check: bool) -> bool:
        """Comment on an issue; with check, only when no comment carries the marker yet."""
        path = f"rest/api/{'3' if self.cloud else '2'}/issue/{issue_key}/comment"
        if check:
            found = await self._call(
                f"list comments of {issue_key}", lambda: self._request("GET", path)
            )
            listed = json.dumps((found or {}).get("comments") or [])
            # Data Center stores the escaped marker (earlier comments: the marker as it is).
            if any(json.dumps(m)[1:-1] in listed for m in (marker, wiki_text(marker))):
                return False
        full = f"{text}\n\n{marker}"
        body: Any = f"{wiki_text(text)}\n\n{wiki_text(marker)}"  # Data Center: wiki markup
        if self.cloud:  # REST v3 takes an Atlassian Document, not a string
            paragraphs = [p for p in full.split("\n") if p.strip()]
            body = {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": p}]}
                    for p in paragraphs
                ],
            }
        await self._call(
            f"comment on {issue_key}", lambda: self._request("POST", path, json={"body": body})
        )
        return True

    async def server_info(self) -> JiraServerInfo:
        """Read serverInfo once (`baton jira setup` checks the JIRA_DEPLOYMENT setting)."""
        info = await self._call("read server info", self.jira.server_info)
        return JiraServerInfo(
            base_url=str(info.get("baseUrl") or self.base_url),
            version=str(info.get("version") or ""),
            # Data Center says "Server" or "DataCenter"; old servers say nothing.
            deployment_type=str(info.get("deploymentType") or "Server"),
            title=str(info.get("serverTitle") or ""),
        )

    async def setup_webhook(
        self, *, url: str, secret: str | None, events: tuple[str, ...], jql: str
    ) -> JiraWebhookSetup:
        """Create, or update in place, the webhook named WEBHOOK_NAME."""
        body: dict[str, Any] = {
            "name": WEBHOOK_NAME,
            "url": url,
            "events": list(events),
            "filters": {"issue-related-events-section": jql},
            "excludeBody": False,
        }
        if secret:
            body["secret"] = secret
        existing = await self._call("list webhooks", lambda: self._request("GET", WEBHOOK_API))
        mine = next(
            (w for w in existing or [] if w.get("name") == WEBHOOK_NAME or w.get("url") == url),
            None,
        )
        if mine is None:
            made = await self._call(
                "create webhook", lambda: self._request("POST", WEBHOOK_API, json=body)
            )
            webhook_id, created = _webhook_id(made), True
        else:
            webhook_id, created = _webhook_id(mine), False
            await self._call(
                "update webhook",
                lambda: self._request("PUT", f"{WEBHOOK_API}/{webhook_id}", json=body),
            )
        log.info("jira.webhook_setup", extra={"webhook_id": webhook_id, "webhook_created": created})
        return JiraWebhookSetup(
            webhook_id=webhook_id, created=created, url=url, events=events, jql=jql
        )


def _webhook_id(webhook: Any) -> str:
    """The id of a webhook entry: its "self" URL ends with it."""
    if isinstance(webhook, dict):
        if webhook.get("id") is not None:
            return str(webhook["id"])
        return str(webhook.get("self", "")).rstrip("/").rpartition("/")[2]
    raise ValueError("webhook answer is not an object")
