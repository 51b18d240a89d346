"""Paper always matches central: the kiosk through a fault proxy that loses answers after central got the request.

Each lost-answer mode, then a seeded chaos mix of at least 100 tickets with paper running out in the
middle of some jobs. Afterwards, with the link healthy and the outbox sent: every number the kiosk
printed is the number central holds for its request id, no ticket waits at central that nobody
holds, and no lease block was burnt by a lost answer. Real central process, real SQLite files,
the simulated printer's real ESC/POS jobs.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.context import KioskContext, build
from kiosk.services.queue import TicketNotIssued
from tests.e2e.chaos_helpers import ChaosCentral, central_tickets, start_chaos_central
from tests.faultproxy_rules import Mode

pytestmark = pytest.mark.e2e

TICKETS = "/api/v1/tickets"
LEASES = "/api/v1/leases"
START = "2026-12-01T10:00"
LOST_ANSWER_MODES = (
    Mode.RESET_AFTER_REQUEST,
    Mode.BAD_GATEWAY_AFTER_REQUEST,
    Mode.RESET_MID_RESPONSE,
    Mode.STALL,
    Mode.HTML_200,
)


@dataclass
class Rig:
    chaos: ChaosCentral
    ctx: KioskContext

    def settle(self) -> None:
        """The link healthy again: send everything, as the sync worker would."""
        self.chaos.proxy.clear_rules()
        self.chaos.proxy.clear_chaos()
        self.ctx.sender.outbox.retry_now()
        assert self.ctx.sender.send()
        assert self.ctx.sender.outbox.pending_count() == 0
        assert self.ctx.queue.top_up_leases()  # collects a block whose answer was lost: same request id

    def kiosk_tickets(self) -> dict[str, tuple[str, str]]:
        """request_id → (display, status) as the kiosk recorded what it printed."""
        with sqlite3.connect(self.ctx.data_dir / "kiosk.db") as conn:
            rows = conn.execute("SELECT request_id, display, status FROM tickets").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def check_paper_matches_central(self) -> dict[str, int]:
        """The invariants; returns the counts the test prints."""
        day = self.ctx.clock.now().date()
        central = {t.request_id: t for t in central_tickets(self.chaos.db, day, "C01")}
        mine = self.kiosk_tickets()
        mismatched = [rid for rid, (shown, status) in mine.items()
                      if status == "issued" and (rid not in central or central[rid].display != shown)]  # fmt: skip
        phantoms = [
            t
            for t in central.values()
            if t.status == "waiting" and mine.get(t.request_id, ("", ""))[1] != "issued"
        ]
        void_alive = [rid for rid, (_, status) in mine.items()
                      if status == "void" and rid in central and central[rid].status != "void"]  # fmt: skip
        assert not mismatched, f"printed numbers central does not hold: {mismatched}"
        assert not phantoms, f"tickets waiting at central that nobody holds: {phantoms}"
        assert not void_alive, f"voided on the kiosk but alive at central: {void_alive}"
        return {
            "printed": sum(1 for _, status in mine.values() if status == "issued"),
            "voided": sum(1 for _, status in mine.values() if status == "void"),
            "at_central": len(central),
            "mismatched": len(mismatched),
            "phantoms": len(phantoms),
        }

    def leases_burnt(self) -> int:
        """Blocks central granted this kiosk that the kiosk never received."""
        with sqlite3.connect(self.ctx.data_dir / "kiosk.db") as conn:
            held = {r[0] for r in conn.execute("SELECT id FROM leases")}
        with sqlite3.connect(f"file:{self.chaos.db}?mode=ro", uri=True) as conn:
            granted = {
                r[0] for r in conn.execute("SELECT id FROM leases WHERE kiosk_id = ?", ["KIOSK-CHAOS-01"])
            }
        return len(granted - held)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    chaos = start_chaos_central(tmp_path, clock=START)
    try:
        path = chaos.write_kiosk_config(
            tmp_path / "kiosk.toml", tmp_path / "kiosk", read_timeout_s=1.0,
            extra={"central": {"patience_s": 2.5}},
        )  # fmt: skip
        ctx = build(load(path), chaos.central.clock())
        assert ctx.info.refresh()
        assert ctx.queue.top_up_leases()
        yield Rig(chaos, ctx)
        ctx.close()
    finally:
        chaos.stop()


@pytest.mark.parametrize("mode", LOST_ANSWER_MODES, ids=lambda m: str(m.value))
def test_an_answer_lost_once_is_asked_again_and_central_numbers_the_paper(rig: Rig, mode: Mode) -> None:
    rig.chaos.proxy.add_rule(mode, "POST", TICKETS, times=1)
    ticket = rig.ctx.queue.take_ticket("C01-A")
    assert not ticket.offline  # the second ask, same request id, got central's answer
    assert rig.chaos.proxy.forwarded("POST", TICKETS) == 2
    rig.settle()
    counts = rig.check_paper_matches_central()
    assert counts["at_central"] == 1


@pytest.mark.parametrize("mode", LOST_ANSWER_MODES, ids=lambda m: str(m.value))
def test_an_answer_lost_for_good_prints_the_lease_number_and_central_adopts_it(rig: Rig, mode: Mode) -> None:
    rig.chaos.proxy.add_rule(mode, "POST", TICKETS)
    ticket = rig.ctx.queue.take_ticket("C01-A")
    assert ticket.offline  # patience spent: a leased number, under the same request id
    assert rig.chaos.proxy.forwarded("POST", TICKETS) >= 1  # central did make a ticket meanwhile
    rig.settle()
    counts = rig.check_paper_matches_central()
    assert counts == {"printed": 1, "voided": 0, "at_central": 1, "mismatched": 0, "phantoms": 0}


def test_paper_out_after_a_lost_answer_leaves_no_phantom(rig: Rig) -> None:
    rig.chaos.proxy.add_rule(Mode.RESET_AFTER_REQUEST, "POST", TICKETS)
    sim = rig.ctx.printer.simulator
    assert sim is not None
    sim.fail_during_next_job("paper_out")
    walked_away = rig.ctx.queue.take_ticket("C01-A")  # shown on screen only
    assert walked_away.print_error == "paper_out"
    rig.ctx.queue.abandon(walked_away)
    sim.fail_during_next_job("paper_out")
    noted = rig.ctx.queue.take_ticket("C01-A")
    rig.ctx.queue.confirm_noted(noted)
    sim.set(paper="ok")
    rig.settle()
    counts = rig.check_paper_matches_central()
    assert counts["voided"] == 1
    assert counts["printed"] == 1  # the noted one: central holds the number the visitor wrote down
    assert counts["phantoms"] == 0


def test_a_load_balancer_503_lets_tickets_and_check_ins_follow_one_rule(rig: Rig) -> None:
    rig.chaos.proxy.add_rule(Mode.UNAVAILABLE_NO_FORWARD, "POST", "/api/v1/*")
    ticket = rig.ctx.queue.take_ticket("C01-B")
    assert ticket.offline
    rig.settle()
    assert rig.check_paper_matches_central()["mismatched"] == 0


def test_lost_lease_answers_burn_no_block(rig: Rig) -> None:
    rig.chaos.proxy.add_rule(Mode.RESET_AFTER_REQUEST, "POST", LEASES, times=3)
    for service in ("C01-A", "C01-B"):  # use up most of the lease, so a top-up is due
        while rig.ctx.queue.leases.remaining(service, rig.ctx.clock.now().date()) > 5:
            rig.ctx.queue.leases.take(service, rig.ctx.clock.now().date())
    for _ in range(4):
        rig.ctx.queue.top_up_leases()
    assert rig.chaos.proxy.forwarded("POST", LEASES) >= 3
    assert rig.leases_burnt() == 0


def test_chaos_mix_of_a_hundred_tickets_with_paper_running_out(rig: Rig) -> None:
    mix = {
        Mode.RESET_AFTER_REQUEST: 0.08,
        Mode.BAD_GATEWAY_AFTER_REQUEST: 0.06,
        Mode.RESET_MID_RESPONSE: 0.06,
        Mode.HTML_200: 0.03,
        Mode.STALL: 0.02,
        Mode.UNAVAILABLE_NO_FORWARD: 0.04,
        Mode.REFUSE: 0.03,
    }
    rig.chaos.proxy.set_chaos(mix, seed=20261204, method="POST", path="/api/v1/*")
    sim = rig.ctx.printer.simulator
    assert sim is not None
    outcomes: Counter[str] = Counter()
    services = ("C01-A", "C01-B", "C01-C")
    for n in range(110):
        if n % 9 == 4:
            sim.fail_during_next_job("paper_out")
        try:
            ticket = rig.ctx.queue.take_ticket(services[n % 3], lang=("ru", "en", "zh-Hant")[n % 3])
        except TicketNotIssued as exc:
            outcomes[f"not issued ({exc.reason})"] += 1
        else:
            outcomes["offline" if ticket.offline else "online"] += 1
            if ticket.print_error:  # on screen only: every other visitor notes it, the rest walk away
                noted = n % 2 == 0
                (rig.ctx.queue.confirm_noted if noted else rig.ctx.queue.abandon)(ticket)
                outcomes["noted" if noted else "walked away"] += 1
                sim.set(paper="ok")  # the technician's new roll
        if n % 25 == 24:
            rig.ctx.sender.send()  # the sync worker runs now and then, through the same chaos
            rig.ctx.queue.top_up_leases()
    rig.settle()
    counts = rig.check_paper_matches_central()
    burnt = rig.leases_burnt()
    modes = {mode: c.seen for mode, c in rig.chaos.proxy.counts_by_mode().items()}
    print(f"\nchaos: {dict(outcomes)}; proxy modes {modes}; {counts}; lease blocks burnt {burnt}")
    assert outcomes["online"] + outcomes["offline"] >= 90
    assert outcomes["online"] >= 60
    assert burnt == 0
