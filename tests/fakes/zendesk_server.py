"""A fake Zendesk API on a local port: in-memory tickets, webhooks, triggers, failure injection.

Usage: the `fake_zendesk` fixture (import it into a test module or conftest) yields a running
FakeZendesk; point a client at `fake_zendesk.url`. Every request is recorded in `.requests`.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zendesk"
EMAIL = "agent@example.com"
TOKEN = "apitoken"
NOW = "2024-05-01T10:00:00Z"


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeout tests) are expected here, not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


RATE_LIMITED = _recorded("rate_limited_429.json")["response"]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.time)  # when it arrived (benchmarks time updates)


@dataclass
class Failure:
    status: int
    headers: dict[str, str]
    body: str | bytes


@dataclass
class State:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    triggers: dict[int, dict[str, Any]] = field(default_factory=dict)


class FakeZendesk:
    """The fake's state and controls; the HTTP server runs in a daemon thread."""

    def __init__(self, *, email: str = EMAIL, token: str = TOKEN) -> None:
        self.email, self.token = email, token
        self.state = State()
        self.requests: list[Recorded] = []
        self._failures: list[Failure] = []
        self._down = False
        self.delay = 0.0  # seconds to wait before answering, to provoke client timeouts
        self._lock = threading.Lock()
        self._ids = itertools.count(9000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.seed()

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZendesk:
        server = _QuietServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- failure injection -----------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 429,
        headers: dict[str, str] | None = None,
        body: str | bytes | None = None,
    ) -> None:
        """Answer the next n requests with status (default: Zendesk's recorded 429)."""
        if status == 429 and headers is None and body is None:
            headers = {"Content-Type": "text/plain", "Retry-After": "1"}
            body = RATE_LIMITED["body"]
        failure = Failure(
            status, headers or {"Content-Type": "application/json"}, body or '{"error":"x"}'
        )
        with self._lock:
            self._failures.extend([failure] * n)

    def down(self, *, refuse: bool = False) -> None:
        """Answer 503 to everything, or (refuse=True) stop listening altogether."""
        if refuse:
            self.stop()
        else:
            self._down = True

    def up(self) -> None:
        """Serve normally again (on the same port)."""
        self._down = False
        if self._server is None:
            self.start()

    def _next_failure(self) -> Failure | None:
        with self._lock:
            if self._down:
                return Failure(503, {"Content-Type": "text/plain"}, "Service Unavailable")
            return self._failures.pop(0) if self._failures else None

    # --- data ------------------------------------------------------------------------------

    def seed(self) -> None:
        """Ticket 2 from the recorded show-ticket body, with its requester and organization."""
        ticket = _recorded("ticket_show_200.json")["response"]["body"]["ticket"]
        self.add_ticket(copy.deepcopy(ticket))
        self.add_user(
            id=ticket["requester_id"],
            name="Yosuke Tamura",
            email="nukosuke@lavabit.com",
            locale="ja",
            time_zone="Tokyo",
            iana_time_zone="Asia/Tokyo",
            organization_id=ticket["organization_id"],
        )
        self.add_organization(id=ticket["organization_id"], name="Lavabit VIP", tags=["vip"])

    def add_ticket(self, ticket: dict[str, Any], comments: list[str] | None = None) -> None:
        tid = int(ticket["id"])
        self.state.tickets[tid] = ticket
        texts = comments if comments is not None else [ticket.get("description") or ""]
        self.state.comments[tid] = [
            self._comment(t, public=True, author=ticket.get("requester_id")) for t in texts
        ]

    def add_escalation(
        self,
        ticket_id: int,
        *,
        tags: tuple[str, ...] = ("esc_senior", "esc_withdrawal"),
        text: str = "Olá, meu saque TX-8F3K29Q1 de ontem ainda não caiu na minha conta.",
        subject: str = "Saque não recebido",
        requester_id: int = 7001,
        email: str | None = None,
        created_at: str = "2026-11-16T12:55:00Z",
        updated_at: str = "2026-11-16T12:58:00Z",
    ) -> None:
        """A ticket an agent escalated, shaped like the show-ticket body, with its requester."""
        self.add_user(
            id=requester_id,
            name="Cliente",
            email=email or f"c{requester_id}@example.com",
            locale="pt-BR",
            time_zone="Brasilia",
            organization_id=None,
        )
        self.add_ticket(
            {
                "id": ticket_id,
                "url": f"{self.url}/api/v2/tickets/{ticket_id}.json",
                "subject": subject,
                "raw_subject": subject,
                "description": text,
                "status": "open",
                "priority": "normal",
                "requester_id": requester_id,
                "submitter_id": 500101,
                "assignee_id": None,
                "organization_id": None,
                "tags": list(tags),
                "created_at": created_at,
                "updated_at": updated_at,
                "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
            }
        )

    def add_user(self, **user: Any) -> None:
        self.state.users[int(user["id"])] = {"role": "end-user", "tags": [], **user}

    def add_organization(self, **org: Any) -> None:
        self.state.organizations[int(org["id"])] = org

    def _comment(self, body: str, *, public: bool, author: Any) -> dict[str, Any]:
        return {
            "id": next(self._ids),
            "type": "Comment",
            "author_id": author,
            "body": body,
            "html_body": f"<p>{body}</p>",
            "plain_body": body,
            "public": public,
            "attachments": [],
            "created_at": NOW,
        }

    def requests_to(self, method: str, path_pattern: str) -> list[Recorded]:
        """Recorded requests with this method whose path matches the regex."""
        return [
            r for r in self.requests if r.method == method and re.fullmatch(path_pattern, r.path)
        ]


