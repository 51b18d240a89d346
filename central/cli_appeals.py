"""``kiosk-central appeals export|report``: the registry as JSON lines, and the review the standard asks for.

The report counts appeals filed in a date range by kind, topic and status, and for each stage
(status) the average and longest time appeals spent in it, from their history: the figure the
customer service standard asks the office to review.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import db
from central.appeals import scope


def add_parsers(commands: Any, with_db: argparse.ArgumentParser, plain: argparse.ArgumentParser) -> None:
    appeals = commands.add_parser("appeals", parents=[plain], help="the appeal registry")
    appeals.set_defaults(print_help=appeals.print_help)
    sub = appeals.add_subparsers(dest="appeals_command", metavar="ACTION")
    export = sub.add_parser("export", parents=[with_db], help="every appeal with its history, as JSON lines")
    export.add_argument(
        "--json", action="store_true", help="JSON lines (the only format; accepted for clarity)"
    )
    export.add_argument("--center", metavar="ID", help="only this center's appeals (default: every center)")
    report = sub.add_parser("report", parents=[with_db], help="counts and time in each stage for a period")
    report.add_argument(
        "--from", dest="from_", required=True, metavar="YYYY-MM-DD", help="first filing day (UTC)"
    )
    report.add_argument("--to", required=True, metavar="YYYY-MM-DD", help="last filing day (UTC), inclusive")
    report.add_argument("--json", action="store_true", help="one JSON object")
    report.add_argument("--center", metavar="ID", help="only this center's appeals (default: every center)")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def export_lines(engine: Engine, center_id: str | None = None) -> Iterator[str]:
    """One JSON object per appeal, oldest first, with its history and answers; streamed in pages.

    ``center_id``: that center's appeals only (the same rule as the staff page's, see scope)."""
    a, e, ans = db.appeals, db.appeal_events, db.appeal_answers
    last: tuple[Any, str] | None = None
    with engine.connect() as conn:
        while True:
            query = sa.select(a).where(scope.visible(center_id)).order_by(a.c.filed_at, a.c.id).limit(500)
            if last is not None:
                query = query.where(sa.tuple_(a.c.filed_at, a.c.id) > sa.tuple_(*last))
            rows = conn.execute(query).all()
            if not rows:
                return
            ids = [r.id for r in rows]
            events: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for ev in conn.execute(sa.select(e).where(e.c.appeal_id.in_(ids)).order_by(e.c.id)):
                events[ev.appeal_id].append(
                    {"at": _iso(ev.at), "action": ev.action, "status": ev.status, "by": ev.by, "note": ev.note,
                     "data": ev.data}
                )  # fmt: skip
            answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for x in conn.execute(sa.select(ans).where(ans.c.appeal_id.in_(ids)).order_by(ans.c.id)):
                answers[x.appeal_id].append(
                    {"text": x.text, "by_username": x.by_username, "by_name": x.by_name,
                     "by_contact": x.by_contact, "at": _iso(x.at)}
                )  # fmt: skip
            for r in rows:
                record = {k: _iso(v) for k, v in r._mapping.items()}
                record["history"] = events[r.id]
                record["answers"] = answers[r.id]
                yield json.dumps(record, ensure_ascii=False)
            last = (rows[-1].filed_at, rows[-1].id)


def report(
    engine: Engine, first: date, last: date, now: datetime, center_id: str | None = None
) -> dict[str, Any]:
    """Counts by kind, topic, status; hours spent in each stage (average, longest) from the history."""
    a, e = db.appeals, db.appeal_events
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), UTC)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(a.c.id, a.c.kind, a.c.topic, a.c.status).where(
                a.c.filed_at >= start, a.c.filed_at < end, scope.visible(center_id)
            )
        ).all()
        spans: dict[str, list[float]] = defaultdict(list)
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            history: dict[str, list[Any]] = defaultdict(list)
            part = ids[chunk : chunk + 500]
            for ev in conn.execute(
                sa.select(e.c.appeal_id, e.c.at, e.c.status).where(e.c.appeal_id.in_(part)).order_by(e.c.id)
            ):
                history[ev.appeal_id].append(ev)
            for evs in history.values():
                for this, following in zip(evs, [*evs[1:], None], strict=True):
                    if following is None and this.status in ("closed", "rejected"):
                        continue  # a final stage has no duration
                    until = following.at if following is not None else now
                    if following is not None and following.status == this.status:
                        continue  # no change of stage (a routing, a note): counted in the stage's next span
                    spans[this.status].append((until - this.at).total_seconds() / 3600)
    return {
        "center": center_id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "total": len(rows),
        "by_kind": dict(Counter(r.kind for r in rows)),
        "by_topic": dict(Counter(r.topic or "" for r in rows)),
        "by_status": dict(Counter(r.status for r in rows)),
        "stages_hours": {
            status: {"count": len(v), "average": round(sum(v) / len(v), 2), "longest": round(max(v), 2)}
            for status, v in sorted(spans.items())
        },
    }


def run(args: argparse.Namespace, engine: Engine, now: datetime) -> int:
    if args.appeals_command == "export":
        for line in export_lines(engine, args.center):
            sys.stdout.write(line + "\n")
        return 0
    if args.appeals_command == "report":
        try:
            first, last = date.fromisoformat(args.from_), date.fromisoformat(args.to)
        except ValueError:
            print("kiosk-central: --from/--to: expected dates such as 2026-12-01", file=sys.stderr)
            return 2
        result = report(engine, first, last, now, args.center)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
            return 0
        print(f"appeals filed {result['from']} .. {result['to']}: {result['total']}")
        for title, key in (("kind", "by_kind"), ("topic", "by_topic"), ("status", "by_status")):
            print(f"by {title}: " + ", ".join(f"{k or '-'} {v}" for k, v in sorted(result[key].items())))
        for status, s in result["stages_hours"].items():
            print(
                f"  {status:12} {s['count']:5} spans  average {s['average']:8.2f} h  longest {s['longest']:8.2f} h"
            )
        return 0
    print("kiosk-central appeals: choose export or report", file=sys.stderr)
    return 2
