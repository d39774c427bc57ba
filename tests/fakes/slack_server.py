"""A fake Slack Web API on a local port: recorded response shapes, call log, failure injection.

Point ``AsyncWebClient(base_url=fake.api_url)`` at it. Every call is recorded in ``.calls``
(method + merged query/form/JSON params); ``response_url`` posts land under ``/respond/…`` and
are recorded with method ``"response_url"``. ``fail(method, …)`` injects failures such as
Slack's 429 rate limit with ``retry-after``.

It refuses what Slack refuses: an unknown or gone channel is ``channel_not_found`` (posts,
updates and reads alike), a message without text or blocks ``no_text``, metadata without an
``event_type`` and an ``event_payload`` ``invalid_metadata_format``, blocks or a view past
Block Kit's limits ``invalid_blocks`` / ``invalid_arguments`` (``slack_blocks.py``), a Home tab
for no user Slack's recorded ``invalid_arguments``, the retired ``files.upload``
``method_deprecated``. History and replies give a message's metadata back only when the call
asks with ``include_all_metadata``, and history leaves a thread's replies out, as Slack does.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.fakes import base
from tests.fakes.base import HANG_UP, Answer, Failure, FakeServer, Request
from tests.fakes.slack_blocks import (
    MESSAGE_TEXT,
    message_errors,
    refused_blocks,
    refused_view,
    view_errors,
)
from tests.fakes.slack_files import FakeFiles
from tests.fakes.slack_openid import FakeOpenID
from tests.fakes.slack_views import FakeViews

TOKEN = "xoxb-test-token"


def recorded(name: str) -> dict[str, Any]:
    return base.recorded("slack", name)


RATE_LIMITED = recorded("ratelimited_429.json")
# A conversation id (public, private, DM) or a user id (chat.postMessage opens the app's DM).
CHANNEL_ID = re.compile(r"[CDGUW][A-Z0-9]+")
USER_ID = re.compile(r"[UW][A-Z0-9]+")
CHAT_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update", "views.publish")
READ_METHODS = ("conversations.history", "conversations.replies")
QUIET_METHODS = ("auth.test", "users.info", "conversations.open", *READ_METHODS)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


def api_method(request: Request) -> str:
    """The Web API method a request calls ("chat.postMessage"), or "" for other paths."""
    return request.path.removeprefix("/api/") if request.path.startswith("/api/") else ""


def params_of(request: Request) -> dict[str, Any]:
    """The call's arguments: query string, then the form or JSON body, JSON fields parsed."""
    params: dict[str, Any] = request.args
    if request.body and "json" in request.headers.get("content-type", ""):
        params.update(json.loads(request.body))
    elif request.body:
        params.update({k: v[-1] for k, v in parse_qs(request.body.decode()).items()})
    for key in ("blocks", "metadata", "view"):
        if isinstance(params.get(key), str) and params[key][:1] in "[{":
            params[key] = json.loads(params[key])
    return params


def _flag(value: Any) -> bool:
    """A boolean argument as Slack reads it: true or 1 (slack_sdk sends bools as "1"/"0")."""
    return str(value).lower() in ("true", "1")


