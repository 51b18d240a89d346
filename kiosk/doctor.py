"""``kiosk doctor``: what a field technician checks first, each line OK or a plain reason."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from kiosk.config import KioskConfig
from kiosk.context import central_gateway
from offline_cache.db import CacheDB
from server_sync.errors import CentralError
from service_common.i18n import LOCALE_DIR
from service_common.paths import FONTS

Check = Callable[[KioskConfig], str]


class Problem(Exception):
    pass


def check_fonts(_config: KioskConfig) -> str:
    missing = [n for n in ("KioskSans-Regular.otf", "KioskSans-Bold.otf") if not (FONTS / n).exists()]
    from screens.bootstrap import icon_font_path

    if icon_font_path() is None:
        missing.append("MaterialIcons-Regular.ttf")
    if missing:
        raise Problem(f"missing {', '.join(missing)} in {FONTS}: run 'bash run.sh setup'")
    return "interface and icon fonts present"


def check_translations(config: KioskConfig) -> str:
    folders = {"ru": "ru", "zh-Hant": "zh_Hant", "en": "en"}
    missing = [
        lang
        for lang in config.languages
        if not (LOCALE_DIR / folders[lang] / "LC_MESSAGES" / "kiosk.mo").exists()
    ]
    if missing:
        raise Problem(f"catalogs not compiled for {', '.join(missing)}: run 'bash run.sh setup'")
    return f"catalogs compiled for {', '.join(config.languages)}"


def check_data_dir(config: KioskConfig) -> str:
    path = config.data_dir
    path.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path):
        pass
    cache = CacheDB(path / "kiosk.db")
    cache.close()
    free = os.statvfs(path)
    mib = free.f_bavail * free.f_frsize // (1024 * 1024)
    if mib < 100:
        raise Problem(f"{path}: only {mib} MiB free")
    return f"{path} writable, database ready, {mib} MiB free"


def check_central(config: KioskConfig) -> str:
    if not config.central.token:
        raise Problem("no central.token configured: enrol the kiosk with 'kiosk-central kiosks add'")
    gateway = central_gateway(config)
    assert gateway is not None
    try:
        me = gateway.me()
    except CentralError as exc:
        raise Problem(f"{config.central.url}: {exc}") from None
    finally:
        gateway.close()
    if me.get("kiosk_id") != config.kiosk.id:
        raise Problem(f"the token belongs to kiosk {me.get('kiosk_id')!r}, not {config.kiosk.id!r}")
    return f"{config.central.url} answers; enrolled as {me['kiosk_id']} at {me['center_id']}"


def check_offline(config: KioskConfig) -> str:
    """What the kiosk can do without central: lease numbers, check-in keys, what waits to be sent."""
    from kiosk.services.appointment_docs import VERIFICATION_DOC
    from kiosk.services.booking_token import keys_from
    from offline_cache.documents import DocumentCache
    from offline_cache.leases import LeaseStore
    from offline_cache.outbox import Outbox

    cache = CacheDB(config.data_dir / "kiosk.db")
    try:
        doc = DocumentCache(cache).get(VERIFICATION_DOC)
        keys = keys_from(doc.body) if doc is not None else {}
        counts = Outbox(cache).counts()
        leased = LeaseStore(cache).total_remaining()
    finally:
        cache.close()
    pending, rejected = counts.get("pending", 0), counts.get("rejected", 0)
    summary = (
        f"{leased} leased numbers, {len(keys)} check-in signing key(s); "
        f"outbox: {pending} waiting, {rejected} refused by central"
    )
    if not keys:
        summary += " (offline check-in starts after the kiosk's first sync)"
    if rejected:
        raise Problem(summary + " (see 'central refused outbox record' in the log)")
    return summary


def check_card_reader(config: KioskConfig) -> str:
    """The reader PC/SC sees (or the simulator) and the card token key; never touches a card."""
    from devices.card import TECHNICIAN_HINTS, open_card_reader
    from kiosk.config import card_token_key
    from service_common.tomlconfig import ConfigError

    try:
        card_token_key(config)
    except ConfigError as exc:
        raise Problem(str(exc)) from None
    key = "the demo token key" if not config.card.token_key_file else "the bank's token key"
    status = open_card_reader(config.devices.card_reader).status()
    if not status.ok:
        hint = TECHNICIAN_HINTS.get(status.key or "", "")
        raise Problem(f"{status.source}: {status.detail or status.key} {status.code}: {hint}".strip())
    readers = ", ".join(f"{r.name} ({r.state})" for r in status.readers)
    return f"{readers} via {status.source}; {key}"


CHECKS: list[tuple[str, Check]] = [
    ("fonts", check_fonts),
    ("translations", check_translations),
    ("data directory", check_data_dir),
    ("central", check_central),
    ("offline", check_offline),
    ("card reader", check_card_reader),
]


def run_doctor(config: KioskConfig) -> int:
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"OK    {name}: {check(config)}")
        except (Problem, OSError) as exc:
            failed += 1
            print(f"FAIL  {name}: {exc}")
    return 1 if failed else 0
