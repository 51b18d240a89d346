"""Shared appeal bodies for the appeal tests."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from central import seed
from central.appeals.demo import seed_appeals_demo
from service_common.clock import ManualClock


@pytest.fixture(autouse=True)
def appeal_demo(seeded: Engine, clock: ManualClock) -> None:
    """What ``kiosk-central seed-demo`` adds for appeals: departments, routes, the handler, 3 appeals."""
    seed_appeals_demo(seeded, clock, seed.DEMO_STAFF)


def body(seq: Any = 1, **over: Any) -> dict[str, Any]:
    """A question filed at kiosk serial 1 on Monday 2026-11-23 (deadline: one working day later)."""
    out: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "number": f"A001-261123-{seq:04d}",
        "kind": "question",
        "source": "kiosk",
        "filed_at": "2026-11-23T07:00:00Z",
        "lang": "ru",
        "name": "Анна",
        "phone": "+7 912 345-67-89",
        "email": None,
        "reply_by": "sms",
        "topic": "cards",
        "text": "Почему не работает карта 4111 1111 1111 1111?",
        "concerns": None,
        "happened_on": None,
        "kb_query": None,
        "deadline": "2026-11-24",
        "center_id": "C01",
    }
    out.update(over)
    return out
