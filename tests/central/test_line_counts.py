"""The waiting totals kept by triggers (migration 0013) against a fresh COUNT, after any mix of
ticket operations; and a new ticket's place in line computed both ways."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from central import db
from central.queue import estimates, store
from service_common.clock import ManualClock

from .queue_helpers import new_ticket, open_counter, sign_in

SERVICES = ["C01-A", "C01-B", "C01-D"]
ACTIONS = ["call-next", "recall", "start", "finish", "no-show", "park", "transfer", "unpark", "void"]
OPERATION = st.one_of(
    st.tuples(
        st.just("ticket"), st.sampled_from(SERVICES), st.sampled_from(["none", "disability", "veteran"])
    ),
    st.tuples(st.just("act"), st.sampled_from(ACTIONS), st.sampled_from(SERVICES)),
    st.tuples(st.just("wait"), st.integers(1, 600), st.just("")),
)


def fresh_counts(engine: Engine) -> tuple[dict[Any, int], dict[Any, int]]:
    t, lc = db.tickets, db.line_counts
    with engine.connect() as conn:
        counted = conn.execute(
            sa.select(t.c.queue_service_id, t.c.business_date, sa.func.count())
            .where(t.c.status == "waiting")
            .group_by(t.c.queue_service_id, t.c.business_date)
        ).all()
        kept = conn.execute(sa.select(lc.c.service_id, lc.c.business_date, lc.c.waiting)).all()
    return {(r[0], r[1]): r[2] for r in counted}, {(r[0], r[1]): r[2] for r in kept if r[2]}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, min_size=5, max_size=30))
def test_kept_totals_equal_a_fresh_count(
    client: TestClient, headers: dict[str, str], seeded: Engine, clock: ManualClock, operations: list[Any]
) -> None:
    # The database carries over from one example to the next: the totals must hold all along.
    sign_in(client)
    client.post("/api/v1/counters/C01-1/open", json={"services": SERVICES})
    tickets: list[str] = []
    for kind, what, extra in operations:
        if kind == "ticket":
            ticket = new_ticket(client, headers, what, priority=extra)
            tickets.append(ticket["id"])
            with seeded.connect() as conn:  # the answer's place in line, counted the old way
                row = store.load_ticket(conn, ticket["id"])
                assert ticket["people_ahead"] == estimates.people_ahead(
                    conn, row.queue_service_id, row.business_date, row.rank_at, row.number
                )
        elif kind == "wait":
            clock.advance(timedelta(seconds=what))
        elif what == "void" and tickets:
            client.post(
                f"/api/v1/tickets/{tickets[-1]}/void", json={"reason": "printer jam"}, headers=headers
            )
        elif what == "transfer":
            client.post("/api/v1/counters/C01-1/transfer", json={"service_id": extra})
        elif what == "unpark" and tickets:
            client.post("/api/v1/counters/C01-1/unpark", json={"ticket_id": tickets[0]})
        else:
            client.post(f"/api/v1/counters/C01-1/{what}")
        counted, kept = fresh_counts(seeded)
        assert kept == counted, (kind, what)


def test_deleting_and_backfilled_lines(client: TestClient, headers: dict[str, str], seeded: Engine) -> None:
    sign_in(client)
    open_counter(client, "C01-1", ["C01-A"])
    made = [new_ticket(client, headers, "C01-A") for _ in range(3)]
    with seeded.begin() as conn:
        conn.execute(sa.delete(db.tickets).where(db.tickets.c.id == made[0]["id"]))
    counted, kept = fresh_counts(seeded)
    assert kept == counted
    assert new_ticket(client, headers, "C01-A")["people_ahead"] == 2
