"""The central's configuration: one optional TOML file, every key with a default.

Precedence: command-line flags over the file (``--config PATH``, else ``$KIOSK_CENTRAL_CONFIG``)
over the defaults below. Unknown keys and wrong types stop the program with one line
``PATH: key: problem`` (exit code 2), the same rule as the kiosk's own file.

Example::

    [server]
    host = "127.0.0.1"      # loopback unless a reverse proxy or firewall is in front
    port = 8470
    db = "/var/lib/kiosk-central/central.db"   # a file path (SQLite) or a SQLAlchemy URL
    log_level = "INFO"
    timezone = "Europe/Moscow"
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.tomlconfig import check, from_mapping, load_file

ENV_VAR = "KIOSK_CENTRAL_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _tz_check(value: object) -> str | None:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (expected an IANA name such as Europe/Moscow)"
    return None


def _port_check(value: object) -> str | None:
    return None if isinstance(value, int) and 0 <= value <= 65535 else "a port number from 0 to 65535"


def _non_empty(value: object) -> str | None:
    return None if str(value).strip() else "must not be empty"


@dataclass
class ServerSection:
    host: str = field(default="127.0.0.1", metadata=check(_non_empty))
    port: int = field(default=8470, metadata=check(_port_check))
    db: str = field(default="./central.db", metadata=check(_non_empty))
    log_level: str = field(
        default="INFO", metadata=check(lambda v: None if v in LOG_LEVELS else ", ".join(LOG_LEVELS))
    )
    timezone: str = field(default="Europe/Moscow", metadata=check(_tz_check))


@dataclass
class CentralConfig:
    server: ServerSection = field(default_factory=ServerSection)
    source: str = field(default="<defaults>", compare=False, metadata={"internal": True})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.server.timezone)


def load(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> CentralConfig:
    """Load the file the way every ``kiosk-central`` command does; raises ConfigError."""
    env = dict(os.environ) if env is None else env
    chosen = path or env.get(ENV_VAR) or None
    if chosen:
        cfg = load_file(CentralConfig, Path(chosen))
        cfg.source = str(chosen)
        return cfg
    return from_mapping(CentralConfig, {}, "<defaults>")
