"""The composition root: turns a configuration into the kiosk's services, with no GUI.

The Kivy app, the CLI and the tests all build their kiosk here, so they run the same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from devices.card import CardReader, open_card_reader
from devices.printer import ReceiptPrinter, open_printer
from devices.scanner import BarcodeScanner, open_scanner
from kiosk.config import KioskConfig, card_token_key
from kiosk.services.appeals import AppealService
from kiosk.services.appointment_docs import AppointmentDocs
from kiosk.services.appointments import AppointmentService
from kiosk.services.checkin import CheckInService
from kiosk.services.commands import CommandRunner
from kiosk.services.fleet_config import FleetConfig
from kiosk.services.health import HealthService
from kiosk.services.info import InfoService
from kiosk.services.info_sync import InfoSync
from kiosk.services.knowledge import KnowledgeService
from kiosk.services.knowledge_sync import KnowledgeSync
from kiosk.services.queue import LeasePolicy, QueueService
from kiosk.services.staff import StaffDirectory
from kiosk.services.statements import StatementsService
from kiosk.services.technician import TechnicianMode
from kiosk.session import IdleTimer, Session
from offline_cache.appeals import AppealStore
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from offline_cache.fleet import FleetStore
from offline_cache.outbox import Outbox
from offline_cache.sync_state import SyncState
from server_sync.client import CentralClient
from server_sync.gateway import CentralGateway
from server_sync.outbox import OutboxSender
from server_sync.worker import SyncWorker
from service_common.clock import Clock, SystemClock
from service_common.i18n import Translator, pick

log = logging.getLogger(__name__)


@dataclass
class KioskContext:
    config: KioskConfig
    clock: Clock
    cache: CacheDB
    gateway: CentralGateway | None
    info: InfoService
    session: Session
    translator: Translator
    idle: IdleTimer
    sync: SyncWorker
    printer: ReceiptPrinter
    queue: QueueService
    staff: StaffDirectory
    appointments: AppointmentService
    checkin: CheckInService
    sender: OutboxSender
    scanner: BarcodeScanner
    # The chip card reader (devices.card_reader); the app starts it, close() stops it. Tokens use the key.
    card_reader: CardReader
    card_token_key: bytes
    knowledge: KnowledgeService
    knowledge_sync: KnowledgeSync
    # The card session: identification, statement, balance, services, loss report (kiosk/services/statements.py)
    statements: StatementsService
    # the fleet (heartbeat, technician mode)
    health: HealthService
    technician: TechnicianMode
    commands: CommandRunner
    appeals: AppealService

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    def close(self) -> None:
        self.technician.settle()  # the last Leave's record, before the database closes
        self.sync.stop()
        self.card_reader.stop()
        self.health.stop()
        self.scanner.stop()
        if self.gateway is not None:
            self.gateway.close()
        self.cache.close()


def central_gateway(config: KioskConfig) -> CentralGateway | None:
    """The one way to central every part of the kiosk uses; None when the kiosk is not enrolled yet."""
    if not config.central.token:
        return None
    client = CentralClient(
        config.central.url,
        config.central.token,
        connect_timeout=config.central.connect_timeout_s,
        read_timeout=config.central.read_timeout_s,
        verify=config.central.verify_tls,
    )
    return CentralGateway(client, patience_s=config.central.patience_s)


def lease_policy(config: KioskConfig) -> LeasePolicy:
    o = config.offline
    return LeasePolicy(o.survive_outage_h, o.open_hours_per_day, o.daily_volume, o.min_lease)


def build(config: KioskConfig, clock: Clock | None = None) -> KioskContext:
    clock = clock or SystemClock(config.tz)
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    cache = CacheDB(data_dir / "kiosk.db")
    gateway = central_gateway(config)
    if gateway is None:
        log.warning("no central token configured: the kiosk runs on its offline cache only")
    session = Session(default_language=config.ui.default_language)
    # A visitor's booking must not outlive their session (the demo scanner would "read" it).
    session.on_wipe(lambda _reason: setattr(appointments, "last_token", ""))
    translator = Translator(config.ui.default_language)
    docs = DocumentCache(cache)
    info = InfoService(gateway, docs, clock, config.kiosk.center_id)
    printer = open_printer(
        config.devices.printer, data_dir=data_dir, paper_width_mm=config.devices.paper_width_mm
    )
    queue = QueueService(gateway, cache, printer, clock, info, config.kiosk.center_id, lease_policy(config))
    settled = queue.settle_interrupted()
    if settled:
        log.warning(
            "%d ticket(s) interrupted between numbering and printing last time count as issued", settled
        )
    booking_docs = AppointmentDocs(gateway, docs, clock, config.kiosk.center_id)
    appointments = AppointmentService(gateway, cache, clock, info, queue, printer, booking_docs)
    checkin = CheckInService(gateway, cache, clock, booking_docs, queue, config.kiosk.center_id)
    appeals = AppealService(gateway, AppealStore(cache), clock, info, printer, config.kiosk.center_id)
    sender = OutboxSender(Outbox(cache), gateway, clock)
    sender.outbox.retry_now()  # a fresh start tries what waits at once, not after an old back-off
    scanner = open_scanner(config.devices.scanner)
    idle = IdleTimer(clock, config.idle.warning_after_s, config.idle.countdown_s)
    # The fleet: a heartbeat every sync cycle (last, so it reports this cycle's outcome) and on a change.
    sync_state = SyncState(cache)
    health = HealthService(
        gateway, FleetStore(cache), sender.outbox, sync_state, printer, scanner, clock,
        data_dir=data_dir, interval_s=config.central.sync_interval_s, roll_m=config.devices.paper_roll_m,
        card_reader_uri=config.devices.card_reader,
    )  # fmt: skip
    # Order matters: leases need the center list the info job refreshes; the outbox goes first.
    knowledge_sync = KnowledgeSync(gateway, cache, clock)
    # The info job pulls centers, announcements and rates through central's cursor feed (304 when unchanged).
    info_sync = InfoSync(gateway, docs, clock, config.kiosk.center_id)
    sync = SyncWorker(
        {"outbox": sender.send, "info": info_sync.sync, "leases": queue.top_up_leases,
         "appointments": booking_docs.sync, "knowledge": knowledge_sync.sync,
         "heartbeat": health.send, "appeals": appeals.refresh_serial},
        config.central.sync_interval_s,
        state=sync_state,
        clock=clock,
        last_error=(lambda: gateway.last_error) if gateway is not None else None,
    )  # fmt: skip
    technician = TechnicianMode(
        cache, clock, kiosk_id=config.kiosk.id, token=config.central.token, gateway=gateway, printer=printer,
        scanner=scanner, health=health, log_file=data_dir / "logs" / "kiosk.log", run_sync=sync.run_once,
    )  # fmt: skip
    technician.on_change = sync.sync_now
    commands = CommandRunner(
        gateway, health.store, clock, printer, data_dir / "logs" / "kiosk.log",
        lang=config.ui.default_language, uptime=health.uptime_s,
    )  # fmt: skip
    health.on_commands = commands.handle
    fleet_config = FleetConfig(
        gateway, health.store, kiosk_id=config.kiosk.id, center_id=config.kiosk.center_id,
        defaults={"sync_interval_s": config.central.sync_interval_s, "idle_warning_after_s": config.idle.warning_after_s},
    )  # fmt: skip

    def sync_every(seconds: float) -> None:
        sync.interval_s = health.interval_s = seconds

    fleet_config.appliers = {
        "sync_interval_s": sync_every,
        "idle_warning_after_s": lambda v: setattr(idle, "warning_after_s", v),
    }
    fleet_config.restore()
    commands.apply_config = fleet_config.apply
    session.on_wipe(technician.end)  # the idle timer (or Leave) ends technician mode
    if gateway is not None:
        # The first call that reaches central after an outage sends what waits, without its back-off.
        gateway.on_link_up(sender.outbox.retry_now)
        gateway.on_link_up(sync.sync_now)
    token_key = card_token_key(config)
    card_reader = open_card_reader(config.devices.card_reader, now=clock.now)
    return KioskContext(
        config=config,
        clock=clock,
        cache=cache,
        gateway=gateway,
        info=info,
        session=session,
        translator=translator,
        idle=idle,
        sync=sync,
        printer=printer,
        queue=queue,
        staff=StaffDirectory(cache, clock),
        appointments=appointments,
        checkin=checkin,
        sender=sender,
        scanner=scanner,
        card_reader=card_reader,
        card_token_key=token_key,
        statements=StatementsService(
            gateway, clock, session, token_key, printer,
            center_name=lambda lang: pick((info.home_center() or {}).get("name"), lang),
            release=card_reader.release,
        ),
        knowledge=KnowledgeService(cache, clock),
        knowledge_sync=knowledge_sync,
        health=health,
        technician=technician,
        commands=commands,
        appeals=appeals,
    )  # fmt: skip
