"""Central's ticket page tells the wait by the kiosk's rule: the first in line reads "you are next",
never "about 0 min" beside it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from .queue_helpers import new_ticket


def test_first_in_line_reads_you_are_next_without_a_wait(client: TestClient, headers: dict[str, str]) -> None:
    ticket = new_ticket(client, headers)
    assert (ticket["people_ahead"], ticket["estimated_wait_min"]) == (0, 0)
    parts = urlsplit(ticket["status_url"])
    page = client.get(f"{parts.path}?{parts.query}&lang=en").text
    assert "You are next" in page
    assert "Estimated wait" not in page
    ru = client.get(f"{parts.path}?{parts.query}&lang=ru").text
    assert "Вы следующий" in ru
    assert "Примерное ожидание" not in ru
