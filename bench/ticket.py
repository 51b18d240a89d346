"""Time from the tap to the ticket's last byte at the printer, online and offline, and bytes per ticket.

The path is the one a tap starts: printer status check, the number from central (or the
offline lease), the receipt rendered to ESC/POS, the bytes over TCP to an Epson-like fake
printer on loopback that answers DLE EOT. Aims: 150 ms online, 50 ms offline.

    .venv/bin/python bench/ticket.py [--tickets 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=40)
    args = parser.parse_args()

    from devices.printer import open_printer
    from kiosk.services.info import InfoService
    from kiosk.services.queue import QueueService
    from offline_cache.db import CacheDB
    from offline_cache.documents import DocumentCache
    from offline_cache.outbox import Outbox
    from server_sync.client import CentralClient
    from server_sync.gateway import CentralGateway
    from server_sync.outbox import OutboxSender
    from service_common.clock import SystemClock
    from tests.conftest import free_port, start_central
    from tests.printer.fakes import TcpPrinter

    work = Path(tempfile.mkdtemp(prefix="bench-ticket-"))
    central = start_central(work / "central.db")
    fake = TcpPrinter()
    last_byte = [0.0]
    job_bytes = [0]
    feed = fake.printer.feed

    def timed_feed(data: bytes) -> bytes:
        if len(data) > 3:  # job data, not a lone status query
            last_byte[0] = time.perf_counter()
            job_bytes[0] += len(data)
        return feed(data)

    fake.printer.feed = timed_feed  # type: ignore[method-assign]
    try:
        online = CentralClient(central.url, central.enrol("KIOSK-BENCH-TICKET"))
        offline = CentralClient(f"http://127.0.0.1:{free_port()}", "x", connect_timeout=0.5)
        clock = SystemClock("Europe/Moscow")
        cache = CacheDB(work / "kiosk.db")
        gateway = CentralGateway(online)
        info = InfoService(gateway, DocumentCache(cache), clock, "C01")
        info.refresh()
        printer = open_printer(fake.uri, data_dir=None, paper_width_mm=80)
        queue = QueueService(gateway, cache, printer, clock, info, "C01")
        sender = OutboxSender(Outbox(cache), gateway, clock)
        queue.top_up_leases()
        service = (info.home_center() or {})["services"][0]["id"]
        queue.take_ticket(service)  # warm-up: imports, fonts, connections

        def run(mode: str, lang: str) -> tuple[list[float], int]:
            gateway.client = online if mode == "online" else offline
            times = []
            job_bytes[0] = 0
            for _ in range(args.tickets):
                start = time.perf_counter()
                queue.take_ticket(service, lang=lang)
                times.append((last_byte[0] - start) * 1000)
            gateway.client = online
            if mode == "offline":
                sender.send()
            return times, job_bytes[0] // args.tickets

        print(f"{args.tickets} tickets each, TCP fake Epson TM-T20II on loopback, 80 mm, central on loopback")
        for mode, lang, aim in (("online", "ru", 150), ("offline", "ru", 50), ("online", "zh-Hant", 150)):
            times, per_ticket = run(mode, lang)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{mode:7s} {lang:7s}: tap to last byte median {statistics.median(times):6.1f} ms, "
                f"p95 {p95:6.1f} ms (aim <= {aim} ms); {per_ticket:,} bytes per ticket"
            )
    finally:
        fake.close()
        central.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
