"""Fixtures for the card tests: a private pcscd with vpcd (session-wide), and a queue of reader events."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator

import pytest

from devices.card.base import CardEvent
from tests.cards.pcscd import Pcscd, exclusive, missing


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    why = missing()
    if why:
        if os.environ.get("CI") or os.geteuid() == 0:  # run.sh installed everything: these must run
            pytest.fail(f"card tests need pcscd with vpcd: {why}")
        pytest.skip(why)
    daemon = Pcscd(tmp_path_factory.mktemp("pcscd") / "pcscd.log")
    with exclusive():
        daemon.start()
        try:
            yield daemon
        finally:
            daemon.stop()


class Events:
    """Reader events as they arrive on the reader's thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[CardEvent] = queue.Queue()

    def __call__(self, event: CardEvent) -> None:
        self.queue.put(event)

    def next(self, kind: type, timeout: float = 5.0) -> CardEvent:
        """The next event of this kind (others before it are dropped)."""
        while True:
            event = self.queue.get(timeout=timeout)
            if isinstance(event, kind):
                return event


@pytest.fixture
def events() -> Events:
    return Events()
