"""Queue tickets end to end: real central process, real SQLite, the simulated printer's real bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from devices.printer import ReceiptPrinter, open_printer
from devices.printer.simulator import SimulatorState
from kiosk.services.info import InfoService
from kiosk.services.queue import LeasePolicy, QueueService, TicketNotIssued
from offline_cache.db import CacheDB
from offline_cache.documents import DocumentCache
from offline_cache.outbox import Outbox
from server_sync.client import CentralClient
from server_sync.gateway import CentralGateway
from server_sync.outbox import OutboxSender
from tests.conftest import CentralServer, free_port

SERVICE = "C01-A"


@dataclass
class Kiosk:
    queue: QueueService
    printer: ReceiptPrinter
    gateway: CentralGateway
    online: CentralClient
    offline: CentralClient
    sender: OutboxSender

    @property
    def sim(self) -> SimulatorState:
        state = self.printer.simulator
        assert state is not None
        return state

    def go_offline(self) -> None:
        self.gateway.client = self.offline

    def go_online(self) -> None:
        self.gateway.client = self.online

    def sync(self) -> bool:
        """The sync worker's outbox and lease jobs, in its order."""
        return self.sender.send() and self.queue.top_up_leases()


@pytest.fixture
def kiosk(tmp_path: Path, central: CentralServer, request: pytest.FixtureRequest) -> Iterator[Kiosk]:
    name = "KIOSK-Q-" + request.node.name[-20:].upper().replace("[", "-").replace("]", "")
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    online = CentralClient(central.url, central.enrol(name))
    offline = CentralClient(f"http://127.0.0.1:{free_port()}", "x", connect_timeout=0.3)
    clock = central.clock()  # the same day as central's
    cache = CacheDB(tmp_path / "kiosk.db")
    gateway = CentralGateway(online, patience_s=1.0)
    info = InfoService(gateway, DocumentCache(cache), clock, "C01")
    assert info.refresh()
    printer = open_printer("sim:", data_dir=tmp_path / "print", paper_width_mm=80)
    queue = QueueService(gateway, cache, printer, clock, info, "C01")
    yield Kiosk(queue, printer, gateway, online, offline, OutboxSender(Outbox(cache), gateway, clock))
    cache.close()


def waiting(kiosk: Kiosk) -> int:
    queue = kiosk.gateway.queue("C01")
    return next(s["waiting"] for s in queue["services"] if s["service_id"] == SERVICE)


def test_online_ticket_is_numbered_by_central_and_printed(kiosk: Kiosk) -> None:
    before = waiting(kiosk)
    ticket = kiosk.queue.take_ticket(SERVICE, lang="ru")
    assert ticket.display.startswith("A")
    assert not ticket.offline
    assert ticket.people_ahead == before
    assert ticket.status_url.startswith("http")
    assert waiting(kiosk) == before + 1
    assert len(kiosk.sim.jobs) == 1
    assert ticket.printed_on.endswith(".png")
    assert Path(ticket.printed_on).exists()


def status(kiosk: Kiosk, request_id: str) -> str | None:
    return kiosk.queue.tickets.status_of(request_id)


def test_paper_out_shows_the_number_on_screen_and_it_counts_once_noted(kiosk: Kiosk) -> None:
    before = waiting(kiosk)
    kiosk.sim.set(paper="out")
    jobs = kiosk.sim.job_count
    ticket = kiosk.queue.take_ticket(SERVICE)
    assert ticket.print_error == "paper_out"
    assert ticket.display.startswith("A")
    assert kiosk.sim.job_count == jobs  # nothing was sent to a printer without paper
    assert status(kiosk, ticket.request_id) == "issuing"  # not the visitor's until they noted it
    kiosk.queue.confirm_noted(ticket)
    assert status(kiosk, ticket.request_id) == "issued"
    kiosk.queue.abandon(ticket)  # a late "walked away" changes nothing once noted
    assert waiting(kiosk) == before + 1
    kiosk.sim.set(paper="ok")
    printed = kiosk.queue.take_ticket(SERVICE)
    assert not printed.print_error
    assert waiting(kiosk) == before + 2


def test_staff_are_told_the_printer_is_out_and_no_number_is_taken(kiosk: Kiosk) -> None:
    before = waiting(kiosk)
    kiosk.sim.set(paper="out")
    with pytest.raises(TicketNotIssued) as info:
        kiosk.queue.take_ticket(SERVICE, issued_by="staff:anna")
    assert info.value.printer_error is not None
    assert info.value.printer_error.key == "paper_out"
    assert "EOT" in info.value.printer_error.code  # the hardware's own status bytes
    kiosk.sim.set(paper="ok")
    kiosk.sim.fail_during_next_job("paper_out")
    with pytest.raises(TicketNotIssued):
        kiosk.queue.take_ticket(SERVICE, issued_by="staff:anna")
    assert waiting(kiosk) == before  # the one numbered mid-job was voided