Response = tuple[int, dict[str, str], Any]
NOT_FOUND: Response = (
    404,
    {},
    {"error": "RecordNotFound", "description": "Not found"},
)
PAGE = {"meta": {"has_more": False, "after_cursor": None, "before_cursor": None}}


def _route(
    fake: FakeZendesk, method: str, path: str, query: dict[str, list[str]], body: Any
) -> Response:
    s = fake.state
    if m := re.fullmatch(r"/api/v2/tickets/(\d+)\.json", path):
        tid = int(m[1])
        if tid not in s.tickets:
            return NOT_FOUND
        if method == "GET":
            return 200, {}, _show_ticket(fake, tid, query)
        if method == "PUT":
            return 200, {}, _update_ticket(fake, tid, (body or {}).get("ticket", {}))
    if (m := re.fullmatch(r"/api/v2/tickets/(\d+)/comments\.json", path)) and method == "GET":
        if int(m[1]) not in s.tickets:
            return NOT_FOUND
        return 200, {}, {"comments": s.comments[int(m[1])], **PAGE, "links": {"next": None}}
    if path == "/api/v2/webhooks":
        if method == "GET":
            name = query.get("filter[name_contains]", [""])[0]
            found = [w for w in s.webhooks.values() if name in w["name"]]
            return 200, {}, {"webhooks": found, **PAGE, "links": {"next": None, "prev": None}}
        if method == "POST":
            wid = f"01HBATON{next(fake._ids)}"
            hook = {**body["webhook"], "id": wid, "created_at": NOW}
            hook.pop("signing_secret", None)
            s.webhooks[wid] = hook
            s.secrets[wid] = base64.b64encode(f"secret-{wid}".encode()).decode()
            return 201, {}, {"webhook": hook}
    if m := re.fullmatch(r"/api/v2/webhooks/(\w+)(/signing_secret)?", path):
        wid = m[1]
        if wid not in s.webhooks:
            return NOT_FOUND
        if m[2] and method == "GET":
            return 200, {}, {"signing_secret": {"algorithm": "SHA256", "secret": s.secrets[wid]}}
        if method == "GET":
            return 200, {}, {"webhook": s.webhooks[wid]}
        if method == "PUT":
            s.webhooks[wid] = {**body["webhook"], "id": wid, "created_at": NOW}
            return 204, {}, None
    if path == "/api/v2/triggers.json":
        if method == "GET":
            return 200, {}, {"triggers": list(s.triggers.values()), **PAGE, "links": {"next": None}}
        if method == "POST":
            trigger = {**body["trigger"], "id": next(fake._ids), "created_at": NOW}
            s.triggers[trigger["id"]] = trigger
            return 201, {}, {"trigger": trigger}
    if (m := re.fullmatch(r"/api/v2/triggers/(\d+)\.json", path)) and method == "PUT":
        tid = int(m[1])
        if tid not in s.triggers:
            return NOT_FOUND
        s.triggers[tid] = {**s.triggers[tid], **body["trigger"], "id": tid}
        return 200, {}, {"trigger": s.triggers[tid]}
    return NOT_FOUND


def _show_ticket(fake: FakeZendesk, tid: int, query: dict[str, list[str]]) -> dict[str, Any]:
    s = fake.state
    ticket = s.tickets[tid]
    out: dict[str, Any] = {"ticket": ticket}
    include = set(",".join(query.get("include", [])).split(","))
    if "users" in include:
        ids = {ticket.get(k) for k in ("requester_id", "submitter_id", "assignee_id")}
        out["users"] = [u for uid, u in s.users.items() if uid in ids]
    if "organizations" in include:
        ids = {ticket.get("organization_id")} | {u.get("organization_id") for u in s.users.values()}
        out["organizations"] = [o for oid, o in s.organizations.items() if oid in ids]
    return out


def _update_ticket(fake: FakeZendesk, tid: int, changes: dict[str, Any]) -> dict[str, Any]:
    ticket = fake.state.tickets[tid]
    tags = list(changes.get("tags", ticket.get("tags") or []))
    tags += [t for t in changes.get("additional_tags", []) if t not in tags]
    tags = [t for t in tags if t not in changes.get("remove_tags", [])]
    ticket["tags"] = tags
    for key in ("assignee_id", "priority", "status", "subject"):
        if key in changes:
            ticket[key] = changes[key]
    ticket["updated_at"] = NOW
    events = []
    if comment := changes.get("comment"):
        c = fake._comment(comment["body"], public=comment.get("public", True), author=1)
        fake.state.comments[tid].append(c)
        events.append(c)
    audit = {"id": next(fake._ids), "ticket_id": tid, "created_at": NOW, "events": events}
    return {"ticket": ticket, "audit": audit}


def _handler_for(fake: FakeZendesk) -> type[BaseHTTPRequestHandler]:
    expected_auth = (
        "Basic " + base64.b64encode(f"{fake.email}/token:{fake.token}".encode()).decode()
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            query = parse_qs(parts.query)
            fake.requests.append(
                Recorded(self.command, parts.path, query, body, dict(self.headers.items()))
            )
            if fake.delay:
                time.sleep(fake.delay)
            if failure := fake._next_failure():
                self._send(failure.status, failure.headers, failure.body)
            elif self.headers.get("Authorization") != expected_auth:
                self._send(401, {}, {"error": "Couldn't authenticate you"})
            else:
                self._send(*_route(fake, self.command, parts.path, query, body))

        def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
            if body is None:
                data = b""
            elif isinstance(body, bytes):
                data = body
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = json.dumps(body).encode()
                headers = {"Content-Type": "application/json; charset=utf-8", **headers}
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = _handle

    return Handler


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    """A running fake Zendesk, fresh per test, seeded with ticket 2."""
    fake = FakeZendesk().start()
    yield fake
    fake.stop()
