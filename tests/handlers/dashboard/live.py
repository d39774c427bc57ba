"""Baton's real web app on a real port, in a thread with its own event loop, for a browser.

Playwright's sync API drives Chromium from the test's thread; the app, the worker and every
database call run on the server's loop (``run`` hands a coroutine over and waits for it).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

from aiohttp import web

from bot.app import create_app
from bot.services import Services

T = TypeVar("T")


class LiveServer:
    def __init__(self, make: Callable[[], Services]) -> None:
        self._make = make
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.services: Services
        self.url = ""
        self._runner: web.AppRunner | None = None

    def run(self, coro: Awaitable[T], timeout: float = 30) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    async def _start(self) -> None:
        self.services = self._make()
        app = create_app(self.services)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()  # the app's cleanup disposes the database

    @contextmanager
    def serving(self) -> Iterator[LiveServer]:
        self._thread.start()
        self.run(self._start())
        try:
            yield self
        finally:
            self.run(self._stop())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)


def call(server: LiveServer, fn: Callable[..., Awaitable[Any]], *args: Any, **kw: Any) -> Any:
    return server.run(fn(*args, **kw))
