"""Rotating log files in the data directory: one line per event, tagged with the kiosk id.

Every record passes a scrubber, so a card number that reaches a message by mistake is
masked before it touches the disk.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from service_common.redact import scrub

FORMAT = "%(asctime)s %(levelname)s %(kiosk_id)s %(name)s: %(message)s"


class KioskRecordFilter(logging.Filter):
    """Adds the kiosk id, folds the record onto one line and masks card numbers."""

    def __init__(self, kiosk_id: str) -> None:
        super().__init__()
        self.kiosk_id = kiosk_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.kiosk_id = self.kiosk_id
        message = record.getMessage()
        if record.exc_info:
            message += " | " + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = scrub(message).replace("\r", " ").replace("\n", " | ")
        record.args = None
        return True


def setup(
    log_dir: Path,
    kiosk_id: str,
    level: str = "INFO",
    max_bytes: int = 5_000_000,
    backups: int = 5,
    console: bool = False,
    filename: str = "kiosk.log",
) -> Path:
    """Route the root logger to ``log_dir/filename``; idempotent, so tests may call it again."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / filename
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    record_filter = KioskRecordFilter(kiosk_id)
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    ]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(record_filter)
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter that would drown the events a technician looks for.
    for noisy in ("urllib3", "PIL", "escpos"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
