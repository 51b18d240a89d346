"""What the fault proxy does to a request, and what it records: modes, rules, the chaos mix, counts."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    """What happens to one request, and what a ``requests`` client sees (tests/test_faultproxy.py).

    ====================  =========  ==============================================================
    mode                  forwarded  the client sees
    ====================  =========  ==============================================================
    pass                  yes        upstream's answer
    refuse                no         ConnectionError (RemoteDisconnected): ambiguous to the client
    reset_after_request   yes        ConnectionError (ConnectionResetError)
    502_after_request     yes        502, text/html
    503_no_forward        no         503, text/html
    reset_mid_response    yes        ChunkedEncodingError (not a ConnectionError!), or a
                                     ConnectionError when the answer has no body to cut
    stall                 yes        ReadTimeout after its read timeout
    html_200              yes        200, text/html: ``.json()`` raises JSONDecodeError
    (proxy.down = True)   no         ConnectionError from NewConnectionError (ECONNREFUSED): the
                                     only outcome that proves the request never left the client
    ====================  =========  ==============================================================
    """

    PASS = "pass"
    REFUSE = "refuse"  # not forwarded; the client connection is closed without an answer
    RESET_AFTER_REQUEST = "reset_after_request"  # forwarded, answer read, client gets an RST
    BAD_GATEWAY_AFTER_REQUEST = "502_after_request"  # forwarded, answer read, client gets a 502 page
    UNAVAILABLE_NO_FORWARD = "503_no_forward"  # not forwarded; the client gets a 503 page
    RESET_MID_RESPONSE = "reset_mid_response"  # forwarded; status line and half the body, then RST
    STALL = "stall"  # forwarded; nothing sent back until the client gives up or the proxy stops
    HTML_200 = "html_200"  # forwarded; the client gets 200 with a captive-portal HTML page


PathMatcher = str | re.Pattern[str] | None


def _path_matches(matcher: PathMatcher, path: str) -> bool:
    """None matches all; a string matches exactly, or as a prefix when it ends with '*'."""
    if matcher is None:
        return True
    if isinstance(matcher, re.Pattern):
        return matcher.fullmatch(path) is not None
    if matcher.endswith("*"):
        return path.startswith(matcher[:-1])
    return path == matcher


@dataclass
class Rule:
    mode: Mode
    method: str | None = None
    path: PathMatcher = None
    times: int | None = None  # None: for good; else applied to this many requests, then dropped

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and _path_matches(self.path, path)


@dataclass
class Exchange:
    """One request as the proxy handled it; ``forwarded`` means the whole request went upstream."""

    method: str
    path: str
    mode: Mode
    forwarded: bool = False
    upstream_status: int | None = None
    answered: bool = False  # the client was sent a complete answer (real or made up)


@dataclass
class Counts:
    seen: int = 0
    forwarded: int = 0
    answered: int = 0


@dataclass
class Chaos:
    mix: list[tuple[Mode, float]]
    rng: random.Random
    scope: Rule  # which requests draw from the mix

    def draw(self) -> Mode:
        roll = self.rng.random()
        edge = 0.0
        for mode, probability in self.mix:
            edge += probability
            if roll < edge:
                return mode
        return Mode.PASS


def count(log: Iterable[Exchange], key: Callable[[Exchange], str]) -> dict[str, Counts]:
    """Requests seen, forwarded upstream and answered, grouped by ``key``."""
    counts: dict[str, Counts] = {}
    for exchange in log:
        c = counts.setdefault(key(exchange), Counts())
        c.seen += 1
        c.forwarded += exchange.forwarded
        c.answered += exchange.answered
    return counts


def report(log: list[Exchange]) -> str:
    """A plain table of the counts per mode and per path, for a test to print."""
    lines = [f"{'':32} {'seen':>6} {'forwarded':>10} {'answered':>9}"]
    for title, key in (("mode", _mode_key), ("path", _path_key)):
        for name, c in sorted(count(log, key).items()):
            lines.append(f"{title + ' ' + name:32} {c.seen:>6} {c.forwarded:>10} {c.answered:>9}")
    return "\n".join(lines)


def _mode_key(exchange: Exchange) -> str:
    return exchange.mode.value


def _path_key(exchange: Exchange) -> str:
    return f"{exchange.method} {exchange.path}"
