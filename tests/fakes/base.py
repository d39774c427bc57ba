"""What every fake server shares: a threaded HTTP server on a free loopback port, the requests it
received, failures to inject, an outage switch, a delay, held answers, and JSON answers.

A fake subclasses ``FakeServer`` and answers one request in ``route`` (and, if the service checks
credentials before anything else, in ``authorize``). One request goes through ``handle``:

    record it → wait ``delay`` → wait while a hold covers it → the outage's answer, if down →
    an injected failure's answer, if one covers it and does not let it act → ``authorize`` →
    ``route`` → the failure's answer instead, if one let it act (the effect landed, the answer
    is lost or wrong)

An answer is ``(status, headers, body)``; the body is JSON-encoded unless it is ``None``, ``str``
or ``bytes``. Status ``HANG_UP`` (0) closes the connection without answering, as a reset would.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# The services' recorded bodies the fakes answer with, one folder per service.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
Answer = tuple[int, dict[str, str], Any]
HANG_UP = 0  # the status of an answer that is never sent: the connection is closed instead
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def recorded(service: str, name: str) -> dict[str, Any]:
    """A recorded body (or request/response envelope) of service, read afresh each time."""
    data: dict[str, Any] = json.loads((FIXTURES / service / name).read_text(encoding="utf-8"))
    return data


class Headers(Mapping[str, str]):
    """Request headers, looked up without regard to case, as HTTP has them."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = {k.lower(): v for k, v in items}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class Request:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    json: Any  # the body parsed as JSON; its text if it is not JSON; None if empty
    headers: Headers
    body: bytes = b""
    at: float = field(default_factory=time.time)  # when it arrived (benchmarks time updates)

    @property
    def args(self) -> dict[str, str]:
        """The query string with the last value of each key."""
        return {k: v[-1] for k, v in self.query.items()}

    @property
    def is_write(self) -> bool:
        return self.method in WRITES


Match = Callable[[Request], bool]


@dataclass
class Failure:
    """An answer the fake gives instead of its own."""

    answer: Answer  # status HANG_UP: close the connection without answering
    when: Match | None = None  # the requests it covers (None: every request)
    act: bool = False  # carry the request out first: the effect lands, the answer is this one
    sticky: bool = False  # answer every covered request until the failures are cleared


@dataclass
class _Hold:
    gate: threading.Event
    seconds: float
    when: Match | None


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeout tests) are expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeServer:
    """A fake service's HTTP server and the controls every fake shares."""

    json_type = "application/json; charset=utf-8"  # the Content-Type of a JSON answer

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delay = 0.0  # seconds to wait before answering, to provoke client timeouts
        self.port = 0
        self._failures: list[Failure] = []
        self._holds: list[_Hold] = []
        self._outage: Answer | None = None
        self._outage_when: Match | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Any:
        """Serve on a free loopback port (or the same one again) in a daemon thread."""
        server = _QuietServer(("127.0.0.1", self.port), _handler_for(self))
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Release held answers and stop listening (a later start serves the same port)."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- failure injection -----------------------------------------------------------------

    def inject(self, failure: Failure, times: int = 1) -> None:
        """Give failure's answer to the next `times` requests it covers."""
        with self._lock:
            self._failures.extend([failure] * (1 if failure.sticky else times))

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def set_outage(self, answer: Answer | None, *, when: Match | None = None) -> None:
        """Answer every request (or those `when` covers) with answer; None: serve again."""
        with self._lock:
            self._outage, self._outage_when = answer, when

    def hold_answers(self, *, seconds: float = 10.0, when: Match | None = None) -> threading.Event:
        """Hold the answers (to the requests `when` covers) until the returned event is set,
        or for `seconds` at most; the requests are recorded at once."""
        hold = _Hold(threading.Event(), seconds, when)
        with self._lock:
            self._holds.append(hold)
        return hold.gate

    def release(self) -> None:
        """Let every held answer go, and hold no more."""
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.gate.set()

    # --- views for tests -------------------------------------------------------------------

    def requests_to(self, method: str, path_pattern: str) -> list[Request]:
        """Recorded requests with this HTTP method whose path matches the regex."""
        return [
            r for r in self.requests if r.method == method and re.fullmatch(path_pattern, r.path)
        ]

    # --- behaviour -------------------------------------------------------------------------

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def authorize(self, request: Request) -> Answer | None:
        """The service's answer to missing or wrong credentials (None: they are right)."""
        return None

    def route(self, request: Request) -> Answer:
        raise NotImplementedError

    def handle(self, request: Request) -> Answer:
        """The answer to one request (see the module's docstring for the order)."""
        self.record(request)
        if self.delay:
            time.sleep(self.delay)
        for hold in self._covering_holds(request):
            hold.gate.wait(hold.seconds)
        with self._lock:
            outage = self._outage
            if outage is not None and not _covers(self._outage_when, request):
                outage = None
            failure = self._take_failure(request) if outage is None else None
        if outage is not None:
            return outage
        if failure is not None and not failure.act:
            return failure.answer
        answer = self.authorize(request) or self.route(request)
        return failure.answer if failure is not None else answer

    def _covering_holds(self, request: Request) -> list[_Hold]:
        with self._lock:
            return [h for h in self._holds if _covers(h.when, request)]

    def _take_failure(self, request: Request) -> Failure | None:
        # The narrowest failure first: one aimed at these requests before one aimed at all.
        covering = [f for f in self._failures if _covers(f.when, request)]
        if not covering:
            return None
        failure = next((f for f in covering if f.when is not None), covering[0])
        if not failure.sticky:
            self._failures.remove(failure)
        return failure


def _covers(when: Match | None, request: Request) -> bool:
    return when is None or when(request)


def is_write(request: Request) -> bool:
    return request.is_write


def parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def encode(body: Any, headers: dict[str, str], json_type: str) -> tuple[bytes, dict[str, str]]:
    """The bytes of an answer's body, and its headers with a Content-Type if it had none."""
    if body is None:
        return b"", headers
    if isinstance(body, bytes):
        data, ctype = body, "application/octet-stream"
    elif isinstance(body, str):
        data, ctype = body.encode(), "text/plain; charset=utf-8"
    else:
        data, ctype = json.dumps(body).encode(), json_type
    if not any(k.lower() == "content-type" for k in headers):
        headers = {"Content-Type": ctype, **headers}
    return data, headers


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query),
                parse_body(raw),
                Headers(self.headers.items()),
                raw,
            )
            status, headers, body = fake.handle(request)
            if status == HANG_UP:
                self.close_connection = True  # the client sees a reset, no answer
                return
            data, headers = encode(body, headers, fake.json_type)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

    return Handler
