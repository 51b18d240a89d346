"""Which department handles an appeal: by territory (center, region) and subject (topic).

Routes are a small table (``appeal_routes``); NULL in a route matches anything. The most specific
route wins: a center beats a region beats anywhere, and at the same territory a topic beats no
topic. Nothing matching: the default department.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central import db


@dataclass(frozen=True)
class Route:
    center_id: str | None
    region: str | None
    topic: str | None
    department_id: str

    def score(self, center_id: str, region: str | None, topic: str | None) -> int | None:
        """How specific a match this route is for the appeal; None when it does not match."""
        if self.center_id is not None and self.center_id != center_id:
            return None
        if self.region is not None and self.region != region:
            return None
        if self.topic is not None and (topic is None or self.topic.casefold() != topic.casefold()):
            return None
        territory = 4 if self.center_id is not None else 2 if self.region is not None else 0
        return territory + (1 if self.topic is not None else 0)


@dataclass(frozen=True)
class Routes:
    routes: Sequence[Route]
    default: str | None

    def department(self, center_id: str, region: str | None, topic: str | None) -> str | None:
        best: tuple[int, str] | None = None
        for route in self.routes:
            score = route.score(center_id, region, topic)
            if score is not None and (best is None or score > best[0]):
                best = (score, route.department_id)
        return best[1] if best else self.default


def load(conn: Connection) -> Routes:
    """All routes (a small table: read once per batch, not once per appeal)."""
    r, d = db.appeal_routes, db.appeal_departments
    routes = [
        Route(row.center_id, row.region, row.topic, row.department_id)
        for row in conn.execute(sa.select(r).order_by(r.c.id))
    ]
    default = conn.execute(
        sa.select(d.c.id).where(d.c.is_default.is_(True)).order_by(d.c.id).limit(1)
    ).scalar_one_or_none()
    return Routes(routes, default)
