"""Card figures: from card insertion to the card number read (pcscd + vpcd + a virtual card), and a slot for
the statement figure (200-operation statement to its last byte at the printer).

Insertion-to-PAN is measured from the reader event (our SCardGetStatusChange loop reporting the card) to
``read_card()`` returning, through the kiosk's own driver and a worker hop, as the kiosk does it: pcscd's
polling (120-400 ms) is reported apart. Aim: at most 20 ms with the virtual card. Needs pcscd and vpcd
(started here when none runs, as the tests do).

    .venv/bin/python bench/card.py [--cards 20] [--profiles visa,mastercard,pse]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AIM_MS = 20.0


def insertion_to_pan(profiles: list[str], cards: int, quickack: bool = True) -> list[str]:
    """One line per profile: event-to-PAN median/p95/max, APDUs, and pcscd's polling delay."""
    from devices.card import CardEvent, CardInserted, CardRemoved, open_card_reader
    from devices.card.virtual.profiles import profile
    from devices.card.virtual.vpcd import VpcdCard
    from tests.cards.pcscd import VPCD_READER

    events: queue.Queue[tuple[float, CardEvent]] = queue.Queue()
    reader = open_card_reader(f"pcsc:{VPCD_READER}")
    reader.start(lambda ev: events.put((time.perf_counter(), ev)))

    def next_event(kind: type) -> float:
        while True:
            at, event = events.get(timeout=5)
            if isinstance(event, kind):
                return at

    lines = []
    try:
        time.sleep(0.3)
        for name in profiles:
            read_ms: list[float] = []
            poll_ms: list[float] = []
            apdus = 0
            for i in range(cards + 1):  # the first is a warm-up
                card = VpcdCard(profile(name), quickack=quickack)
                card.insert()
                seen = next_event(CardInserted)
                data = reader.read_card()
                done = time.perf_counter()
                apdus = card.card.apdus
                data.wipe()
                if i:
                    read_ms.append((done - seen) * 1000)
                    poll_ms.append((seen - card.connected_at) * 1000)
                card.remove()
                next_event(CardRemoved)
            read_ms.sort()
            p95 = read_ms[max(0, int(len(read_ms) * 0.95) - 1)]
            lines.append(
                f"{name:11s}: reader event to card number median {statistics.median(read_ms):5.1f} ms, "
                f"p95 {p95:5.1f}, max {read_ms[-1]:5.1f} (aim <= {AIM_MS:.0f} ms), {apdus} APDUs; "
                f"pcscd noticed the card {statistics.median(poll_ms):4.0f} ms after it connected (polling)"
            )
    finally:
        reader.stop()
    return lines


def statement_to_last_byte(operations: int = 200) -> str | None:
    """Time from asking for a statement of ``operations`` operations to its last byte at the printer, wire time
    excluded (aim <= 150 ms on loopback): see bench/card_statement.py."""
    from bench.card_statement import statement_figure

    return statement_figure(operations=operations)


FIGURES: list[Callable[[], str | None]] = [statement_to_last_byte]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=20, help="insertions per profile (default 20)")
    parser.add_argument("--profiles", default="visa,mastercard,pse,multi")
    parser.add_argument(
        "--no-quickack",
        action="store_true",
        help="the virtual card without TCP_QUICKACK (shows the ACK stall)",
    )
    args = parser.parse_args()

    from tests.cards.pcscd import Pcscd, exclusive, missing

    why = missing()
    if why:
        print(f"bench/card: {why}", file=sys.stderr)
        return 1
    daemon = Pcscd(Path(tempfile.mkdtemp(prefix="bench-card-")) / "pcscd.log")
    with exclusive():
        daemon.start()
        try:
            print(
                f"{args.cards} insertions per profile, pcscd + vpcd on loopback, pyscard, the kiosk's driver"
            )
            for line in insertion_to_pan(args.profiles.split(","), args.cards, not args.no_quickack):
                print(line)
        finally:
            daemon.stop()
    for figure in FIGURES:
        extra = figure()
        if extra:
            print(extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
