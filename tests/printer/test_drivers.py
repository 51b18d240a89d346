"""Drivers against fake Epsons: status, jobs, failures mid-job, timeouts, thread safety."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from devices import escpos_render
from devices.printer import (
    PrinterError,
    PrinterNeedsAttention,
    PrinterUnavailable,
    ReceiptPrinter,
    open_printer,
)
from devices.printer.usb import UsbConnection, find_usblp
from devices.receipts import ticket_receipt
from devices.uri import DeviceURIError, parse
from tests.printer.conftest import ticket
from tests.printer.fakes import EpsonState, PtyPrinter, TcpPrinter

QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
Fake = TcpPrinter | PtyPrinter


def printer_for(fake: Fake, paper: int = 80, extra: str = "") -> ReceiptPrinter:
    return open_printer(fake.uri + extra, data_dir=None, paper_width_mm=paper)


# ---------------------------------------------------------------------------------- status on both drivers


def test_status_ok(fake_printer: Fake) -> None:
    status = printer_for(fake_printer).status()
    assert status.ok, status
    assert status.raw == {1: 0x12, 2: 0x12, 4: 0x12}
    assert fake_printer.printer.queries == [1, 2, 4]


@pytest.mark.parametrize(
    ("change", "key", "raw"),
    [
        ({"paper": "out"}, "paper_out", {1: 0x1A, 2: 0x32, 4: 0x72}),
        ({"cover_open": True}, "cover_open", {1: 0x1A, 2: 0x16, 4: 0x12}),
        ({"offline": True}, "offline", {1: 0x1A, 2: 0x12, 4: 0x12}),
    ],
)
def test_status_needs_attention(
    fake_printer: Fake, change: dict[str, object], key: str, raw: dict[int, int]
) -> None:
    for name, value in change.items():
        setattr(fake_printer.state, name, value)
    status = printer_for(fake_printer).status()
    assert status.state == "needs_attention"
    assert status.key == key
    assert status.raw == raw


def test_near_end_prints_and_warns(fake_printer: Fake) -> None:
    fake_printer.state.paper = "near_end"
    result = printer_for(fake_printer).print_receipt(ticket_receipt(ticket(), "ru"))
    assert result.confirmed
    assert result.paper_near_end


def test_silent_printer_is_no_answer_within_the_timeout(fake_printer: Fake) -> None:
    fake_printer.state.silent = True
    printer = printer_for(fake_printer)
    started = time.monotonic()
    status = printer.status()
    elapsed = time.monotonic() - started
    assert status.state == "unavailable"
    assert status.key == "no_answer"
    assert status.paper == "unknown"  # python-escpos would have said "paper OK"
    assert elapsed < 1.5
    with pytest.raises(PrinterUnavailable) as caught:
        printer.print_receipt(ticket_receipt(ticket(), "en"))
    assert caught.value.key == "no_answer"
    assert not caught.value.job_sent
    assert fake_printer.printer.bytes().count(b"\x1b@") == 0  # nothing printed before status was known


def test_garbage_answer_is_bad_answer(fake_printer: Fake) -> None:
    fake_printer.state.garbage = True  # e.g. a wrong baud rate
    status = printer_for(fake_printer).status()
    assert (status.state, status.key, status.raw) == ("unavailable", "bad_answer", {1: 0xFF})


def test_late_answers_are_not_taken_for_the_next_query(fake_printer: Fake) -> None:
    fake_printer.state.answer_delay = 0.7  # answers arrive after the 0.5 s status timeout
    printer = printer_for(fake_printer)
    assert printer.status().key == "no_answer"
    fake_printer.state.answer_delay = 0
    time.sleep(0.8)  # the stale 0x12 is now waiting in the input buffer
    fake_printer.state.paper = "out"
    status = printer.status()
    assert status.key == "paper_out", status  # the stale byte was discarded, not read as EOT 1's answer


# ---------------------------------------------------------------------------------- jobs


def test_job_bytes_and_status_before_and_after(fake_printer: Fake) -> None:
    printer = printer_for(fake_printer)
    receipt = ticket_receipt(ticket(), "ru")
    result = printer.print_receipt(receipt)
    job = printer.render(receipt).data
    assert fake_printer.printer.bytes() == QUERIES + job + QUERIES
    assert result.confirmed
    assert result.bytes_sent == len(job)
    assert result.before.ok
    assert result.after.ok
    assert result.label == "ticket A017"


def test_paper_out_before_the_job_sends_nothing(fake_printer: Fake) -> None:
    fake_printer.state.paper = "out"
    with pytest.raises(PrinterNeedsAttention) as caught:
        printer_for(fake_printer).print_receipt(ticket_receipt(ticket(), "ru"))
    assert caught.value.key == "paper_out"
    assert caught.value.phase == "before"
    assert not caught.value.job_sent
    assert fake_printer.printer.bytes() == QUERIES


@pytest.mark.parametrize(("problem", "key", "code"), [
    ("paper", "paper_out", "EOT1=0x1A EOT2=0x32 EOT4=0x72"),
    ("cover_open", "cover_open", "EOT1=0x1A EOT2=0x16 EOT4=0x12"),
])  # fmt: skip
def test_problem_in_the_middle_of_a_job(fake_printer: Fake, problem: str, key: str, code: str) -> None:
    def trip(state: EpsonState) -> None:
        if problem == "paper":
            state.paper = "out"
        else:
            state.cover_open = True

    fake_printer.printer.after_bytes(len(QUERIES) + 200, trip)
    with pytest.raises(PrinterNeedsAttention) as caught:
        printer_for(fake_printer).print_receipt(ticket_receipt(ticket(), "ru"))
    error = caught.value
    assert (error.key, error.phase, error.job_sent) == (key, "after", True)
    assert error.code == code  # the printer's own bytes, for the technician
    assert "void or reprint" in error.technician_message


def test_paper_runs_out_while_printing_is_noticed_during_the_wait(tcp_printer: TcpPrinter) -> None:
    """With a real print speed the printer is polled until the paper should be out, failing early."""
    printer = printer_for(tcp_printer, extra="&speed=50")  # 50 mm/s: about 2.4 s of paper for this ticket
    threading.Timer(0.4, lambda: setattr(tcp_printer.state, "paper", "out")).start()
    started = time.monotonic()
    with pytest.raises(PrinterNeedsAttention) as caught:
        printer.print_receipt(ticket_receipt(ticket(), "ru"))
    assert caught.value.key == "paper_out"
    assert 0.3 < time.monotonic() - started < 1.5


def test_two_jobs_in_a_row_both_have_cyrillic_code_page(tcp_printer: TcpPrinter) -> None:
    """The python-escpos reuse defect (no ESC t after ESC @ on the second job) must not happen."""
    printer = printer_for(tcp_printer)
    for _ in range(2):
        printer.print_receipt(ticket_receipt(ticket(), "ru"))
    stream = tcp_printer.printer.bytes().replace(QUERIES, b"")
    first, second = stream.split(b"\x1b@")[1:]
    assert first == second
    assert first.split(b"\x1bt")[1][:1] == b"\x11"  # each job selects CP866 before its first Cyrillic
    text = escpos_render.plain_text(escpos_render.decode(stream))
    assert text.count("Центр обслуживания «Северный»") == 2
    assert text.count("Платежи и переводы") == 2


def test_stalled_serial_write_times_out(pty_printer: PtyPrinter) -> None:
    printer = printer_for(pty_printer, extra="&job_timeout=1")
    pty_printer.printer.after_bytes(len(QUERIES) + 10, lambda s: setattr(s, "stalled", True))
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as caught:
        printer.print_receipt(ticket_receipt(ticket(lang="zh-Hant"), "zh-Hant"))  # ~17 KB: fills the pty
    elapsed = time.monotonic() - started
    assert caught.value.key == "timeout"
    assert caught.value.job_sent
    assert elapsed < 5  # 1 s + the wire time of 17 KB at 115200 baud, never forever
    pty_printer.state.stalled = False
    assert printer.status().ok  # the port was released and works again


def test_concurrent_jobs_never_interleave(tcp_printer: TcpPrinter) -> None:
    printer = printer_for(tcp_printer)
    receipts = [ticket_receipt(ticket(number=f"B{n:03d}"), "en") for n in range(6)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            printer.print_receipt(receipts[index])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(receipts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    stream = tcp_printer.printer.bytes()
    for receipt in receipts:
        assert QUERIES + printer.render(receipt).data + QUERIES in stream
    assert tcp_printer.connections == len(receipts)  # one connection per job


# ---------------------------------------------------------------------------------- opening and addressing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_is_not_found_quickly(tmp_path: Path) -> None:
    printer = open_printer(f"tcp://127.0.0.1:{free_port()}", data_dir=tmp_path, paper_width_mm=80)
    started = time.monotonic()
    status = printer.status()
    assert status.key == "not_found"
    assert status.raw_text == "errno=111 (ECONNREFUSED)"
    assert time.monotonic() - started < 1
    with pytest.raises(PrinterUnavailable) as caught:
        printer.print_receipt(ticket_receipt(ticket(), "en"))
    assert caught.value.errno == 111


def test_missing_serial_port_is_not_found(tmp_path: Path) -> None:
    status = open_printer("serial:/dev/ttyNOPE0", data_dir=tmp_path, paper_width_mm=58).status()
    assert (status.state, status.key) == ("unavailable", "not_found")


@pytest.mark.parametrize(
    "uri",
    ["tcp://h?profile=NoSuchPrinter", "sim:?qr=sometimes", "serial:/dev/ttyS0?flow=magic", "sim:?paper=wet",
     "tcp://h?job_timeout=soon", "lpt:1"],
)  # fmt: skip
def test_bad_uris_are_refused(uri: str, tmp_path: Path) -> None:
    with pytest.raises(DeviceURIError):
        open_printer(uri, data_dir=tmp_path, paper_width_mm=80)


def test_default_timeouts_are_short(tmp_path: Path) -> None:
    printer = open_printer("tcp://10.0.0.5", data_dir=tmp_path, paper_width_mm=80)
    assert (printer.timeouts.connect, printer.timeouts.status, printer.timeouts.job) == (2.0, 0.5, 5.0)
    assert printer.profile == "TM-T20II"
    fast = open_printer(
        "tcp://10.0.0.5?status_timeout=0.2&job_timeout=3", data_dir=tmp_path, paper_width_mm=80
    )
    assert (fast.timeouts.status, fast.timeouts.job) == (0.2, 3.0)


# ---------------------------------------------------------------------------------- file and USB


def test_file_driver_appends_and_reports_unknown(tmp_path: Path) -> None:
    out = tmp_path / "printer.bin"
    printer = open_printer(f"file:{out}", data_dir=tmp_path, paper_width_mm=58)
    status = printer.status()
    assert status.state == "unknown"  # not "ok": nobody can see the paper
    assert not printer.can_confirm
    receipt = ticket_receipt(ticket(lang="en"), "en")
    first = printer.print_receipt(receipt)
    second = printer.print_receipt(receipt)
    assert not first.confirmed
    assert first.after.state == "unknown"
    assert out.read_bytes() == printer.render(receipt).data * 2
    assert second.bytes_sent == len(printer.render(receipt).data)


def test_file_driver_never_creates_device_nodes(tmp_path: Path) -> None:
    printer = open_printer("file:/dev/usb/lp7", data_dir=tmp_path, paper_width_mm=80)
    with pytest.raises(PrinterUnavailable) as caught:
        printer.print_receipt(ticket_receipt(ticket(lang="en"), "en"))
    assert caught.value.key == "not_found"
    assert not os.path.exists("/dev/usb/lp7")


def test_file_driver_write_to_a_full_pipe_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "printer.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a "printer" that never reads
    try:
        printer = open_printer(f"file:{fifo}?job_timeout=0.5", data_dir=tmp_path, paper_width_mm=80)
        started = time.monotonic()
        with pytest.raises(PrinterUnavailable) as caught:
            printer.print_bytes(b"x" * 200_000, label="big job")  # a pipe holds 64 KB
        assert caught.value.key == "timeout"
        assert time.monotonic() - started < 0.5 + 200_000 / 50_000 + 1
    finally:
        os.close(reader)


def _fake_sysfs(root: Path, lp: str, vid: str, pid: str) -> None:
    device = root / "devices" / "usb1" / "1-1"
    interface = device / "1-1:1.0"
    interface.mkdir(parents=True)
    (device / "idVendor").write_text(vid + "\n")
    (device / "idProduct").write_text(pid + "\n")
    misc = root / "class" / "usbmisc" / lp
    misc.mkdir(parents=True)
    (misc / "device").symlink_to(interface)


def test_usblp_lookup_by_vendor_and_product(tmp_path: Path) -> None:
    _fake_sysfs(tmp_path, "lp0", "04b8", "0e15")
    sysfs = tmp_path / "class" / "usbmisc"
    assert find_usblp(0x04B8, 0x0E15, sysfs) == "/dev/usb/lp0"
    assert find_usblp(0x0416, 0x5011, sysfs) is None
    assert find_usblp(0x04B8, 0x0E15, tmp_path / "missing") is None


def test_usb_without_device_is_not_found(tmp_path: Path) -> None:
    conn = UsbConnection(parse("usb://04b8:0e15", ("usb",)), sysfs=tmp_path)
    with pytest.raises(PrinterError) as caught:
        conn.open(1.0)
    assert caught.value.key == "not_found"
    printer = open_printer("usb://04b8:0e15?profile=TM-T88V", data_dir=tmp_path, paper_width_mm=80)
    assert printer.status().state == "unavailable"
