"""A fake Zendesk API on a local port: in-memory tickets, webhooks, triggers, failure injection.

Usage: the `fake_zendesk` fixture (import it into a test module or conftest) yields a running
FakeZendesk; point a client at `fake_zendesk.url`. Every request is recorded in `.requests`.

It refuses what Zendesk refuses: a ticket's description is its first comment and is read-only
(a PUT carrying it is a 422, as on the real API), so facts added later arrive as comments
(`add_comment`), and every change moves the ticket's `updated_at` on. The comments list pages
with a cursor (`page[size]`, `meta.has_more`, `links.next`) like the real endpoint.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.zendesk_api import route, stamp, touch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zendesk"
EMAIL = "agent@example.com"
TOKEN = "apitoken"


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
    status: int  # 0: hang up without answering (a connection reset after the request);
    # -1: do what was asked, then hang up (it landed, but the client never hears so)
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
        self._write_failures: list[Failure] = []  # reads are answered meanwhile
        self._taken = 0  # requests already handed out by take_calls()
        self._down = False
        self._writes_down = False
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
        writes_only: bool = False,
    ) -> None:
        """Answer the next n requests (or n writes: PUT, POST, DELETE) with status (default:
        Zendesk's recorded 429, Retry-After: 1)."""
        if status == 429 and headers is None and body is None:
            headers = {"Content-Type": "text/plain", "Retry-After": "1"}
            body = RATE_LIMITED["body"]
        failure = Failure(
            status, headers or {"Content-Type": "application/json"}, body or '{"error":"x"}'
        )
        with self._lock:
            (self._write_failures if writes_only else self._failures).extend([failure] * n)

    def drop_next(self, n: int = 1) -> None:
        """Read the next n requests, then hang up without answering (connection reset)."""
        with self._lock:
            self._failures.extend([Failure(0, {}, b"")] * n)

    def lose_next_answer(self, n: int = 1) -> None:
        """Apply the next n requests, then hang up before answering (the answer is lost)."""
        with self._lock:
            self._failures.extend([Failure(-1, {}, b"")] * n)

    def down(self, *, refuse: bool = False, writes_only: bool = False) -> None:
        """Answer 503 to everything (or to writes only), or (refuse=True) stop listening."""
        if refuse:
            self.stop()
        elif writes_only:
            self._writes_down = True
        else:
            self._down = True

    def up(self) -> None:
        """Serve normally again (on the same port)."""
        self._down = self._writes_down = False
        if self._server is None:
            self.start()

    def _next_failure(self, method: str = "GET") -> Failure | None:
        with self._lock:
            if self._down or (self._writes_down and method != "GET"):
                return Failure(503, {"Content-Type": "text/plain"}, "Service Unavailable")
            if method != "GET" and self._write_failures:
                return self._write_failures.pop(0)
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

    def add_comment(
        self,
        ticket_id: int,
        body: str,
        *,
        public: bool = False,
        author_id: int = 500101,
        attachments: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Someone adds a comment in Zendesk (an agent's internal note by default, or the
        customer's public answer); the ticket's updated_at moves on, as in Zendesk."""
        comment = self._comment(body, public=public, author=author_id, attachments=attachments)
        with self._lock:
            self.state.comments[ticket_id].append(comment)
            touch(self.state.tickets[ticket_id])
        return comment

    def agent_update(
        self, ticket_id: int, *, add_tags: Sequence[str] = (), status: str | None = None
    ) -> None:
        """An agent changes the ticket in Zendesk (adds the escalation tag again, solves it)."""
        with self._lock:
            ticket = self.state.tickets[ticket_id]
            ticket["tags"] = [*ticket["tags"], *(t for t in add_tags if t not in ticket["tags"])]
            ticket["status"] = status or ticket["status"]
            touch(ticket)

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

    def _comment(
        self, body: str, *, public: bool, author: Any, attachments: Sequence[str] = ()
    ) -> dict[str, Any]:
        # Shaped like the recorded comments list (tests/fixtures/zendesk/ticket_comments_...).
        return {
            "id": next(self._ids),
            "type": "Comment",
            "author_id": author,
            "audit_id": next(self._ids),
            "body": body,
            "html_body": f"<p>{body}</p>",
            "plain_body": body,
            "public": public,
            "attachments": [
                {
                    "id": next(self._ids),
                    "file_name": name,
                    "content_url": f"{self.url}/attachments/{name}",
                    "content_type": "application/octet-stream",
                    "size": 1024,
                    "thumbnails": [],
                }
                for name in attachments
            ],
            "created_at": stamp(datetime.now(UTC)),
        }

    def take_calls(self) -> list[str]:
        """The requests since the last take, as "METHOD /path" (to count API calls by step)."""
        start, self._taken = self._taken, len(self.requests)
        return [f"{r.method} {r.path}" for r in self.requests[start : self._taken]]

    def requests_to(self, method: str, path_pattern: str) -> list[Recorded]:
        """Recorded requests with this method whose path matches the regex."""
        return [
            r for r in self.requests if r.method == method and re.fullmatch(path_pattern, r.path)
        ]


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
            if (failure := fake._next_failure(self.command)) and failure.status == 0:
                self.close_connection = True  # hang up: the client sees a reset, no answer
            elif failure and failure.status == -1:
                route(fake, self.command, parts.path, query, body)  # done, but never answered
                self.close_connection = True
            elif failure:
                self._send(failure.status, failure.headers, failure.body)
            elif self.headers.get("Authorization") != expected_auth:
                self._send(401, {}, {"error": "Couldn't authenticate you"})
            else:
                self._send(*route(fake, self.command, parts.path, query, body))

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
