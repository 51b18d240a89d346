"""The composition root: turns a configuration into the kiosk's services, with no GUI.

The Kivy app, the CLI and the tests all build their kiosk here, so they run the same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from devices.printer import ReceiptPrinter, open_printer
from devices.scanner import BarcodeScanner, open_scanner
from kiosk.config import KioskConfig
from kiosk.services.appointments import AppointmentService
from kiosk.services.info import InfoService
from kiosk.services.queue import QueueService
from kiosk.services.staff import StaffDirectory
from kiosk.session import IdleTimer, Session
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from server_sync.client import CentralClient
from server_sync.worker import SyncWorker
from service_common.clock import Clock, SystemClock
from service_common.i18n import Translator

log = logging.getLogger(__name__)


@dataclass
class KioskContext:
    config: KioskConfig
    clock: Clock
    cache: CacheDB
    client: CentralClient | None
    info: InfoService
    session: Session
    translator: Translator
    idle: IdleTimer
    sync: SyncWorker
    printer: ReceiptPrinter
    queue: QueueService
    staff: StaffDirectory
    appointments: AppointmentService
    scanner: BarcodeScanner

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    def close(self) -> None:
        self.sync.stop()
        self.scanner.stop()
        if self.client is not None:
            self.client.close()
        self.cache.close()


def central_client(config: KioskConfig) -> CentralClient | None:
    """The client every part of the kiosk uses; None when the kiosk is not enrolled yet."""
    if not config.central.token:
        return None
    return CentralClient(
        config.central.url,
        config.central.token,
        connect_timeout=config.central.connect_timeout_s,
        read_timeout=config.central.read_timeout_s,
        verify=config.central.verify_tls,
    )


def build(config: KioskConfig, clock: Clock | None = None) -> KioskContext:
    clock = clock or SystemClock(config.tz)
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    cache = CacheDB(data_dir / "kiosk.db")
    client = central_client(config)
    if client is None:
        log.warning("no central token configured: the kiosk runs on its offline cache only")
    session = Session(default_language=config.ui.default_language)
    # A visitor's booking must not outlive their session (the demo scanner would "read" it).
    session.on_wipe(lambda _reason: setattr(appointments, "last_token", ""))
    translator = Translator(config.ui.default_language)
    info = InfoService(client, DocumentCache(cache), clock, config.kiosk.center_id)
    printer = open_printer(
        config.devices.printer, data_dir=data_dir, paper_width_mm=config.devices.paper_width_mm
    )
    queue = QueueService(client, cache, printer, clock, info, config.kiosk.center_id)
    appointments = AppointmentService(client, cache, clock, info, queue, printer, config.kiosk.center_id)
    # Order matters: the queue job needs the center list the info job refreshes.
    sync = SyncWorker(
        {"info": info.refresh, "queue": queue.sync, "appointments": appointments.sync},
        config.central.sync_interval_s,
    )
    return KioskContext(
        config=config,
        clock=clock,
        cache=cache,
        client=client,
        info=info,
        session=session,
        translator=translator,
        idle=IdleTimer(clock, config.idle.warning_after_s, config.idle.countdown_s),
        sync=sync,
        printer=printer,
        queue=queue,
        staff=StaffDirectory(cache, clock),
        appointments=appointments,
        scanner=open_scanner(config.devices.scanner),
    )
