"""From asking for a 200-operation card statement to its last byte at the printer (aim: 150 ms on loopback).

The path a visitor's "Print the statement" starts, after the PIN: a fresh PIN attestation signed,
central on loopback (a real ``kiosk-central serve``: token, rate limit, attestation with its nonce
written, the demo core bank generating the operations), the answer parsed into Decimals, the
receipt laid out (pages of 40 operations) and sent over TCP to an Epson-like fake printer on
loopback. On a real printer the wire adds its own time (about 1.8 s for 21 KB at 115200 baud),
which this figure leaves out. Cards are used in turn so central's per-card rate limit (20 a minute)
never answers 429. ``bench/card.py`` (the emv engineer's) calls :func:`statement_figure`.

    .venv/bin/python bench/card_statement.py [--runs 12]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROFILES = ("visa", "mastercard", "no_pdol", "track2", "multi", "pse")
"""The simulator's cards whose PIN the chip checks (plaintext PIN allowed, not blocked)."""


def _range_for(token: str, end: datetime, wanted: int) -> tuple[datetime, int]:
    """The first day of the shortest range ending at ``end`` with at least ``wanted`` operations."""
    from central.statements.backend import Filters, Period
    from central.statements.demo_bank import DemoCoreBank
    from service_common.clock import ManualClock

    bank = DemoCoreBank(None, ManualClock(end))  # type: ignore[arg-type]  # history needs no database
    for days in range(30, 93):
        start = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        count = len(bank.operations(token, Period(end=end, start=start), Filters()).operations)
        if count >= wanted:
            return start, count
    return start, count


def statement_figure(runs: int = 12, operations: int = 200) -> str:
    from devices.card import SimulatorCardReader
    from devices.card.virtual.profiles import DEMO_PIN
    from devices.printer import open_printer
    from kiosk.config import load
    from kiosk.context import build
    from kiosk.services.statements import StatementQuery
    from service_common.clock import SystemClock
    from tests.conftest import start_central
    from tests.printer.fakes import TcpPrinter

    work = Path(tempfile.mkdtemp(prefix="bench-card-statement-"))
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
        config = load(None, {"KIOSK_DATA_DIR": str(work / "kiosk")})
        config.central.url = central.url
        config.central.token = central.enrol("KIOSK-BENCH-CARD")
        ctx = build(config, SystemClock("Europe/Moscow"))
        ctx.statements.printer = open_printer(fake.uri, data_dir=None, paper_width_mm=80)
        reader = ctx.card_reader
        assert isinstance(reader, SimulatorCardReader)
        totals, asks, counts = [], [], []
        for i in range(runs + 1):  # the first is a warm-up (imports, fonts, connections)
            reader.insert(PROFILES[i % len(PROFILES)])
            card = ctx.statements.begin(reader.read_card())
            assert ctx.statements.verify_pin(reader, DEMO_PIN).ok
            start_day, _n = _range_for(card.token, ctx.clock.now(), operations)
            query = StatementQuery("range", date_from=start_day.date(), date_to=ctx.clock.now().date())
            job_bytes[0] = 0
            started = time.perf_counter()
            view = ctx.statements.statement(query)
            answered = time.perf_counter()
            ctx.statements.print_statement(view, "ru")
            if i:
                totals.append((last_byte[0] - started) * 1000)
                asks.append((answered - started) * 1000)
                counts.append(len(view.operations))
            ctx.session.wipe("bench")
        ctx.close()
    finally:
        fake.close()
        central.stop()
    totals.sort()
    return (
        f"statement of {min(counts)}-{max(counts)} operations, ask to last byte at the printer: median "
        f"{statistics.median(totals):.1f} ms, max {totals[-1]:.1f} ms (aim <= 150 ms; central's answer "
        f"{statistics.median(asks):.1f} ms of it); {job_bytes[0]:,} bytes; {runs} runs, loopback, TCP fake TM-T20II"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    print(statement_figure(args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
