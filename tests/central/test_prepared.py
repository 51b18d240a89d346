"""Statements run on the driver's cursor (central.prepared) answer as SQLAlchemy's execution does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.prepared import Prepared

_bp = sa.bindparam
T = db.tickets
ROW = dict(
    id="t1", request_id="r1", kiosk_id=None, center_id="C01", service_id="C01-A", queue_service_id="C01-A",
    business_date=date(2026, 11, 24), number=7, prefix="A", priority="none", issued_by="kiosk", language="ru",
    lease_id=None, status="waiting", issued_at=datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC),
    received_at=datetime(2026, 11, 24, 10, 0, 1, tzinfo=timezone(timedelta(hours=3))),  # stored as UTC
    queued_at=datetime(2026, 11, 24, 7, 0, tzinfo=UTC), rank_at=datetime(2026, 11, 24, 7, 0, tzinfo=UTC),
    call_count=0, response="{}",
)  # fmt: skip
INSERT = Prepared(sa.insert(T))
READ = (
    sa.select(T.c.id, T.c.business_date, T.c.issued_at, T.c.received_at, T.c.number, db.services.c.active)
    .join(db.services, db.services.c.id == T.c.service_id)
    .where(T.c.request_id == _bp("request_id"), T.c.issued_at < _bp("before"))
)


def test_rows_and_types_match_sqlalchemys_execution(seeded: Engine) -> None:
    with db.write_transaction(seeded) as conn:
        INSERT.execute(conn, ROW)
    params = {"request_id": "r1", "before": ROW["issued_at"] + timedelta(seconds=1)}  # type: ignore[operator]
    with seeded.connect() as conn:
        expected = conn.execute(READ, params).one()
        row = Prepared(READ).one(conn, params)
        assert Prepared(READ).first(conn, {**params, "request_id": "nobody"}) is None
    assert tuple(row) == tuple(expected)
    assert (row.business_date, row.active, row.issued_at.tzinfo) == (date(2026, 11, 24), True, UTC)
    assert (row.received_at, row.received_at.tzinfo) == (datetime(2026, 11, 24, 7, 0, 1, tzinfo=UTC), UTC)


def test_a_constraint_failure_is_sqlalchemys_integrity_error_and_rolls_back(seeded: Engine) -> None:
    with db.write_transaction(seeded) as conn:
        INSERT.execute(conn, ROW)

    def second_ticket_then_a_repeated_request_id() -> None:
        with db.write_transaction(seeded) as conn:
            INSERT.execute(conn, {**ROW, "id": "t2", "request_id": "r2", "number": 8})
            INSERT.execute(conn, {**ROW, "id": "t3", "number": 9})

    with pytest.raises(sa.exc.IntegrityError):
        second_ticket_then_a_repeated_request_id()
    with seeded.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(T)).scalar_one() == 1


def test_each_set_of_parameter_names_gets_its_own_plan(seeded: Engine) -> None:
    with db.write_transaction(seeded) as conn:
        INSERT.execute(conn, ROW)
        INSERT.execute(conn, {**ROW, "id": "t2", "request_id": "r2", "number": 8, "call_count": 3})
        short = {k: v for k, v in ROW.items() if k != "call_count"}  # the server default fills it
        INSERT.execute(conn, {**short, "id": "t3", "request_id": "r3", "number": 9})
    with seeded.connect() as conn:
        counts = conn.execute(sa.select(T.c.number, T.c.call_count).order_by(T.c.number)).all()
    assert [tuple(r) for r in counts] == [(7, 0), (8, 3), (9, 0)]


def test_a_statement_that_renders_parameters_at_run_time_is_refused(seeded: Engine) -> None:
    expanding = Prepared(sa.select(T.c.id).where(T.c.status.in_(_bp("statuses", expanding=True))))
    with seeded.connect() as conn, pytest.raises(ValueError, match="rendered at run time"):
        expanding.execute(conn, {"statuses": ["waiting"]})
