"""Keeps blocking database calls off the event loop when the database is across a network.

Every handler is ``async def`` and calls SQLAlchemy inline: on SQLite that is the fastest way
(field notes: FastAPI's threadpool cost 0.4x the inline rate), but on PostgreSQL each statement
waits on a round trip, and meanwhile the worker's event loop serves nobody. Rather than touching
every router (and every router's future edits), :class:`Offload` wraps the whole ASGI app: each
HTTP request runs, whole (dependencies, handler, error handlers), on one of a few threads that
each own an event loop, one request at a time per thread. The main loop only parses, hands over
and writes the answer; a slow query stalls one thread, not the worker.

The request body is read on the main loop before the hand-over and the answer is sent after the
request is done (answers here are small JSON or small static files: nothing streams).
``serve`` applies it when the database is not SQLite; the choice and the figures are in the
README's central section (``bench/central_handlers.py``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

Message = MutableMapping[str, Any]

THREADS = 4
"""Threads per worker process. More only queue on the CPU and the connection pool (5 by default):
the field notes' 4-thread cap halved the threadpool's p99 at 32 clients."""


class Offload:
    """ASGI middleware: runs each HTTP request on a bounded pool of threads, each with its own loop."""

    def __init__(self, app: ASGIApp, threads: int = THREADS) -> None:
        self.app = app
        self.threads = threads
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="central-handler")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and the like stay on the main loop
            await self.app(scope, receive, send)
            return
        body: list[Message] = []
        while True:
            message = await receive()
            body.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        loop = asyncio.get_running_loop()
        answer, failure = await loop.run_in_executor(self._pool, self._run, scope, body)
        for message in answer:  # an error page already made (500) goes out before the error is raised
            await send(message)
        if failure is not None:
            raise failure

    def _run(self, scope: Scope, body: list[Message]) -> tuple[list[Message], Exception | None]:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        answer: list[Message] = []
        pending = list(body)

        async def receive() -> Message:
            if pending:
                return pending.pop(0)
            # Like a client that stays connected: only a listener for disconnects asks again.
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            answer.append(message)

        try:
            loop.run_until_complete(self.app(scope, receive, send))
        except Exception as exc:  # raised again on the main loop, where the server logs it
            return answer, exc
        return answer, None

    def close(self) -> None:
        self._pool.shutdown(wait=True)
