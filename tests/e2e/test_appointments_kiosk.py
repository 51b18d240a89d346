"""The kiosk's appointment service against a real central: book, then check in online and offline.

Offline, the kiosk checks central's Ed25519 signature with the public key it synced, issues
the number from its lease, and sends ticket then check-in when central is back; central then
holds one checked-in booking with that very ticket, queued at the booked time.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.services.appointments import Booking, BookingRefused, Hold, code_ok
from kiosk.services.booking_token import BadToken, keys_from, verify
from kiosk.services.checkin import CheckInRefused
from server_sync.client import CentralClient, safe_path
from tests.e2e.rig import KioskRig, kiosk_rig

pytestmark = pytest.mark.e2e

START = "2026-12-01T10:00"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[KioskRig]:
    with kiosk_rig(tmp_path, "KIOSK-APPT", START) as r:
        assert r.ctx.info.refresh()
        assert r.ctx.queue.top_up_leases()
        assert r.ctx.appointments.booking_docs.sync()
        yield r


def book(rig: KioskRig, service_id: str = "C01-A", nth: int = 0, phone: str = "+7 912 345-67-89") -> Booking:
    appts = rig.ctx.appointments
    day = appts.days(service_id)[0]
    slot = appts.slots(service_id, day)[nth]
    hold = appts.hold(service_id, slot)
    return appts.confirm(hold, "Анна Петрова", phone, "ru", str(uuid.uuid4()))


def test_booking_prints_a_confirmation_with_a_verifiable_token(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    assert {s["id"] for s in appts.services()} >= {"C01-A"}
    booking = book(rig)
    assert code_ok(booking.code)
    assert booking.status == "confirmed"
    assert booking.printed_on
    assert booking.print_error is None
    claims = verify(booking.token, keys_from(appts.booking_docs.verification()))
    assert claims.code == booking.code
    assert claims.center_id == "C01"
    assert claims.slot_start == booking.slot_start
    assert appts.manage_url(booking.code) == f"{rig.central.url}/a/{booking.code}"  # central's public address
    tampered = booking.token[:-3] + ("AAA" if not booking.token.endswith("AAA") else "BBB")
    with pytest.raises(BadToken):
        verify(tampered, {})
    # The phone never reaches the kiosk's own database or log in clear.
    raw = (rig.ctx.data_dir / "kiosk.db").read_bytes()
    assert b"912 345-67-89" not in raw
    assert b"9123456789" not in raw


def test_bad_input_is_refused_before_central_and_a_full_slot_says_so(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    day = appts.days("C01-B")[0]  # capacity 1
    slot = appts.slots("C01-B", day)[0]
    hold = appts.hold("C01-B", slot)
    with pytest.raises(BookingRefused) as bad_phone:
        appts.confirm(hold, "Анна", "12-34", "ru", str(uuid.uuid4()))
    assert bad_phone.value.reason == "invalid_phone"
    with pytest.raises(BookingRefused) as full:
        appts.hold("C01-B", slot)  # the only place is held by the first visitor
    assert full.value.reason == "slot_full"


def test_check_in_online_too_early_then_in_window_then_again_the_same_ticket(rig: KioskRig) -> None:
    booking = book(rig)
    with pytest.raises(CheckInRefused) as early:
        rig.ctx.checkin.check_in(booking.code, "ru")
    assert early.value.reason == "too_early"
    assert early.value.at == booking.slot_start - timedelta(minutes=15)
    rig.move(booking.slot_start - timedelta(minutes=5))
    first = rig.ctx.checkin.check_in(booking.token, "en")  # as scanned
    assert first.ticket.priority == "appointment"
    assert not first.ticket.offline
    assert not first.again
    again = rig.ctx.checkin.check_in(booking.code, "en")  # as typed
    assert again.again
    assert again.ticket.display == first.ticket.display


def test_too_late_offers_a_walk_in_ticket_for_the_same_service(rig: KioskRig) -> None:
    booking = book(rig)
    rig.move(booking.slot_start + timedelta(minutes=11))
    with pytest.raises(CheckInRefused) as late:
        rig.ctx.checkin.check_in(booking.token, "ru")
    assert late.value.reason == "too_late"
    assert late.value.service_id == "C01-A"


def test_offline_check_in_by_scan_and_by_typed_code_then_sync(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    scanned = book(rig, nth=0)
    typed = book(rig, nth=1, phone="+7 912 000-11-22")
    assert appts.booking_docs.sync()  # the coming bookings' tokens, for a typed code offline
    rig.move(scanned.slot_start - timedelta(minutes=5))
    rig.central.stop()

    first = rig.ctx.checkin.check_in(scanned.token, "ru")
    assert first.ticket.offline
    assert first.ticket.priority == "appointment"
    assert (
        rig.ctx.checkin.check_in(scanned.token, "ru").ticket.display == first.ticket.display
    )  # no second number
    with pytest.raises(CheckInRefused) as early:
        rig.ctx.checkin.check_in(typed.code, "ru")  # found in the synced list, checked offline: not yet
    assert early.value.reason == "too_early"
    with pytest.raises(CheckInRefused) as unknown:
        rig.ctx.checkin.check_in("12345674", "ru")
    assert unknown.value.reason == "needs_connection"
    forged = scanned.token.rsplit(".", 1)[0] + "." + "A" * 86
    rig.ctx.cache.db.execute("DELETE FROM checkins")
    with pytest.raises(CheckInRefused):
        rig.ctx.checkin.check_in(forged, "ru")

    rig.restart()
    rig.ctx.queue.outbox.retry_now()
    assert rig.sync()
    assert rig.ctx.queue.outbox.pending_count() == 0
    with sqlite3.connect(rig.db) as conn:
        status, ticket_rid, queued = conn.execute(
            "SELECT a.status, t.request_id, t.queued_at FROM appointments a JOIN tickets t ON t.id = a.ticket_id "
            "WHERE a.code = ?",
            [scanned.code],
        ).fetchone()
    assert status == "checked_in"
    assert ticket_rid == first.ticket.request_id
    queued_at = datetime.fromisoformat(str(queued)).replace(tzinfo=UTC)  # SQLite keeps UTC, naive
    assert queued_at == scanned.slot_start  # in the queue at the booked time, not at check-in


def test_my_booking_find_move_then_cancel_and_wrong_digits_lock_the_code(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    booking = book(rig, phone="+7 912 345-67-89")
    with pytest.raises(BookingRefused) as wrong:
        appts.lookup(booking.code, "0000")
    assert wrong.value.reason == "not_found"
    found = appts.lookup(booking.code, "6789")
    assert found.slot_start == booking.slot_start
    assert found.status == "confirmed"
    later = appts.slots("C01-A", appts.days("C01-A")[1])[0]
    moved = appts.reschedule(booking.code, "6789", later, "zh-Hant", str(uuid.uuid4()))
    assert moved.code != booking.code
    assert moved.slot_start == later.start
    assert moved.printed_on
    assert appts.lookup(booking.code, "6789").status == "cancelled"  # the old one let go
    assert appts.cancel(moved.code, "6789").status == "cancelled"
    for _ in range(5):
        with pytest.raises(BookingRefused):
            appts.lookup(moved.code, "1111")
    with pytest.raises(BookingRefused) as locked:
        appts.lookup(moved.code, "6789")  # even the right digits wait out the lock
    assert locked.value.reason == "locked"
    assert locked.value.until is not None


def test_a_released_hold_frees_the_place_at_once(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    day = appts.days("C01-B")[0]  # capacity 1
    slot = appts.slots("C01-B", day)[0]
    hold = appts.hold("C01-B", slot)
    assert slot.start not in [s.start for s in appts.slots("C01-B", day)]
    appts.release(hold)
    appts.release(hold)  # twice changes nothing
    assert slot.start in [s.start for s in appts.slots("C01-B", day)]
    booking = appts.confirm(appts.hold("C01-B", slot), "Анна", "+7 912 345-67-89", "ru", str(uuid.uuid4()))
    appts.release(Hold(booking.code, "C01-B", slot, slot.start))  # not a hold id: nothing happens
    assert appts.lookup(booking.code, "6789").status == "confirmed"


class _Silent:
    """A TCP server that accepts and never answers: a central that got the request and hung."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.conns.append(self.sock.accept()[0])

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


