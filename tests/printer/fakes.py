"""Fake Epson printers for tests: a pty (serial driver) and a TCP listener (tcp driver).

Both capture every byte and answer DLE EOT 1/2/4 the way an Epson TM does, from their own little state
(written independently of the simulator, so a mistake in one does not hide the same mistake in the other).
Switches take effect at once or after a number of received bytes: paper out / cover open in the middle of a
job, silent (reads, never answers), stalled (stops reading, so the sender's writes block), garbage answers.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

READ_CHUNK = 1024  # small reads: a switch "after N bytes" takes effect within a kilobyte


@dataclass
class EpsonState:
    paper: str = "ok"  # ok, near_end, out
    cover_open: bool = False
    offline: bool = False
    silent: bool = False
    stalled: bool = False
    garbage: bool = False
    answer_delay: float = 0.0

    def answer(self, n: int) -> bytes:
        """Epson TM answers; fixed bits 0x12 always set."""
        if self.garbage:
            return b"\xff"
        out = self.paper == "out"
        if n == 1:
            return bytes([0x12 | (0x08 if (self.offline or out or self.cover_open) else 0)])
        if n == 2:
            return bytes([0x12 | (0x04 if self.cover_open else 0) | (0x20 if out else 0)])
        if n == 4:
            return bytes([0x12 | (0x60 if out else 0) | (0x0C if self.paper == "near_end" else 0)])
        return b"\x12"


@dataclass
class _Trigger:
    at_bytes: int
    action: Callable[[EpsonState], None]


@dataclass
class FakeEpson:
    """The printer side: feed it bytes, get its answers."""

    state: EpsonState = field(default_factory=EpsonState)
    received: bytearray = field(default_factory=bytearray)
    queries: list[int] = field(default_factory=list)
    triggers: list[_Trigger] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _tail: bytes = b""

    def after_bytes(self, count: int, action: Callable[[EpsonState], None]) -> None:
        """Run ``action`` once this many more bytes have arrived (e.g. paper runs out mid-job)."""
        with self.lock:
            self.triggers.append(_Trigger(len(self.received) + count, action))

    def feed(self, data: bytes) -> bytes:
        with self.lock:
            self.received += data
            for trigger in list(self.triggers):
                if len(self.received) >= trigger.at_bytes:
                    trigger.action(self.state)
                    self.triggers.remove(trigger)
            stream = self._tail + data
            answers = b""
            i = 0
            while i + 2 < len(stream):
                if stream[i] == 0x10 and stream[i + 1] == 0x04:
                    n = stream[i + 2]
                    self.queries.append(n)
                    if not self.state.silent:
                        answers += self.state.answer(n)
                    i += 3
                else:
                    i += 1
            self._tail = stream[i:][-2:]
            return answers

    def bytes(self) -> bytes:
        with self.lock:
            return bytes(self.received)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.queries.clear()
            self._tail = b""


class PtyPrinter:
    """A printer at the far end of a pseudo-terminal: open ``serial:<slave>`` to talk to it."""

    def __init__(self) -> None:
        self.printer = FakeEpson()
        self.master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-pty-printer", daemon=True)
        self._thread.start()

    @property
    def state(self) -> EpsonState:
        return self.printer.state

    @property
    def uri(self) -> str:
        return f"serial:{self.path}?baudrate=115200&profile=TM-T20II&speed=0"

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.state.stalled:
                time.sleep(0.01)
                continue
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, READ_CHUNK)
            except OSError:  # EIO while no one has the slave open
                time.sleep(0.01)
                continue
            answer = self.printer.feed(data)
            if answer:
                time.sleep(self.state.answer_delay)
                os.write(self.master, answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)


class TcpPrinter:
    """A printer listening on 127.0.0.1 (a free port): open ``tcp://127.0.0.1:PORT`` to talk to it."""

    def __init__(self) -> None:
        self.printer = FakeEpson()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.05)
        self.port = int(self._server.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, name="fake-tcp-printer", daemon=True)
        accept.start()
        self._threads.append(accept)

    @property
    def state(self) -> EpsonState:
        return self.printer.state

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}?profile=TM-T20II&speed=0"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        with conn:
            while not self._stop.is_set():
                if self.state.stalled:
                    time.sleep(0.01)
                    continue
                try:
                    data = conn.recv(READ_CHUNK)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                answer = self.printer.feed(data)
                if answer:
                    time.sleep(self.state.answer_delay)
                    try:
                        conn.sendall(answer)
                    except OSError:
                        return

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        for thread in self._threads:
            thread.join(2)
