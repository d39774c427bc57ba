"""A fake Zendesk API on a local port: in-memory tickets, webhooks, triggers, failure injection.

Usage: the `fake_zendesk` fixture (import it into a test module or conftest) yields a running
FakeZendesk; point a client at `fake_zendesk.url`. Every request is recorded in `.requests`.

It refuses what Zendesk refuses: a ticket's description is its first comment and is read-only
(a PUT carrying it is a 422, as on the real API), so facts added later arrive as comments
(`add_comment`), and every change moves the ticket's `updated_at` on. A closed ticket is final:
any PUT to it is a 422 ("Status: closed prevents ticket update"). The comments list pages
with a cursor (`page[size]`, `meta.has_more`, `links.next`) like the real endpoint.
"""

from __future__ import annotations

import base64
import copy
import itertools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes import base
from tests.fakes.base import HANG_UP, Answer, Failure, FakeServer, Request, is_write
from tests.fakes.zendesk_api import route, stamp, touch

EMAIL = "agent@example.com"
TOKEN = "apitoken"
STORAGE = "/storage/"  # where an attachment's content_url redirects (Zendesk's file store)


def recorded(name: str) -> dict[str, Any]:
    return base.recorded("zendesk", name)


RATE_LIMITED = recorded("rate_limited_429.json")["response"]
UNAVAILABLE: Answer = (503, {"Content-Type": "text/plain"}, "Service Unavailable")


@dataclass
class State:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    triggers: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Attachment token → (bytes, content type), served at content_url as Zendesk does.
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)


class FakeZendesk(FakeServer):
    """The fake's state and controls; the HTTP server runs in a daemon thread.

    Like Zendesk it allows ``rate_limit`` API requests a minute to the account (default 700,
    the Enterprise plan, as in the recorded 429), in fixed windows: every answer says what is
    left (``X-Rate-Limit``, ``X-Rate-Limit-Remaining``, ``ratelimit-*``), and a request over
    the limit gets the recorded 429 with the seconds until the window refills as Retry-After.
    """

    def __init__(
        self,
        *,
        email: str = EMAIL,
        token: str = TOKEN,
        rate_limit: int | None = 700,
        window_seconds: float = 60.0,
    ) -> None:
        super().__init__()
        self.rate_limit, self.window_seconds = rate_limit, window_seconds
        self.refused = 0  # requests answered 429 because the window's budget was spent
        self._window_ends = 0.0
        self._used = 0
        self.email, self.token = email, token
        self.state = State()
        self._taken = 0  # requests already handed out by take_calls()
        self._ids = itertools.count(9000)
        self._auth = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.seed()

    def start(self) -> FakeZendesk:
        super().start()
        return self

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
        answer = (status, headers or {"Content-Type": "application/json"}, body or '{"error":"x"}')
        self.inject(Failure(answer, when=is_write if writes_only else None), n)

    def drop_next(self, n: int = 1) -> None:
        """Read the next n requests, then hang up without answering (connection reset)."""
        self.inject(Failure((HANG_UP, {}, None)), n)

    def lose_next_answer(self, n: int = 1) -> None:
        """Apply the next n requests, then hang up before answering (the answer is lost)."""
        self.inject(Failure((HANG_UP, {}, None), act=True), n)

    def down(self, *, refuse: bool = False, writes_only: bool = False) -> None:
        """Answer 503 to everything (or to writes only), or (refuse=True) stop listening."""
        if refuse:
            self.stop()
        else:
            self.set_outage(UNAVAILABLE, when=is_write if writes_only else None)

    def up(self) -> None:
        """Serve normally again (on the same port)."""
        self.set_outage(None)
        if not self.running:
            self.start()

    # --- data ------------------------------------------------------------------------------

    def seed(self) -> None:
        """Ticket 2 from the recorded show-ticket body, with its requester and organization."""
        ticket = recorded("ticket_show_200.json")["response"]["body"]["ticket"]
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

    def add_attachment(
        self,
        ticket_id: int,
        file_name: str,
        data: bytes,
        *,
        content_type: str,
        body: str = "Segue o documento.",
        public: bool = True,
        author_id: int | None = None,
    ) -> dict[str, Any]:
        """The customer (by default) answers with a file; it is served at its content_url."""
        author = author_id or self.state.tickets[ticket_id].get("requester_id")
        comment = self._comment(body, public=public, author=author, attachments=())
        comment["attachments"] = [self._attachment(file_name, data, content_type)]
        with self._lock:
            self.state.comments[ticket_id].append(comment)
            touch(self.state.tickets[ticket_id])
        return comment

    def _attachment(self, file_name: str, data: bytes, content_type: str) -> dict[str, Any]:
        # Shaped like the recorded attachment (corpus: attachment_object_real_sandbox.json).
        aid = next(self._ids)
        token = f"tok{aid}"
        self.state.files[token] = (data, content_type)
        url = f"{self.url}/attachments/token/{token}/?name={file_name}"
        return {
            "url": f"{self.url}/api/v2/attachments/{aid}.json",
            "id": aid,
            "file_name": file_name,
            "content_url": url,
            "mapped_content_url": url,
            "content_type": content_type,
            "size": len(data),
            "width": None,
            "height": None,
            "inline": False,
            "deleted": False,
            "malware_access_override": False,
            "malware_scan_result": "malware_not_found",
            "thumbnails": [],
        }

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
        # Shaped like the recorded comments list (tests/integrations/fixtures/zendesk/...).
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
                self._attachment(name, b"\0" * 1024, "application/octet-stream")
                for name in attachments
            ],
            "created_at": stamp(datetime.now(UTC)),
        }

    def take_calls(self) -> list[str]:
        """The requests since the last take, as "METHOD /path" (to count API calls by step)."""
        start, self._taken = self._taken, len(self.requests)
        return [f"{r.method} {r.path}" for r in self.requests[start : self._taken]]

    # --- behaviour ------------------------------------------------------------------------

    def authorize(self, request: Request) -> Answer | None:
        if request.path.startswith(STORAGE):
            return None  # the file store: the redirect's signed token is the credential
        if request.headers.get("Authorization") != self._auth:
            return 401, {}, {"error": "Couldn't authenticate you"}
        return None

    def route(self, request: Request) -> Answer:
        return route(self, request.method, request.path, request.query, request.json)

    def handle(self, request: Request) -> Answer:
        if self.rate_limit is None or not request.path.startswith("/api/"):
            return super().handle(request)  # the file store is not the API
        with self._lock:
            now = time.monotonic()
            if now >= self._window_ends:
                self._window_ends, self._used = now + self.window_seconds, 0
            reset = str(max(1, math.ceil(self._window_ends - now)))
            over = self._used >= self.rate_limit
            if over:
                self.refused += 1
            else:
                self._used += 1
            left = str(self.rate_limit - self._used)
        limit = str(self.rate_limit)
        if over:
            self.record(request)
            return (
                429,
                {
                    "Content-Type": "text/plain",
                    "retry-after": reset,
                    "x-rate-limit": limit,
                    "x-rate-limit-remaining": "0",
                },
                RATE_LIMITED["body"],
            )
        status, headers, body = super().handle(request)
        counted = {
            "x-rate-limit": limit,
            "x-rate-limit-remaining": left,
            "ratelimit-limit": limit,
            "ratelimit-remaining": left,
            "ratelimit-reset": reset,
        }
        return status, {**counted, **headers}, body


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    """A running fake Zendesk, fresh per test, seeded with ticket 2."""
    fake = FakeZendesk().start()
    yield fake
    fake.stop()