def test_a_check_in_of_unknown_outcome_goes_offline_under_the_same_request_id(rig: KioskRig) -> None:
    booking = book(rig)
    rig.move(booking.slot_start - timedelta(minutes=5))
    silent = _Silent()
    assert rig.ctx.gateway is not None
    online = rig.ctx.gateway.client
    rig.ctx.gateway.client = CentralClient(
        f"http://127.0.0.1:{silent.port}", "x", connect_timeout=0.5, read_timeout=0.3
    )
    try:
        hung = rig.ctx.checkin.check_in(booking.token, "ru")  # asked again, then from the lease
    finally:
        silent.close()
    assert hung.ticket.offline
    records = rig.ctx.queue.outbox.due(rig.clock.now())
    assert [r.kind for r in records] == ["ticket", "checkin"]
    # Central names its ticket after the check-in's request id, so it adopts this number if it made one.
    assert records[0].id == hung.ticket.request_id == records[1].payload["request_id"]
    assert records[1].payload["ticket_request_id"] == hung.ticket.request_id
    rig.ctx.gateway.client = online
    assert rig.sync()
    assert rig.ctx.queue.outbox.pending_count() == 0


def test_a_refused_offline_ticket_takes_its_check_in_along_and_blocks_nothing(rig: KioskRig) -> None:
    queue, now = rig.ctx.queue, rig.clock.now()
    bogus = {"request_id": "t-bogus", "service_id": "C01-A", "priority": "appointment", "issued_by": "kiosk",
             "language": "ru", "lease_id": "no-such-lease", "number": 999, "issued_at": now.isoformat(),
             "status": "waiting"}  # fmt: skip
    queue.outbox.add("t-bogus", "ticket", bogus, now)
    queue.outbox.add("checkin-x", "checkin", {"code": "12345674", "request_id": "c-x",
                     "ticket_request_id": "t-bogus", "checked_in_at": now.isoformat()}, now)  # fmt: skip
    later = queue.take_ticket("C01-B")  # online: straight to central
    rig.central.stop()
    offline = queue.take_ticket("C01-B")  # offline: into the outbox after the two above
    rig.restart()
    queue.outbox.retry_now()
    assert rig.sync()
    assert queue.outbox.status_of("t-bogus") == "rejected"
    assert queue.outbox.status_of("checkin-x") == "rejected"
    assert queue.outbox.status_of(offline.request_id) == "sent"
    assert not later.offline


def test_booking_codes_stay_out_of_error_messages() -> None:
    assert safe_path("/api/v1/appointments/12345674/check-in") == "/api/v1/appointments/*****674/check-in"
    assert safe_path("/api/v1/appointments/days") == "/api/v1/appointments/days"


def test_a_card_number_typed_as_a_name_is_masked_before_central_and_paper(rig: KioskRig) -> None:
    appts = rig.ctx.appointments
    slot = appts.slots("C01-A", appts.days("C01-A")[0])[2]
    booking = appts.confirm(appts.hold("C01-A", slot), "Анна 4111 1111 1111 1111", "+7 912 345-67-89", "ru",
                            str(uuid.uuid4()))  # fmt: skip
    assert "4111 1111 1111 1111" not in booking.name
    assert booking.name.endswith("1111")
    with sqlite3.connect(rig.db) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM appointments")]
    assert names
    assert not any("4111111111111111" in (n or "").replace(" ", "") for n in names)
    for path in (rig.ctx.data_dir / "print").rglob("*"):
        if path.is_file():
            assert b"4111 1111 1111 1111" not in path.read_bytes()
