"""HTTP/1.1 framing for the fault proxy: just enough to find where a request and its answer end.

The proxy must know when a whole request has been forwarded and when the whole answer is back, so it
can drop that answer at a chosen point. It keeps the raw bytes and forwards them unchanged.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

MAX_HEAD = 64 * 1024


class PeerClosed(Exception):
    """The other end closed (or reset) the connection before a message was complete."""


class BufferedSocket:
    """A socket with a read buffer, so a message boundary can fall anywhere in a recv."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except OSError as exc:  # reset, shut down from another thread, or timed out
            raise PeerClosed(str(exc)) from exc
        if not chunk:
            raise PeerClosed("end of stream")
        self.buffer += chunk

    def read_until(self, marker: bytes, limit: int = MAX_HEAD) -> bytes:
        """Bytes up to and including ``marker``."""
        while True:
            at = self.buffer.find(marker)
            if at >= 0:
                end = at + len(marker)
                data = bytes(self.buffer[:end])
                del self.buffer[:end]
                return data
            if len(self.buffer) > limit:
                raise PeerClosed("message head too long")
            self._fill()

    def read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def read_to_end(self) -> bytes:
        while True:
            try:
                self._fill()
            except PeerClosed:
                data = bytes(self.buffer)
                self.buffer.clear()
                return data

    def read_chunked(self) -> bytes:
        """A whole chunked body, raw (sizes, chunks, last chunk and trailers)."""
        out = bytearray()
        while True:
            line = self.read_until(b"\r\n")
            out += line
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers end with an empty line
                    trailer = self.read_until(b"\r\n")
                    out += trailer
                    if trailer == b"\r\n":
                        return bytes(out)
            out += self.read_exact(size + 2)


def _headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return headers


@dataclass
class Request:
    method: str
    path: str
    head: bytes
    body: bytes
    headers: dict[str, str]

    @property
    def raw(self) -> bytes:
        return self.head + self.body

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


@dataclass
class Response:
    status: int
    head: bytes
    body: bytes
    headers: dict[str, str]
    until_close: bool  # the body ran to the end of the stream: the connection cannot be reused

    @property
    def raw(self) -> bytes:
        return self.head + self.body

    @property
    def keep_alive(self) -> bool:
        return not self.until_close and self.headers.get("connection", "").lower() != "close"


def read_request(conn: BufferedSocket) -> Request:
    head = conn.read_until(b"\r\n\r\n")
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise PeerClosed(f"bad request line {request_line!r}")
    headers = _headers(head)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = conn.read_chunked()
    else:
        body = conn.read_exact(int(headers.get("content-length", "0") or 0))
    return Request(parts[0], parts[1], head, body, headers)


def read_response(conn: BufferedSocket, method: str) -> Response:
    head = conn.read_until(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    try:
        status = int(status_line.split(" ")[1])
    except (IndexError, ValueError) as exc:
        raise PeerClosed(f"bad status line {status_line!r}") from exc
    headers = _headers(head)
    until_close = False
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = conn.read_chunked()
    elif "content-length" in headers:
        body = conn.read_exact(int(headers["content-length"]))
    else:
        body = conn.read_to_end()
        until_close = True
    return Response(status, head, body, headers, until_close)


def html_response(status: int, reason: str, html: str, keep_alive: bool = True) -> bytes:
    """A whole synthetic answer, as a load balancer or a captive portal would send it."""
    body = html.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


BAD_GATEWAY_HTML = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)
UNAVAILABLE_HTML = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
    "</body></html>\n"
)
CAPTIVE_PORTAL_HTML = (
    "<!DOCTYPE html><html><head><title>Wi-Fi login</title></head>"
    "<body><h1>Welcome</h1><p>Please accept the terms of use to continue.</p>"
    '<form method="post" action="/login"><button>Accept</button></form></body></html>\n'
)


def cut_response(response: Response) -> bytes:
    """The first part of an answer: the status line and headers with half the body, or less."""
    if len(response.body) >= 2:
        return response.head + response.body[: len(response.body) // 2]
    # No body to cut: stop inside the headers, after the status line.
    return response.head[: response.head.index(b"\r\n") + 2]