def test_a_number_not_noted_is_voided_at_central(kiosk: Kiosk) -> None:
    before = waiting(kiosk)
    kiosk.sim.fail_during_next_job("paper_out")
    ticket = kiosk.queue.take_ticket(SERVICE)
    assert ticket.print_error == "paper_out"
    assert waiting(kiosk) == before + 1  # shown on screen: central holds it meanwhile
    kiosk.queue.abandon(ticket)
    assert waiting(kiosk) == before  # voided: nobody holds a number
    assert status(kiosk, ticket.request_id) == "void"
    assert ticket.central_id is not None
    held = kiosk.online.request("GET", f"/api/v1/tickets/{ticket.central_id}")["ticket"]
    assert held["status"] == "void"
    assert kiosk.queue.outbox.pending_count() == 0  # told at once, nothing left to send


def test_offline_tickets_come_from_the_lease_and_reach_central_in_order(kiosk: Kiosk) -> None:
    assert kiosk.queue.top_up_leases()
    kiosk.go_offline()
    view = kiosk.queue.lines()
    assert not view.online
    assert any(line.service_id == SERVICE for line in view.lines)
    issued = [kiosk.queue.take_ticket(SERVICE, lang="en") for _ in range(3)]
    assert all(t.offline for t in issued)
    numbers = [int(t.display[1:]) for t in issued]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert kiosk.queue.outbox.pending_count() == 3
    assert not kiosk.sync()  # still offline: nothing lost, nothing sent
    assert kiosk.queue.outbox.pending_count() == 3
    kiosk.go_online()
    kiosk.queue.outbox.retry_now()
    assert kiosk.sync()
    assert kiosk.queue.outbox.pending_count() == 0
    # Central has each exactly once, with the kiosk's numbers and issue times, in order.
    seen = []
    for ticket in issued:
        again = kiosk.gateway.create_ticket(
            {"request_id": ticket.request_id, "service_id": SERVICE, "priority": "none",
             "issued_by": "kiosk", "language": "en"},
        )  # fmt: skip
        assert again["display"] == ticket.display  # the same ticket, not a new one
        seen.append(datetime.fromisoformat(again["issued_at"].replace("Z", "+00:00")))
    assert seen == sorted(seen)
    kiosk.queue.outbox.retry_now()
    assert kiosk.sync()  # a second sync sends nothing twice


def test_offline_a_number_shown_on_screen_reaches_central_only_once_noted(kiosk: Kiosk) -> None:
    assert kiosk.queue.top_up_leases()
    kiosk.go_offline()
    kiosk.sim.fail_during_next_job("cover_open")
    walked_away = kiosk.queue.take_ticket(SERVICE)
    kiosk.sim.fail_during_next_job("cover_open")
    noted = kiosk.queue.take_ticket(SERVICE)
    assert (walked_away.print_error, noted.print_error) == ("cover_open", "cover_open")
    kiosk.go_online()
    before = waiting(kiosk)
    kiosk.sender.send()
    assert waiting(kiosk) == before  # held while the visitor decides
    kiosk.queue.abandon(walked_away)
    kiosk.queue.confirm_noted(noted)
    records = kiosk.queue.outbox.due(kiosk.queue.clock.now())
    assert sorted(r.payload["status"] for r in records) == ["void", "waiting"]
    assert kiosk.sync()
    assert waiting(kiosk) == before + 1  # the noted one only


def test_no_lease_and_no_central_says_so(kiosk: Kiosk) -> None:
    kiosk.go_offline()
    with pytest.raises(TicketNotIssued) as info:
        kiosk.queue.take_ticket(SERVICE)
    assert info.value.reason == "no_numbers"
    assert kiosk.sim.jobs.maxlen is not None
    assert len(kiosk.sim.jobs) == 0


def test_reprint_gives_the_same_number(kiosk: Kiosk) -> None:
    ticket = kiosk.queue.take_ticket(SERVICE)
    again = kiosk.queue.reprint_last()
    assert again is not None
    assert again.display == ticket.display
    assert len(kiosk.sim.jobs) == 2


def test_lease_target_follows_daily_volume_and_the_outage_to_survive() -> None:
    policy = LeasePolicy(survive_outage_h=4, open_hours_per_day=10, daily_volume=200, min_lease=20)
    assert policy.target(None) == 80  # 200 a day, 4 of 10 hours
    assert policy.target(600) == 240  # a busy service keeps more
    assert policy.target(10) == 20  # never below the floor


def test_a_lease_top_up_keeps_its_request_id_until_central_answers(kiosk: Kiosk) -> None:
    today = kiosk.queue.clock.now().date()
    first, size = kiosk.queue.leases.request_for(SERVICE, today, 30)
    again, size_again = kiosk.queue.leases.request_for(SERVICE, today, 99)
    assert (again, size_again) == (first, size)  # a lost answer repeats the same request
    granted = kiosk.gateway.create_lease(first, SERVICE, size)
    replay = kiosk.gateway.create_lease(first, SERVICE, size)
    assert replay["id"] == granted["id"]  # central grants one block, whatever the retries
    kiosk.queue.leases.add(granted)
    assert kiosk.queue.leases.request_for(SERVICE, today, 30)[0] != first  # answered: the next one is new
