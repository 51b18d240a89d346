"""Epson status bytes and the error tree: parsed strictly, "no answer" never reads as "paper OK"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printer import PrinterError, PrinterNeedsAttention, PrinterUnavailable, visitor_message
from devices.printer.errors import (
    NEEDS_ATTENTION_KEYS,
    TECHNICIAN_HINTS,
    UNAVAILABLE_KEYS,
    from_os_error,
    make_error,
)
from devices.printer.status import parse, well_formed

OK = {1: 0x12, 2: 0x12, 4: 0x12}


def test_healthy_printer() -> None:
    status = parse(OK)
    assert status.ok
    assert (status.online, status.paper, status.cover_open, status.problems) == (True, "ok", False, ())
    assert status.raw_text == "EOT1=0x12 EOT2=0x12 EOT4=0x12"
    assert status.error() is None


@pytest.mark.parametrize(
    ("answers", "key", "paper", "cover"),
    [
        ({1: 0x1A, 2: 0x32, 4: 0x72}, "paper_out", "out", False),  # Epson: offline, stopped by paper end
        ({1: 0x12, 2: 0x12, 4: 0x72}, "paper_out", "out", False),  # sensor says out even if still online
        ({1: 0x1A, 2: 0x32, 4: 0x12}, "paper_out", "out", False),  # stopped by paper end, sensor recovered
        ({1: 0x1A, 2: 0x16, 4: 0x12}, "cover_open", "ok", True),
        ({1: 0x1A, 2: 0x52, 4: 0x12}, "printer_error", "ok", False),
        ({1: 0x1A, 2: 0x12, 4: 0x12}, "offline", "ok", False),
        ({1: 0x1A, 2: 0x1A, 4: 0x12}, "offline", "ok", False),  # paper fed by the button
    ],
)
def test_problems(answers: dict[int, int], key: str, paper: str, cover: bool) -> None:
    status = parse(answers)
    assert status.state == "needs_attention"
    assert status.key == key
    assert (status.paper, status.cover_open) == (paper, cover)
    error = status.error(uri="tcp://p:9100", phase="before")
    assert isinstance(error, PrinterNeedsAttention)
    assert error.key == key
    assert error.raw == answers


def test_cover_open_and_paper_out_together_reports_both_paper_first() -> None:
    status = parse({1: 0x1A, 2: 0x36, 4: 0x72})
    assert status.problems == ("paper_out", "cover_open")


@pytest.mark.parametrize("near_end", [0x1E, 0x16, 0x1A])  # bits 2-3 both, or either one (clones)
def test_near_end_is_a_warning_not_a_problem(near_end: int) -> None:
    status = parse({1: 0x12, 2: 0x12, 4: near_end})
    assert status.ok
    assert status.paper == "near_end"


def test_no_answer_is_never_paper_ok() -> None:
    status = parse({1: None})
    assert status.state == "unavailable"
    assert status.key == "no_answer"
    assert status.paper == "unknown"
    assert status.online is None
    error = status.error()
    assert isinstance(error, PrinterUnavailable)
    assert error.code == "EOT1=none"


@pytest.mark.parametrize("garbage", [0x00, 0xFF, 0x80, 0x13, 0x10, 0x02, 0x92])
def test_bytes_without_the_fixed_bits_are_rejected(garbage: int) -> None:
    status = parse({1: 0x12, 2: 0x12, 4: garbage})
    assert status.state == "unavailable"
    assert status.key == "bad_answer"
    assert "0x" in status.detail


@given(st.dictionaries(st.sampled_from([1, 2, 4]), st.one_of(st.none(), st.integers(0, 255)), min_size=1))
def test_any_answers_parse_without_raising_and_never_claim_paper_when_unsure(
    answers: dict[int, int | None],
) -> None:
    status = parse(answers)
    if any(b is None or not well_formed(b) for b in answers.values()):
        assert status.state == "unavailable"
        assert status.paper == "unknown"
    else:
        assert status.state in ("ok", "needs_attention")
        if 4 not in answers and not ((answers.get(2) or 0) & 0x20):
            assert status.paper == "unknown"


def test_every_key_has_words_for_the_visitor_and_the_technician() -> None:
    for key in NEEDS_ATTENTION_KEYS | UNAVAILABLE_KEYS:
        assert key in TECHNICIAN_HINTS
        texts = {lang: visitor_message(key, lang) for lang in ("ru", "zh-Hant", "en")}
        assert all(texts.values())
        assert len(set(texts.values())) == 3  # really three languages
    assert visitor_message("paper_out", "fr") == visitor_message("paper_out", "en")


def test_error_tree_and_codes() -> None:
    assert issubclass(PrinterUnavailable, PrinterError)
    assert issubclass(PrinterNeedsAttention, PrinterError)
    paper = make_error(
        "paper_out", "paper out", uri="serial:/dev/ttyS0", raw={1: 0x1A, 4: 0x72}, phase="after"
    )
    assert isinstance(paper, PrinterNeedsAttention)
    paper.job_sent = True
    assert paper.code == "EOT1=0x1A EOT4=0x72"
    assert "void or reprint" in paper.technician_message
    assert "serial:/dev/ttyS0" in str(paper)
    refused = from_os_error(
        ConnectionRefusedError(111, "Connection refused"), "connect", uri="tcp://x", phase="open"
    )
    assert isinstance(refused, PrinterUnavailable)
    assert (refused.key, refused.errno) == ("not_found", 111)
    assert refused.code == "errno=111 (ECONNREFUSED)"
    assert from_os_error(TimeoutError(), "send", uri="tcp://x", phase="sending").key == "timeout"
    assert from_os_error(PermissionError(13, "denied"), "open", uri="f", phase="open").key == "io_error"
    assert "сотрудник" in paper.visitor_message("ru")
