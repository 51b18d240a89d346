"""Fixtures for the scanner tests: a fake serial scanner on a pty, and scanners that always get stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.scanner import BarcodeScanner, open_scanner
from tests.scanner.fakes import Collector, PtyScanner, wait_for

Started = tuple[BarcodeScanner, Collector]


@pytest.fixture
def pty_scanner(tmp_path: Path) -> Iterator[PtyScanner]:
    fake = PtyScanner(tmp_path / "scanner")
    yield fake
    fake.close()


@pytest.fixture
def start() -> Iterator[Callable[..., Started]]:
    """``start(uri)`` -> (scanner, collector); waits until connected unless ``wait=False``; stops after."""
    running: list[BarcodeScanner] = []

    def _start(uri: str, *, wait: bool = True) -> Started:
        scanner = open_scanner(uri)
        got = Collector()
        scanner.start(got.on_scan, got.on_error)
        running.append(scanner)
        if wait:
            wait_for(lambda: scanner.status().state == "connected", what=f"{uri} to connect")
        return scanner, got

    yield _start
    for scanner in running:
        scanner.stop()
