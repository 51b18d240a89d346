"""Device URIs: the one string in the configuration that picks a driver and its settings.

Examples::

    tcp://10.0.0.5:9100?profile=TM-T20II      serial:/dev/ttyUSB0?baudrate=115200&profile=TM-T88V
    usb://04b8:0e15?profile=TM-T20II           file:/var/lib/kiosk/printer.bin
    sim:                                       sim:?paper=out
    pcsc:auto                                  pcsc:Virtual PCD 00 00
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

PRINTER_SCHEMES = ("tcp", "serial", "usb", "file", "sim")
CARD_READER_SCHEMES = ("pcsc", "sim")
SCANNER_SCHEMES = ("serial", "wedge", "sim")


class DeviceURIError(ValueError):
    """The URI cannot name a device; the message says why in one line."""


@dataclass(frozen=True)
class DeviceURI:
    scheme: str
    target: str = ""
    host: str = ""
    port: int = 0
    params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def int_param(self, name: str, default: int) -> int:
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise DeviceURIError(f"parameter {name}={raw!r} must be a whole number") from None

    def float_param(self, name: str, default: float) -> float:
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError:
            raise DeviceURIError(f"parameter {name}={raw!r} must be a number") from None

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        if self.scheme in ("tcp", "usb"):
            base = f"{self.scheme}://{self.target}"
        else:
            base = f"{self.scheme}:{self.target}"
        return base + (f"?{query}" if query else "")


def parse(uri: str, allowed: tuple[str, ...]) -> DeviceURI:
    """Parse and check one device URI against the schemes a device kind accepts."""
    text = uri.strip()
    if ":" not in text:
        raise DeviceURIError(f"{uri!r} has no scheme; expected one of {', '.join(s + ':' for s in allowed)}")
    scheme, rest = text.split(":", 1)
    scheme = scheme.lower()
    if scheme not in allowed:
        raise DeviceURIError(
            f"unknown scheme {scheme!r}; expected one of {', '.join(s + ':' for s in allowed)}"
        )
    target, _, query = rest.partition("?")
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise DeviceURIError(f"{uri!r}: malformed parameters after '?'") from None
    if scheme in ("tcp", "usb"):
        if not target.startswith("//"):
            raise DeviceURIError(f"{uri!r}: expected {scheme}://...")
        target = target[2:]
    host, port = "", 0
    if scheme == "tcp":
        host, sep, port_text = target.rpartition(":")
        if not sep:
            host, port_text = target, "9100"
        if not host:
            raise DeviceURIError(f"{uri!r}: no host")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise DeviceURIError(f"{uri!r}: port must be 1-65535")
        port = int(port_text)
    elif scheme == "usb":
        vid, sep, pid = target.partition(":")
        try:
            int(vid, 16)
            int(pid, 16)
        except ValueError:
            raise DeviceURIError(f"{uri!r}: expected usb://VID:PID in hex, e.g. usb://04b8:0e15") from None
        if not sep:
            raise DeviceURIError(f"{uri!r}: expected usb://VID:PID")
    elif scheme in ("serial", "file") and not target:
        raise DeviceURIError(f"{uri!r}: no device path")
    elif scheme == "pcsc" and target.lower() == "auto":
        target = ""  # pcsc: and pcsc:auto both mean the first reader there is
    return DeviceURI(scheme=scheme, target=target, host=host, port=port, params=params)


def validator(allowed: tuple[str, ...]) -> Callable[[object], str | None]:
    """A config field check that accepts only URIs of the given schemes."""

    def _check(value: object) -> str | None:
        try:
            parse(str(value), allowed)
        except DeviceURIError as exc:
            return str(exc)
        return None

    return _check
