"""The one way blocking work leaves the UI thread and its result comes back.

Device and network calls run on a small thread pool; their outcome is handed to ``post``,
which the app wires to the Kivy clock so callbacks run on the UI thread. The core knows
nothing of Kivy: tests pass a plain queue instead.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Post = Callable[[Callable[[], None]], None]


class Task(Generic[T]):
    """A handle to submitted work; ``cancel`` drops its callbacks (the work itself may still finish)."""

    def __init__(self, future: Future[T]) -> None:
        self.future = future
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()
        self.future.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def done(self) -> bool:
        return self.future.done()


class TaskRunner:
    """Runs callables off the UI thread and posts ``on_done``/``on_error`` back through ``post``."""

    def __init__(self, post: Post, max_workers: int = 4, name: str = "kiosk-work") -> None:
        self._post = post
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._live: set[Task[Any]] = set()
        self._lock = threading.Lock()

    def submit(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Task[T]:
        future: Future[T] = self._pool.submit(fn, *args, **kwargs)
        task: Task[T] = Task(future)
        with self._lock:
            self._live.add(task)
        future.add_done_callback(lambda f: self._deliver(task, f, on_done, on_error))
        return task

    def _deliver(
        self,
        task: Task[T],
        future: Future[T],
        on_done: Callable[[T], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        with self._lock:
            self._live.discard(task)
        if task.cancelled or future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.warning("background task failed: %s: %s", type(exc).__name__, exc)
            if on_error is not None:
                self._post(lambda: None if task.cancelled else on_error(exc))
            return
        if on_done is not None:
            result = future.result()
            self._post(lambda: None if task.cancelled else on_done(result))

    @property
    def busy(self) -> bool:
        """Work is still running whose callbacks have not been delivered."""
        with self._lock:
            return bool(self._live)

    def cancel_all(self) -> None:
        """Forget every pending callback: used when the visitor's session is wiped."""
        with self._lock:
            live = list(self._live)
        for task in live:
            task.cancel()

    def shutdown(self, wait: bool = False) -> None:
        self.cancel_all()
        self._pool.shutdown(wait=wait, cancel_futures=True)


class QueuePost:
    """A ``post`` for tests and headless tools: callbacks wait in a queue until drained."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()

    def __call__(self, callback: Callable[[], None]) -> None:
        self._queue.put(callback)

    def drain(self, timeout: float = 0.0) -> int:
        """Run queued callbacks; wait up to ``timeout`` for the first one. Returns how many ran."""
        ran = 0
        try:
            callback = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            return 0
        while True:
            callback()
            ran += 1
            try:
                callback = self._queue.get_nowait()
            except queue.Empty:
                return ran
