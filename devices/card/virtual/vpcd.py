"""A virtual card for pcscd's vpcd driver (vsmartcard): the card "inserts" itself by connecting to vpcd.

Wire: each message is a 2-byte big-endian length and a payload; a 1-byte payload is a control code (0 power
off, 1 power on, 2 reset, 4 get ATR), anything longer a command APDU to answer. Closing the connection removes
the card. TCP_QUICKACK before every recv: without it vpcd's split writes meet delayed ACK and every APDU
stalls about 40 ms. For tests and the bench only: never install vpcd on a kiosk.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from devices.card.virtual.card import CardPulled, VirtualCard
from devices.card.virtual.profiles import Profile

log = logging.getLogger("devices.card.vpcd")

VPCD_PORT = 35963  # reader "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01"
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class VpcdCard:
    """``insert()`` connects (the reader sees a card), ``remove()`` disconnects. A profile with
    ``pull_after`` disconnects by itself mid-conversation."""

    def __init__(
        self, profile: Profile, port: int = VPCD_PORT, host: str = "127.0.0.1", quickack: bool = True
    ) -> None:
        self.card = VirtualCard(profile)
        self.quickack = quickack and hasattr(socket, "TCP_QUICKACK")
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.connected_at = 0.0  # perf_counter when the connection was made (the bench's "insertion")
        self.first_apdu_at = 0.0
        self.gone = threading.Event()

    def insert(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.connected_at = time.perf_counter()
        self._sock = sock
        self.gone.clear()
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            if self.quickack:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def _send(self, sock: socket.socket, payload: bytes) -> None:
        sock.sendall(len(payload).to_bytes(2, "big") + payload)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = self._recv_exact(sock, 2)
                if head is None:
                    return
                payload = self._recv_exact(sock, int.from_bytes(head, "big"))
                if payload is None:
                    return
                if len(payload) == 1:
                    if payload[0] == GET_ATR:
                        self._send(sock, self.card.atr)
                    elif payload[0] in (POWER_OFF, POWER_ON, RESET):
                        self.card.reset()
                    continue
                if not self.first_apdu_at:
                    self.first_apdu_at = time.perf_counter()
                try:
                    answer = self.card.process(payload)
                except CardPulled:
                    return
                self._send(sock, answer)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            self.gone.set()
