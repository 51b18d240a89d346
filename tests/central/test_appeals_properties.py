"""Property tests on the appeal API with arbitrary Unicode: never a 5xx, a clear 422 for what is invalid,
card numbers never stored in full, and a batch's outcomes always one per body."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from central import db
from service_common.redact import card_spans

from .appeal_helpers import appeal_demo, body  # noqa: F401  (appeal_demo: an autouse fixture)

FIELDS = ["number", "kind", "source", "filed_at", "lang", "name", "phone", "email", "reply_by", "topic", "text",
          "concerns", "happened_on", "kb_query", "deadline", "center_id", "id"]  # fmt: skip
ANY_VALUE = st.one_of(
    st.text(max_size=300),
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(changes=st.dictionaries(st.sampled_from(FIELDS), ANY_VALUE, max_size=4))
def test_any_body_gets_a_clear_answer(
    client: TestClient, headers: dict[str, str], changes: dict[str, Any]
) -> None:
    response = client.post("/api/v1/appeals", json=body(**changes), headers=headers)
    assert response.status_code in (200, 409, 422), response.text
    if response.status_code != 200:
        error = response.json()
        assert error["error"] in ("invalid_request", "no_contact", "unknown_center", "number_taken")
        assert error["message"]


@SLOW
@given(text=st.text(min_size=1, max_size=500), name=st.text(min_size=1, max_size=200), card=st.booleans())
def test_free_text_is_kept_masked(
    client: TestClient, headers: dict[str, str], seeded: Engine, text: str, name: str, card: bool
) -> None:
    if card:
        text += " 4111 1111 1111 1111"
    b = body(text=text, name=name, number=None)
    b["number"] = f"A001-261123-{abs(hash(b['id'])) % 9999 + 1:04d}"
    response = client.post("/api/v1/appeals", json=b, headers=headers)
    assert response.status_code in (200, 409, 422), response.text
    if response.status_code == 200:
        with seeded.connect() as conn:
            row = conn.execute(
                sa.select(db.appeals.c.text, db.appeals.c.name).where(db.appeals.c.id == b["id"])
            ).one()
        assert not list(card_spans(row.text))
        assert not list(card_spans(row.name))
        assert row.text.strip()


@SLOW
@given(
    items=st.lists(
        st.one_of(st.builds(lambda: body()), st.dictionaries(st.text(max_size=8), ANY_VALUE, max_size=4)),
        max_size=10,
    )
)
def test_batch_answers_every_body(
    client: TestClient, headers: dict[str, str], items: list[dict[str, Any]]
) -> None:
    response = client.post("/api/v1/appeals/batch", json={"appeals": items}, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(items)
    assert all(r["outcome"] in ("stored", "duplicate", "refused") for r in results)


@SLOW
@given(number=st.text(max_size=50), digits=st.text(max_size=10))
def test_lookup_with_anything(client: TestClient, headers: dict[str, str], number: str, digits: str) -> None:
    path = "/api/v1/appeals/" + quote(number or "x", safe="")
    response = client.get(path, params={"phone_last4": digits}, headers=headers)
    assert response.status_code in (404, 422, 423, 405), response.text
