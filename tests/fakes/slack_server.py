"""A fake Slack Web API on a local port: recorded response shapes, call log, failure injection.

Point ``AsyncWebClient(base_url=fake.api_url)`` at it. Every call is recorded in ``.calls``
(method + merged query/form/JSON params); ``response_url`` posts land under ``/respond/…`` and
are recorded with method ``"response_url"``. ``fail(method, …)`` injects failures such as
Slack's 429 rate limit with ``retry-after``.
"""

from __future__ import annotations

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

from tests.fakes.slack_blocks import (
    MESSAGE_TEXT,
    message_errors,
    refused_blocks,
    refused_view,
    view_errors,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
TOKEN = "xoxb-test-token"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


RATE_LIMITED = recorded("ratelimited_429.json")
# A conversation id (public, private, DM) or a user id (chat.postMessage opens the app's DM).
CHANNEL_ID = re.compile(r"[CDGUW][A-Z0-9]+")
CHAT_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update", "views.publish")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    land: bool = False  # apply the call first (the answer is lost, the effect is not)


class FakeSlack:
    """State and behaviour; the HTTP handler below is a thin shell around ``handle``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.locales: dict[str, str] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.delay = 0.0
        self.outage: int | None = None  # set: every Web API call answers this HTTP status
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.url = ""
        self.views = FakeViews()
        self.held: dict[str, threading.Event] = {}  # method -> answers once the event is set
        self.files = FakeFiles()
        self.gone_channels: set[str] = set()  # archived or deleted: channel_not_found

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}/respond/{name}"

    # --- test helpers ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: str | None = "1",
        land: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (default: the recorded 429)."""
        headers = {"retry-after": retry_after} if retry_after and status == 429 else {}
        body = (
            dict(RATE_LIMITED["body"]) if error == "ratelimited" else {"ok": False, "error": error}
        )
        with self._lock:
            self.failures.setdefault(method, []).extend(
                Failure(status, body, headers, land) for _ in range(times)
            )

    def hold(self, method: str) -> threading.Event:
        """Make ``method`` slow: its calls are recorded at once but answered only once the
        returned event is set (lets a test order events without timing them)."""
        gate = threading.Event()
        self.held[method] = gate
        return gate

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        """Every piece of text Baton sent to Slack (messages, blocks, views, responses)."""
        out: list[str] = []
        for c in self.calls:
            if c.method in (
                "auth.test",
                "users.info",
                "conversations.open",
                "conversations.history",
            ):
                continue
            out.append(json.dumps(c.params, ensure_ascii=False))
        return out

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` arrived (listeners run after the ack)."""
        import asyncio

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.called(method)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} {method} call(s), got {self.called(method)}")

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.messages.clear()
            self.failures.clear()
            self.locales.clear()
            self.delay = 0.0
            self.outage = None
            self.views = FakeViews()
            self.files = FakeFiles()
            self.gone_channels = set()
            for gate in self.held.values():
                gate.set()
            self.held = {}

    # --- behaviour ----------------------------------------------------------------------------

    def handle(
        self, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        if self.delay:
            time.sleep(self.delay)
        if path.startswith("/respond/"):
            with self._lock:
                self.calls.append(Call("response_url", params, headers))
            if message_errors(params.get("blocks")):
                return 400, "invalid_blocks", {}  # a response_url answers like a webhook: text
            return 200, {"ok": True}, {}
        method = path.removeprefix("/api/")
        with self._lock:
            self.calls.append(Call(method, params, headers))
        gate = self.held.get(method)
        if gate is not None:
            gate.wait(timeout=10)
        with self._lock:
            queue = self.failures.get(method) or []
            failure = queue.pop(0) if queue else None
        if self.outage is not None:
            return self.outage, {"ok": False, "error": "service_unavailable"}, {}
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 200, recorded("auth.test.error.json"), {}
        if failure is not None and not failure.land:
            return failure.status, failure.body, failure.headers
        status, body = self.answer(method, params)
        if failure is not None:
            return failure.status, failure.body, failure.headers
        return status, body, {}

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.{next(self._ts):06d}"

    def refusal(self, method: str, p: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to a channel it does not know or to blocks or a view over its limits."""
        if method in CHAT_METHODS:
            channel = str(p.get("channel") or "")
            if not CHANNEL_ID.fullmatch(channel) or channel in self.gone_channels:
                return {"ok": False, "error": "channel_not_found"}
            errors = message_errors(p.get("blocks"))
            return refused_blocks(errors) if errors else None
        if method in VIEW_METHODS:
            errors = view_errors(_view(p))
            return refused_view(errors) if errors else None
        return None

    def answer(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self.refusal(method, p)
        if refused is not None:
            return 200, refused
        if isinstance(p.get("text"), str) and len(p["text"]) > MESSAGE_TEXT:
            p = {**p, "text": p["text"][:MESSAGE_TEXT]}  # Slack truncates, it does not refuse
        if method == "auth.test":
            return 200, recorded("auth.test.ok_bot_token.json")
        if method == "chat.postMessage":
            body = recorded("chat.postMessage.ok.json")
            ts, channel = self._next_ts(), str(p.get("channel"))
            msg = {
                "type": "message",
                "text": p.get("text", ""),
                "ts": ts,
                "bot_id": body["message"]["bot_id"],
                "blocks": p.get("blocks", []),
            }
            if p.get("metadata"):
                msg["metadata"] = p["metadata"]
            with self._lock:
                self.messages.setdefault(channel, []).insert(0, msg)
            body.update(channel=channel, ts=ts, message=msg)
            return 200, body
        if method == "chat.update":
            body = recorded("chat.update.ok.json")
            channel, ts = str(p.get("channel")), str(p.get("ts"))
            found = [m for m in self.messages.get(channel, []) if m["ts"] == ts]
            if not found:
                return 200, recorded("chat.update.error.json") | {"error": "message_not_found"}
            found[0].update(text=p.get("text", ""), blocks=p.get("blocks", []))
            body.update(channel=channel, ts=ts, text=p.get("text", ""))
            body["message"] = {"text": p.get("text", ""), "user": "W23456789"}
            return 200, body
        if method == "chat.postEphemeral":
            return 200, recorded("chat.postEphemeral.ok.json") | {"message_ts": self._next_ts()}
        if method == "conversations.open":
            body = recorded("conversations.open.ok.json")
            body["channel"] = {"id": "D" + str(p.get("users", "X")).lstrip("UW")}
            return 200, body
        if method == "conversations.history":
            with self._lock:
                msgs = copy.deepcopy(self.messages.get(str(p.get("channel")), []))
            limit = int(p.get("limit", 100))
            return 200, {"ok": True, "messages": msgs[:limit], "has_more": len(msgs) > limit}
        if method == "users.info":
            body = recorded("users.info.ok.json")
            user = str(p.get("user"))
            body["user"]["id"] = user
            if str(p.get("include_locale")).lower() in ("true", "1"):
                body["user"]["locale"] = self.locales.get(user, "en-US")
            return 200, body
        if method == "files.upload":  # retired: Slack points callers to files_upload_v2
            return 200, {"ok": False, "error": "method_deprecated"}
        if method == "files.getUploadURLExternal":
            return 200, self.files.reserve(p, self.url)
        if method == "files.completeUploadExternal":
            return 200, self.files.complete(p)
        if method == "views.open" and p.get("trigger_id"):
            return 200, self.views.open(str(p["trigger_id"]), _view(p))
        if method == "views.update":
            return 200, self.views.update(p, _view(p))
        if method in ("views.open", "views.publish"):
            if method == "views.open" and not p.get("trigger_id"):
                return 200, recorded("views.open.error.json")
            body = recorded("views.open.ok.json")
            view = p.get("view")
            body["view"].update(json.loads(view) if isinstance(view, str) else view or {})
            return 200, body
        return 200, {"ok": False, "error": "unknown_method"}


def _view(p: dict[str, Any]) -> dict[str, Any]:
    view = p.get("view")
    parsed: dict[str, Any] = json.loads(view) if isinstance(view, str) else dict(view or {})
    return parsed


class FakeViews:
    """Modals as Slack keeps them: a trigger_id opens one view once, within its 3 seconds;
    ``views.update`` needs a view that is still open and, when a hash is given, the current
    hash (each update issues a new one). Errors are the documented ones: exchanged_trigger_id,
    expired_trigger_id, not_found, hash_conflict."""

    def __init__(self) -> None:
        self.open_views: dict[str, dict[str, Any]] = {}
        self.used_triggers: set[str] = set()
        self.expired_triggers: set[str] = set()
        self._ids = itertools.count(1)

    def expire(self, trigger_id: str) -> None:
        """Let a trigger_id run out (Slack: 3 seconds after the interaction)."""
        self.expired_triggers.add(trigger_id)

    def close(self, view_id: str) -> None:
        """The user closes the modal: later updates of it are not_found."""
        self.open_views.pop(view_id, None)

    def open(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        if trigger_id in self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        if trigger_id in self.used_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        self.used_triggers.add(trigger_id)
        n = next(self._ids)
        body = recorded("views.open.ok.json")
        body["view"].update(view)
        body["view"].update(id=f"V0FAKE{n:04d}", root_view_id=f"V0FAKE{n:04d}")
        body["view"]["hash"] = f"{1700000000 + n}.{n:08x}"
        self.open_views[body["view"]["id"]] = copy.deepcopy(body["view"])
        return body

    def update(self, p: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
        view_id = str(p.get("view_id") or "")
        current = self.open_views.get(view_id)
        if current is None:
            return {"ok": False, "error": "not_found"}
        if p.get("hash") and p["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        current.update(view)
        stamp, serial = current["hash"].split(".")
        current["hash"] = f"{int(stamp) + 1}.{int(serial, 16) + 1:08x}"
        return {"ok": True, "view": copy.deepcopy(current)}


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    channel: str | None = None
    initial_comment: str | None = None


class FakeFiles:
    """Slack's external upload, in its three steps: files.getUploadURLExternal reserves a file id
    and an upload URL for a declared length; the bytes are POSTed to that URL (no token, answered
    ``OK - <length>``); files.completeUploadExternal shares the uploaded files in a channel. A
    file completed before its bytes arrived, or with other bytes than declared, is refused."""

    def __init__(self) -> None:
        self.by_id: dict[str, FakeFile] = {}
        self._ids = itertools.count(1)

    def reserve(self, p: dict[str, Any], base_url: str) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0FAKE{next(self._ids):05d}"
        self.by_id[file_id] = FakeFile(file_id, str(p["filename"]), int(p["length"]))
        return {"ok": True, "upload_url": f"{base_url}/upload/v1/{file_id}", "file_id": file_id}

    def receive(self, file_id: str, data: bytes) -> tuple[int, str]:
        found = self.by_id.get(file_id)
        if found is None:
            return 404, "Not Found"
        if len(data) != found.length:
            return 400, "Bad Request: length mismatch"
        found.data = data
        return 200, f"OK - {len(data)}"

    def complete(self, p: dict[str, Any]) -> dict[str, Any]:
        raw = p.get("files")
        items = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            return {"ok": False, "error": "invalid_arguments"}
        out = []
        for item in items:
            found = self.by_id.get(str(item.get("id")))
            if found is None or found.data is None:
                return {"ok": False, "error": "file_not_found"}
            found.title = str(item.get("title") or found.filename)
            found.channel = p.get("channel_id")
            found.initial_comment = p.get("initial_comment")
            out.append({"id": found.id, "name": found.filename, "title": found.title})
        return {"ok": True, "files": out}

    def shared(self, channel: str) -> list[FakeFile]:
        return [f for f in self.by_id.values() if f.channel == channel]


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print tracebacks when a client hangs up."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _params(self) -> tuple[str, dict[str, Any]]:
            split = urlsplit(self.path)
            params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(split.query).items()}
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            ctype = self.headers.get("content-type", "")
            if raw and "json" in ctype:
                params.update(json.loads(raw))
            elif raw:
                params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
            for key in ("blocks", "metadata", "view"):
                if isinstance(params.get(key), str) and params[key][:1] in "[{":
                    params[key] = json.loads(params[key])
            return split.path, params

        def _upload(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            data = self.rfile.read(length) if length else b""
            file_id = urlsplit(self.path).path.removeprefix("/upload/v1/")
            with fake._lock:
                fake.calls.append(Call("upload", {"file_id": file_id, "bytes": len(data)}, {}))
            status, text = fake.files.receive(file_id, data)
            body = text.encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _serve(self) -> None:
            if self.path.startswith("/upload/v1/"):
                self._upload()
                return
            path, params = self._params()
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, extra = fake.handle(path, params, headers)
            if status == 0:  # fail(..., status=0): hang up without answering (a reset)
                self.close_connection = True
                return
            text = isinstance(body, str)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            ctype = "text/plain" if text else "application/json; charset=utf-8"
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_POST = _serve
        do_GET = _serve

    return Handler


def start(fake: FakeSlack) -> QuietServer:
    """Serve fake on a free loopback port in a daemon thread; returns the server to stop."""
    server = QuietServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    server = start(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The running fake, emptied for this test."""
    fake_slack_server.reset()
    yield fake_slack_server
