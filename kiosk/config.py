"""The kiosk's configuration: one TOML file, every key with a default, validated at start.

Precedence: ``--config PATH`` over ``$KIOSK_CONFIG``; ``$KIOSK_DATA_DIR`` over ``kiosk.data_dir``.
With neither, the embedded defaults run a self-contained demo kiosk.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from devices import uri
from service_common.i18n import SUPPORTED_LANGUAGES
from service_common.tomlconfig import ConfigError, check, from_mapping, load_file, timezone_check

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _id_check(value: object) -> str | None:
    return None if _ID.match(str(value)) else "letters, digits, '.', '_' or '-', at most 64"


def _positive(value: object) -> str | None:
    return None if isinstance(value, int | float) and value > 0 else "must be greater than zero"


def _non_negative(value: object) -> str | None:
    return None if isinstance(value, int | float) and value >= 0 else "must be zero or more"


def _languages_check(value: object) -> str | None:
    langs = list(value) if isinstance(value, list) else []
    if not langs:
        return "at least one language"
    bad = [lang for lang in langs if lang not in SUPPORTED_LANGUAGES]
    if bad:
        return f"unsupported {bad[0]!r}; supported: {', '.join(SUPPORTED_LANGUAGES)}"
    return None


def _url_check(value: object) -> str | None:
    text = str(value)
    if not re.match(r"^https?://[^/\s]+", text):
        return "expected an http:// or https:// URL"
    return None


@dataclass
class KioskSection:
    id: str = field(default="KIOSK-DEMO-01", metadata=check(_id_check))
    center_id: str = field(default="C01", metadata=check(_id_check))
    timezone: str = field(default="Europe/Moscow", metadata=check(timezone_check))
    data_dir: str = ""


@dataclass
class CentralSection:
    url: str = field(default="http://127.0.0.1:8470", metadata=check(_url_check))
    token: str = ""
    connect_timeout_s: float = field(default=2.0, metadata=check(_positive))
    read_timeout_s: float = field(default=5.0, metadata=check(_positive))
    sync_interval_s: float = field(default=30.0, metadata=check(_positive))
    patience_s: float = field(default=8.0, metadata=check(_positive))
    verify_tls: bool = True


@dataclass
class DevicesSection:
    printer: str = field(default="sim:", metadata=check(uri.validator(uri.PRINTER_SCHEMES)))
    card_reader: str = field(default="sim:", metadata=check(uri.validator(uri.CARD_READER_SCHEMES)))
    scanner: str = field(default="sim:", metadata=check(uri.validator(uri.SCANNER_SCHEMES)))
    paper_width_mm: int = field(default=80, metadata=check(lambda v: None if v in (58, 80) else "58 or 80"))
    paper_roll_m: float = field(default=80.0, metadata=check(_positive))


@dataclass
class UISection:
    languages: list[str] = field(
        default_factory=lambda: list(SUPPORTED_LANGUAGES), metadata=check(_languages_check)
    )
    default_language: str = field(
        default="ru",
        metadata=check(
            lambda v: None if v in SUPPORTED_LANGUAGES else f"one of {', '.join(SUPPORTED_LANGUAGES)}"
        ),
    )
    width: int = field(
        default=1080, metadata=check(lambda v: None if 320 <= v <= 8192 else "320 to 8192 pixels")
    )
    height: int = field(
        default=1920, metadata=check(lambda v: None if 320 <= v <= 8192 else "320 to 8192 pixels")
    )
    rotation: int = field(
        default=0, metadata=check(lambda v: None if v in (0, 90, 180, 270) else "0, 90, 180 or 270")
    )
    fullscreen: bool = False
    show_cursor: bool = True
    keyboard_layouts: list[str] = field(
        default_factory=lambda: ["ru", "en"],
        metadata=check(lambda v: None if v and set(v) <= {"ru", "en"} else "a list of 'ru' and 'en'"),
    )
    demo_controls: bool = False  # the demo's clock control on the home screen; `kiosk demo` turns it on


@dataclass
class IdleSection:
    warning_after_s: float = field(default=60.0, metadata=check(_positive))
    countdown_s: float = field(default=20.0, metadata=check(_positive))


@dataclass
class LoggingSection:
    level: str = field(
        default="INFO",
        metadata=check(
            lambda v: None if v in ("DEBUG", "INFO", "WARNING", "ERROR") else "DEBUG, INFO, WARNING or ERROR"
        ),
    )
    max_bytes: int = field(default=5_000_000, metadata=check(_positive))
    backups: int = field(default=5, metadata=check(_non_negative))


@dataclass
class OfflineSection:
    """How many numbers to hold for issuing tickets while central is unreachable."""

    survive_outage_h: float = field(default=4.0, metadata=check(_positive))
    open_hours_per_day: float = field(default=10.0, metadata=check(_positive))
    daily_volume: int = field(default=200, metadata=check(_positive))
    min_lease: int = field(default=20, metadata=check(_positive))


def _key_file_check(value: object) -> str | None:
    text = str(value)
    return None if not text or Path(text).is_absolute() else "an absolute path, or empty for the demo key"


@dataclass
class CardSection:
    """Card tokens: an HMAC key the bank provisions (a file of at least 16 bytes, read once at start).
    Empty: the embedded demo key, which central's demo core bank also uses."""

    token_key_file: str = field(default="", metadata=check(_key_file_check))


@dataclass
class KioskConfig:
    kiosk: KioskSection = field(default_factory=KioskSection)
    central: CentralSection = field(default_factory=CentralSection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    ui: UISection = field(default_factory=UISection)
    idle: IdleSection = field(default_factory=IdleSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    offline: OfflineSection = field(default_factory=OfflineSection)
    card: CardSection = field(default_factory=CardSection)
    source: str = field(default="<embedded defaults>", compare=False, metadata={"internal": True})

    @property
    def data_dir(self) -> Path:
        return Path(self.kiosk.data_dir or default_data_dir())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.kiosk.timezone)

    @property
    def languages(self) -> list[str]:
        return list(self.ui.languages)


def card_token_key(cfg: KioskConfig) -> bytes:
    """The key card tokens are made with; raises ConfigError for a missing or too short key file."""
    if not cfg.card.token_key_file:
        from devices.card.base import DEMO_TOKEN_KEY

        return DEMO_TOKEN_KEY
    try:
        key = Path(cfg.card.token_key_file).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(cfg.source, "card.token_key_file", f"cannot read it ({exc.strerror})") from None
    if len(key) < 16:
        raise ConfigError(cfg.source, "card.token_key_file", "the key must be at least 16 bytes")
    return key


def default_data_dir() -> str:
    return str(Path.home() / ".local" / "share" / "service-kiosk")


def _cross_checks(cfg: KioskConfig) -> None:
    if cfg.ui.default_language not in cfg.ui.languages:
        raise ConfigError(
            cfg.source, "ui.default_language", f"{cfg.ui.default_language!r} is not in ui.languages"
        )


def load(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> KioskConfig:
    """Load the configuration the way every ``kiosk`` command does; raises ConfigError."""
    env = dict(os.environ) if env is None else env
    chosen = path or env.get("KIOSK_CONFIG") or None
    if chosen:
        cfg = load_file(KioskConfig, Path(chosen))
        cfg.source = str(chosen)
    else:
        cfg = from_mapping(KioskConfig, {}, "<embedded defaults>")
    if env.get("KIOSK_DATA_DIR"):
        cfg.kiosk.data_dir = env["KIOSK_DATA_DIR"]
    _cross_checks(cfg)
    return cfg
