"""A fake Jira on a local port, Cloud or Data Center: issues, search, remote links, webhooks.

Usage: the `fake_jira` fixture (Cloud) or `FakeJira(cloud=False).start()`; point the client at
`fake.url`. Every request is recorded in `.requests`. Answers follow the recorded shapes in
tests/fakes/fixtures/jira (Atlassian's published examples).

It refuses what Jira refuses: Cloud answers 410 on the retired `/rest/api/{2,3}/search` and
wants an Atlassian Document as a v3 description; Data Center has no REST v3 and no
`/search/jql` (404); a label with a space, an unknown project, issue type or priority, a
summary that is empty, longer than 255 characters or holds a line break is a 400;
credentials of the wrong kind are a 401 (Cloud: e-mail + API token in basic auth; Data
Center: a personal access token as Bearer).
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fakes import base
from tests.fakes.base import HANG_UP, Answer, Failure, FakeServer, Request

EMAIL = "baton@example.com"
TOKEN = "jira-api-token"
PROJECTS = {"PAY": "10001", "PROD": "10002", "COMP": "10003"}
ISSUE_TYPES = {"Task": "10010", "Bug": "10011"}
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
# What Jira Cloud answers on the search endpoints it removed (CHANGE-2046).
REMOVED_SEARCH = {
    "errorMessages": [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
        "A full migration guideline is available at "
        "https://developer.atlassian.com/changelog/#CHANGE-2046"
    ],
    "errors": {},
}
JQL = re.compile(
    r'^project = "(?P<project>[^"]+)" AND labels = "(?P<label>[^"]+)"( ORDER BY created ASC)?$'
)

# How Data Center's wiki renderer reads a description or comment (Text Formatting Notation):
# a backslash takes back only these characters, and not after another backslash.
WIKI_ESCAPE = re.compile(r"(?<!\\)\\([-#*_+?^~|%{}\[\]()!@])")
# What it turns into something other than the text: each construct a reader would notice.
WIKI_MARKUP = {
    "mention": r"\[~[^\]]+\]",
    "link": r"\[[^\]\s][^\]]*\]",  # [alias|url], [url], [#anchor], [^attachment]
    "image": r"![^!\s][^!]*!",
    "macro": r"\{[a-zA-Z]+(?::[^}]*)?\}",  # {color}, {code}, {noformat}, {quote}, {panel}...
    "monospace": r"\{\{",
    "bold": r"(?<![\w*])\*[^*\s][^*]*\*(?![\w*])",
    "italic": r"(?<![\w_])_[^_\s][^_]*_(?![\w_])",
    "strike, inserted, sup, sub": r"(?<!\w)([-+^~])[^\s+^~-](?:[^\n]*?\S)?\1(?!\w)",
    "citation": r"\?\?[^?\n]+\?\?",
    "rule or dash": r"--",
    "heading": r"(?m)^[ \t]*h[1-6]\.",
    "quote": r"(?m)^[ \t]*bq\.",
    "list or table": r"(?m)^[ \t]*(?:[*#-]+\s|\|)",
    "line break": r"\\\\",
    "emoticon": r"\([a-z!?*/+-]{1,3}\)|[:;]-?[)(]",
}


def wiki_markup(text: str) -> list[str]:
    """The wiki constructs the text would render as ([] when it reads literally)."""
    escaped = WIKI_ESCAPE.sub("\x00", text)  # an escaped character takes part in nothing
    return [name for name, pattern in WIKI_MARKUP.items() if re.search(pattern, escaped)]


def wiki_shown(text: str) -> str:
    """The text a reader sees once the escapes are taken back (zero-width spaces unseen)."""
    return WIKI_ESCAPE.sub(r"\1", text).replace("\u200b", "")


def recorded(name: str) -> dict[str, Any]:
    return base.recorded("jira", name)


UNAVAILABLE: Answer = (503, {"Retry-After": "30"}, {"errorMessages": ["Service Unavailable"]})


@dataclass
class State:
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    links: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by issue key
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by issue key
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeJira(FakeServer):
    json_type = "application/json;charset=UTF-8"

    def __init__(self, *, cloud: bool = True, email: str = EMAIL, token: str = TOKEN) -> None:
        super().__init__()
        self.cloud, self.email, self.token = cloud, email, token
        self.state = State()
        self._ids = itertools.count(10000)
        self._numbers: dict[str, itertools.count[int]] = {}

    def start(self) -> FakeJira:
        super().start()
        return self

    # --- failure injection -----------------------------------------------------------------

    def fail_next(self, n: int = 1, *, status: int = 429, retry_after: str = "7") -> None:
        """Answer the next n requests with status (429: Cloud's documented rate-limit headers)."""
        headers = {"Content-Type": "application/json"}
        if status in (429, 503):
            headers |= {"Retry-After": retry_after, "RateLimit-Reason": "jira-burst-based"}
        body = {"errorMessages": ["Rate limit exceeded." if status == 429 else "Unavailable"]}
        self.inject(Failure((status, headers, body)), n)

    def lose_next_answer(self, n: int = 1) -> None:
        """Carry out the next n requests, then hang up instead of answering."""
        self.inject(Failure((HANG_UP, {}, None), act=True), n)

    def down(self) -> None:
        self.set_outage(UNAVAILABLE)

    def up(self) -> None:
        self.set_outage(None)

    # --- views for tests -------------------------------------------------------------------

    def issues_labelled(self, label: str) -> list[dict[str, Any]]:
        return [i for i in self.state.issues.values() if label in i["fields"]["labels"]]

    # --- the API ---------------------------------------------------------------------------

    def authorize(self, request: Request) -> Answer | None:
        header = request.headers.get("Authorization")
        if self.cloud:
            basic = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            ok = header == f"Basic {basic}"
        else:
            ok = header == f"Bearer {self.token}"
        return None if ok else (401, {}, {"errorMessages": ["You are not authenticated."]})

    def route(self, request: Request) -> Answer:
        method, path, query, body = request.method, request.path, request.query, request.json
        if path == "/rest/webhooks/1.0/webhook" or path.startswith("/rest/webhooks/1.0/webhook/"):
            return self._webhooks(method, path, body)
        m = re.fullmatch(r"/rest/api/(2|3|latest)/(.+)", path)
        if not m:
            return 404, {}, {"errorMessages": ["Not found"]}
        version, rest = m.group(1), m.group(2)
        if version == "3" and not self.cloud:
            return 404, {}, None  # Data Center serves REST v2 only
        if rest == "serverInfo" and method == "GET":
            return 200, {}, self._server_info()
        if rest in ("search", "search/jql"):
            return self._search(method, rest, query, body)
        if rest == "issue" and method == "POST":
            return self._create(version, body)
        if rest == "field":
            return 200, {}, [{"id": "summary", "name": "Summary", "clauseNames": ["summary"]}]
        if link := re.fullmatch(r"issue/([^/]+)/remotelink", rest):
            return self._remote_links(method, link.group(1), body)
        if comment := re.fullmatch(r"issue/([^/]+)/comment", rest):
            return self._comments(method, version, comment.group(1), body)
        if one := re.fullmatch(r"issue/([^/]+)", rest):
            issue = self._issue(one.group(1))
            return (
                (200, {}, issue)
                if issue
                else (404, {}, {"errorMessages": ["Issue does not exist"]})
            )
        return 404, {}, {"errorMessages": ["Not found"]}

    def _server_info(self) -> dict[str, Any]:
        if self.cloud:
            info = dict(recorded("server_info_cloud_real.json")["response"]["body"])
        else:
            # Atlassian's example, as a Data Center 9.12 would fill it in.
            info = dict(recorded("server_info.json")["responses"]["200"]["example"])
            info |= {"version": "9.12.0", "versionNumbers": [9, 12, 0], "deploymentType": "Server"}
        info["baseUrl"] = self.url
        return info

    def _issue(self, key_or_id: str) -> dict[str, Any] | None:
        return self.state.issues.get(key_or_id) or next(
            (i for i in self.state.issues.values() if i["id"] == key_or_id), None
        )

    def _search(self, method: str, rest: str, query: dict[str, list[str]], body: Any) -> Any:
        if self.cloud and rest == "search":
            return 410, {}, REMOVED_SEARCH
        if not self.cloud and rest == "search/jql":
            return 404, {}, None
        params = (
            body
            if method == "POST" and isinstance(body, dict)
            else {k: v[0] for k, v in query.items()}
        )
        m = JQL.match(str(params.get("jql", "")))
        if not m:
            return 400, {}, {"errorMessages": ["The fake understands only project and labels"]}
        found = [
            {"id": i["id"], "key": i["key"], "self": i["self"], "fields": i["fields"]}
            for i in self.state.issues.values()
            if i["fields"]["project"]["key"] == m["project"] and m["label"] in i["fields"]["labels"]
        ]
        limit = int(params.get("maxResults") or 50)
        if self.cloud:
            return 200, {}, {"issues": found[:limit], "isLast": True}
        return (
            200,
            {},
            {"startAt": 0, "maxResults": limit, "total": len(found), "issues": found[:limit]},
        )

    def _create(self, version: str, body: Any) -> Any:
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return 400, {}, {"errorMessages": ["Can not deserialize instance"], "errors": {}}
        errors: dict[str, str] = {}
        project = (fields.get("project") or {}).get("key") or ""
        if project not in PROJECTS:
            errors["project"] = "valid project is required"
        kind = fields.get("issuetype") or {}
        if kind.get("name") not in ISSUE_TYPES and kind.get("id") not in ISSUE_TYPES.values():
            errors["issuetype"] = "valid issue type is required"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        elif "\n" in summary or "\r" in summary:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        description = fields.get("description")
        if version == "3" and not (
            isinstance(description, dict) and description.get("type") == "doc"
        ):
            errors["description"] = (
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        if version == "2" and not isinstance(description, str):
            errors["description"] = "Operation value must be a string"
        labels = fields.get("labels") or []
        if any(not isinstance(x, str) or " " in x for x in labels):
            errors["labels"] = "The label can't contain spaces."
        if "priority" in fields and (fields["priority"] or {}).get("name") not in PRIORITIES:
            errors["priority"] = "The priority selected is invalid."
        if errors:
            return 400, {}, {"errorMessages": [], "errors": errors}
        with self._lock:
            number = next(self._numbers.setdefault(project, itertools.count(1)))
            issue_id = str(next(self._ids))
        key = f"{project}-{number}"
        issue = {
            "id": issue_id,
            "key": key,
            "self": f"{self.url}/rest/api/{version}/issue/{issue_id}",
            "fields": {
                **fields,
                "project": {"id": PROJECTS[project], "key": project},
                "labels": list(labels),
                "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            },
        }
        self.state.issues[key] = issue
        answer = dict(recorded("create_issue.json")["responses"]["201"]["example"])
        answer |= {"id": issue_id, "key": key, "self": issue["self"]}
        return 201, {}, answer

    def _remote_links(self, method: str, key: str, body: Any) -> Any:
        issue = self._issue(key)
        if issue is None:
            return (
                404,
                {},
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ]
                },
            )
        links = self.state.links.setdefault(issue["key"], [])
        if method == "GET":
            return 200, {}, links
        obj = body.get("object") if isinstance(body, dict) else None
        if not isinstance(obj, dict) or not obj.get("title"):
            return 400, {}, {"errorMessages": [], "errors": {"title": "'title' is required."}}
        global_id = body.get("globalId")
        for existing in links:
            if global_id and existing.get("globalId") == global_id:
                existing.update(body)
                return 200, {}, {"id": existing["id"], "self": existing["self"]}
        link_id = next(self._ids)
        own = f"{self.url}/rest/api/2/issue/{issue['key']}/remotelink/{link_id}"
        links.append({"id": link_id, "self": own, **body})
        return 201, {}, {"id": link_id, "self": own}

    def _comments(self, method: str, version: str, key: str, body: Any) -> Any:
        issue = self._issue(key)
        if issue is None:
            return (
                404,
                {},
                {"errorMessages": ["Issue does not exist or you do not have permission."]},
            )
        comments = self.state.comments.setdefault(issue["key"], [])
        if method == "GET":
            return (
                200,
                {},
                {"startAt": 0, "maxResults": 50, "total": len(comments), "comments": comments},
            )
        text = body.get("body") if isinstance(body, dict) else None
        # REST v3 takes an Atlassian Document only; v2 a string.
        ok = (
            isinstance(text, dict) and text.get("type") == "doc"
            if version == "3"
            else (isinstance(text, str) and text.strip())
        )
        if not ok:
            return (
                400,
                {},
                {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}},
            )
        comment_id = str(next(self._ids))
        own = f"{self.url}/rest/api/{version}/issue/{issue['id']}/comment/{comment_id}"
        comments.append({"id": comment_id, "self": own, "body": text})
        return 201, {}, {"id": comment_id, "self": own, "body": text}

    def comment_texts(self, key: str) -> list[str]:
        """Each comment on the issue as a reader sees it: an Atlassian Document flattened (Cloud),
        wiki markup with its escapes taken back (Data Center)."""

        def flat(node: Any) -> str:
            if isinstance(node, str):
                return wiki_shown(node)
            if isinstance(node, dict):
                if node.get("type") == "text":
                    return str(node.get("text", ""))
                return "\n".join(flat(c) for c in node.get("content", []))
            return ""

        return [flat(c["body"]) for c in self.state.comments.get(key, [])]

    def _webhooks(self, method: str, path: str, body: Any) -> Any:
        hooks = self.state.webhooks
        if method == "GET" and path.endswith("/webhook"):
            return 200, {}, list(hooks.values())
        if method == "POST" and path.endswith("/webhook"):
            webhook_id = str(next(self._ids))
            own = f"{self.url}/rest/webhooks/1.0/webhook/{webhook_id}"
            hooks[webhook_id] = {**body, "self": own, "enabled": True}
            return 201, {}, hooks[webhook_id]
        webhook_id = path.rpartition("/")[2]
        if webhook_id not in hooks:
            return 404, {}, None
        if method == "PUT":
            hooks[webhook_id] = {**hooks[webhook_id], **body}
            return 200, {}, hooks[webhook_id]
        return 405, {}, None


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    """A running fake Jira Cloud, fresh per test."""
    fake = FakeJira().start()
    yield fake
    fake.stop()