class FakeSlack(FakeServer):
    """State and behaviour; the shared base serves it over HTTP."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}  # by channel, newest first
        self.locales: dict[str, str] = {}
        self._ts = itertools.count(1)
        self.views = FakeViews()
        self.files = FakeFiles()
        self.gone_channels: set[str] = set()  # archived or deleted: channel_not_found
        self.openid = FakeOpenID()  # Sign in with Slack (tests/fakes/slack_openid.py)
        self.outage = None

    def start(self) -> FakeSlack:
        super().start()
        return self

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}/respond/{name}"

    @property
    def outage(self) -> int | None:
        """Set to an HTTP status: every Web API call answers it (None: serve again)."""
        return self._outage_status

    @outage.setter
    def outage(self, status: int | None) -> None:
        self._outage_status = status
        answer = None if status is None else (status, {}, _error("service_unavailable"))
        self.set_outage(answer)

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
        """Make the next ``times`` calls of ``method`` fail (default: the recorded 429);
        status 0 hangs up; ``land`` carries the call out first (only the answer is lost)."""
        headers = {"retry-after": retry_after} if retry_after and status == 429 else {}
        body = dict(RATE_LIMITED["body"]) if error == "ratelimited" else _error(error)
        answer = (status or HANG_UP, headers, body)
        self.inject(Failure(answer, when=lambda r: api_method(r) == method, act=land), times)

    def hold(self, method: str) -> threading.Event:
        """Make ``method`` slow: its calls are recorded at once but answered only once the
        returned event is set (lets a test order events without timing them)."""
        return self.hold_answers(when=lambda r: api_method(r) == method)

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        """Every piece of text Baton sent to Slack (messages, blocks, views, responses)."""
        return [
            json.dumps(c.params, ensure_ascii=False)
            for c in self.calls
            if c.method not in QUIET_METHODS
        ]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` arrived (listeners run after the ack)."""
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
            self.requests.clear()
            self.messages.clear()
            self.locales.clear()
        self.clear_failures()
        self.release()
        self.delay = 0.0
        self.outage = None
        self.views = FakeViews()
        self.files = FakeFiles()
        self.gone_channels = set()
        self.openid.reset()

    # --- behaviour ----------------------------------------------------------------------------

    def record(self, request: Request) -> None:
        super().record(request)
        if request.path.startswith("/upload/v1/"):
            file_id = request.path.removeprefix("/upload/v1/")
            call = Call("upload", {"file_id": file_id, "bytes": len(request.body)}, {})
        elif request.path.startswith("/respond/"):
            call = Call("response_url", params_of(request), dict(request.headers))
        else:
            call = Call(api_method(request), params_of(request), dict(request.headers))
        with self._lock:
            self.calls.append(call)

    def handle(self, request: Request) -> Answer:
        # Uploads and response_url posts are not Web API calls: no token, no injected failures.
        if request.path.startswith("/upload/v1/"):
            self.record(request)
            file_id = request.path.removeprefix("/upload/v1/")
            status, text = self.files.receive(file_id, request.body)
            return status, {"content-type": "text/plain"}, text
        if request.path.startswith("/respond/"):
            self.record(request)
            if self.delay:
                time.sleep(self.delay)
            if message_errors(params_of(request).get("blocks")):
                return 400, {}, "invalid_blocks"  # a response_url answers like a webhook: text
            return 200, {}, {"ok": True}
        return super().handle(request)

    def authorize(self, request: Request) -> Answer | None:
        method = api_method(request)
        if method == "openid.connect.token":  # the app's client id and secret, no token
            return 200, {}, self.openid.token(params_of(request), request.headers)
        if method == "openid.connect.userInfo":  # the user token the exchange gave
            return 200, {}, self.openid.user_info(params_of(request), request.headers)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 200, {}, recorded("auth.test.error.json")
        return None

    def route(self, request: Request) -> Answer:
        status, body = self.answer(api_method(request), params_of(request))
        return status, {}, body

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.{next(self._ts):06d}"

    def _known(self, channel: Any) -> bool:
        return CHANNEL_ID.fullmatch(str(channel or "")) is not None and (
            channel not in self.gone_channels
        )

    def refusal(self, method: str, p: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to a channel it does not know, a message without content, metadata
        of the wrong shape, blocks or a view over its limits, a Home tab for nobody."""
        if (method in CHAT_METHODS or method in READ_METHODS) and not self._known(p.get("channel")):
            return recorded("conversations.history.error.json")  # channel_not_found
        if method in CHAT_METHODS:
            if method != "chat.update" and not any(
                p.get(k) for k in ("text", "blocks", "attachments")
            ):
                return _error("no_text")
            if "metadata" in p and not _metadata_ok(p["metadata"]):
                return _error("invalid_metadata_format")
            errors = message_errors(p.get("blocks"))
            return refused_blocks(errors) if errors else None
        if method == "views.publish" and not USER_ID.fullmatch(str(p.get("user_id") or "")):
            return recorded("views.publish.error.json")  # invalid `user_id`
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
            return 200, self._post(p)
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
            return 200, self._history(p)
        if method == "conversations.replies":
            return 200, self._replies(p)
        if method == "users.info":
            body = recorded("users.info.ok.json")
            user = str(p.get("user"))
            body["user"]["id"] = user
            if _flag(p.get("include_locale")):
                body["user"]["locale"] = self.locales.get(user, "en-US")
            return 200, body
        if method == "files.upload":  # retired: Slack points callers to files_upload_v2
            return 200, _error("method_deprecated")
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
        return 200, _error("unknown_method")

    def _post(self, p: dict[str, Any]) -> dict[str, Any]:
        body = recorded("chat.postMessage.ok.json")
        ts, channel = self._next_ts(), str(p.get("channel"))
        msg = {
            "type": "message",
            "text": p.get("text", ""),
            "ts": ts,
            "bot_id": body["message"]["bot_id"],
            "blocks": p.get("blocks", []),
        }
        if p.get("thread_ts"):
            msg["thread_ts"] = str(p["thread_ts"])
        if p.get("metadata"):
            msg["metadata"] = p["metadata"]
        with self._lock:
            self.messages.setdefault(channel, []).insert(0, msg)
        body.update(channel=channel, ts=ts, message=msg)
        return body

    def _shown(self, msgs: list[dict[str, Any]], p: dict[str, Any]) -> list[dict[str, Any]]:
        # Slack sends a message's metadata back only to a caller that asks for it.
        shown = copy.deepcopy(msgs)
        if not _flag(p.get("include_all_metadata")):
            for msg in shown:
                msg.pop("metadata", None)
        return shown

    def _history(self, p: dict[str, Any]) -> dict[str, Any]:
        """The channel's messages, newest first; a thread's replies are not among them."""
        with self._lock:
            msgs = [
                m
                for m in self.messages.get(str(p.get("channel")), [])
                if m.get("thread_ts", m["ts"]) == m["ts"]
            ]
        limit = int(p.get("limit", 100))
        return {"ok": True, "messages": self._shown(msgs[:limit], p), "has_more": len(msgs) > limit}

    def _replies(self, p: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first."""
        ts = str(p.get("ts") or "")
        with self._lock:
            msgs = self.messages.get(str(p.get("channel")), [])
            parent = [m for m in msgs if m["ts"] == ts]
            replies = [m for m in msgs if m.get("thread_ts") == ts and m["ts"] != ts]
        if not parent:
            return _error("thread_not_found")
        limit = int(p.get("limit", 1000))
        thread = (parent + replies[::-1])[:limit]
        return {"ok": True, "messages": self._shown(thread, p), "has_more": False}


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _metadata_ok(metadata: Any) -> bool:
    """Slack's message metadata: an event_type string and an event_payload object."""
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload"), dict)
    )


def _view(p: dict[str, Any]) -> dict[str, Any]:
    view = p.get("view")
    parsed: dict[str, Any] = json.loads(view) if isinstance(view, str) else dict(view or {})
    return parsed


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The running fake, emptied for this test."""
    fake_slack_server.reset()
    yield fake_slack_server
