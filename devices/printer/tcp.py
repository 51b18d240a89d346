"""Raw TCP printing (port 9100, "JetDirect"): Epson and most network receipt printers."""

from __future__ import annotations

import contextlib
import socket

from devices.printer.connection import Connection
from devices.printer.errors import from_os_error, make_error
from devices.uri import DeviceURI


class TcpConnection(Connection):
    """One socket per job; every connect, send and receive has its own short deadline."""

    def __init__(self, uri: DeviceURI) -> None:
        super().__init__(uri)
        self.host, self.port = uri.host, uri.port or 9100
        self._sock: socket.socket | None = None

    def open(self, timeout: float) -> None:
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError as exc:
            raise make_error(
                "timeout", f"connect to {self.host}:{self.port} took over {timeout:g} s", uri=self.name,
                errno=exc.errno, phase="open",
            ) from None  # fmt: skip
        except socket.gaierror as exc:
            raise make_error(
                "not_found", f"cannot resolve {self.host}: {exc.strerror}", uri=self.name, phase="open"
            ) from None
        except OSError as exc:
            raise from_os_error(
                exc, f"connect to {self.host}:{self.port}", uri=self.name, phase="open"
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # status queries are 3 bytes
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock = sock

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise make_error("io_error", "connection is not open", uri=self.name, phase="sending")
        return self._sock

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def write(self, data: bytes, timeout: float) -> None:
        sock = self._socket()
        sock.settimeout(timeout)  # since Python 3.5 the timeout bounds the whole sendall
        try:
            sock.sendall(data)
        except TimeoutError:
            raise make_error(
                "timeout", f"printer accepted no more data within {timeout:g} s", uri=self.name,
                phase="sending",
            ) from None  # fmt: skip
        except OSError as exc:
            raise from_os_error(exc, "send", uri=self.name, phase="sending") from None

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._socket()
        sock.settimeout(max(0.001, timeout))
        try:
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise from_os_error(exc, "receive", uri=self.name, phase="status") from None
        if not data:
            raise make_error("io_error", "the printer closed the connection", uri=self.name, phase="status")
        return data

    def discard_input(self) -> None:
        sock = self._socket()
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            raise from_os_error(exc, "receive", uri=self.name, phase="status") from None
        finally:
            sock.setblocking(True)
