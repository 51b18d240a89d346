"""Demo data of the appeal registry: departments, routes, the demo account as a handler, a few appeals.

Written by ``kiosk-central seed-demo`` after the rest of the demo data, so ``kiosk demo`` shows a working staff
page at once. Safe to run again: rows are written only when missing (appeals: by their fixed ids).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from central import db
from central.appeals import intake
from central.appeals.schemas import AppealIn
from central.context import Context
from service_common.appeals import RegistrationNumber
from service_common.clock import Clock


def t(ru: str, zh: str, en: str) -> dict[str, str]:
    return {"ru": ru, "zh-Hant": zh, "en": en}


DEPARTMENTS = [
    {
        "id": "general",
        "name": t("Отдел обращений граждан", "客戶申訴部", "Customer appeals department"),
        "contact": "appeals@bank.example",
        "is_default": True,
    },
    {
        "id": "cards",
        "name": t("Отдел банковских карт", "信用卡與金融卡部", "Cards department"),
        "contact": "cards@bank.example",
        "is_default": False,
    },
    {
        "id": "quality",
        "name": t("Служба качества обслуживания", "服務品質部", "Service quality"),
        "contact": "quality@bank.example",
        "is_default": False,
    },
]
ROUTES = [
    {"center_id": None, "region": None, "topic": "cards", "department_id": "cards"},
    {"center_id": None, "region": None, "topic": "service", "department_id": "quality"},
]
HANDLER = {"department_id": "general", "name": "Ирина Соколова", "contact": "i.sokolova@bank.example"}

DEMO_APPEALS = [
    (
        "question",
        "cards",
        "Анна",
        "+7 912 345-67-89",
        None,
        "Можно ли пополнить карту без комиссии в вашем офисе?",
    ),
    (
        "complaint",
        "service",
        "Борис",
        "+7 903 111-22-33",
        "boris@example.org",
        "Очередь к окну 3 не двигалась сорок минут, сотрудник ушёл без объявления.",
    ),
    (
        "application",
        None,
        "Wei Chen",
        "+886 912 345 678",
        None,
        "Please send me a certificate of my account balance.",
    ),
]


def _missing(conn: Connection, table: sa.Table, key: str, value: Any) -> bool:
    return conn.execute(sa.select(table.c[key]).where(table.c[key] == value)).first() is None


def seed_appeals_demo(engine: Engine, clock: Clock, handler_username: str) -> int:
    """Departments, routes and the handler; then the demo appeals (idempotent by their fixed ids).

    Returns how many demo appeals the registry holds, like seed_demo's counts.
    """
    with db.write_transaction(engine) as conn:
        for dept in DEPARTMENTS:
            if _missing(conn, db.appeal_departments, "id", dept["id"]):
                conn.execute(sa.insert(db.appeal_departments).values(**dept))
        if conn.execute(sa.select(sa.func.count()).select_from(db.appeal_routes)).scalar_one() == 0:
            conn.execute(sa.insert(db.appeal_routes), ROUTES)
        if _missing(conn, db.appeal_handlers, "username", handler_username):
            conn.execute(sa.insert(db.appeal_handlers).values(username=handler_username, **HANDLER))
    now = clock.now()
    filed = now - timedelta(hours=2)
    bodies = []
    for seq, (kind, topic, name, phone, email, text) in enumerate(DEMO_APPEALS, start=1):
        bodies.append(
            AppealIn.model_validate(
                {
                    "id": f"00000000-0000-4000-8000-{seq:012d}",
                    "number": str(RegistrationNumber(0, filed.date(), seq)),
                    "kind": kind,
                    "source": "staff",
                    "filed_at": filed.isoformat(),
                    "lang": "en" if name == "Wei Chen" else "ru",
                    "name": name,
                    "phone": phone,
                    "email": email,
                    "reply_by": "email" if email else "sms",
                    "topic": topic,
                    "text": text,
                    "center_id": "C01",
                    "deadline": None,
                    "concerns": "окно 3" if kind == "complaint" else None,
                    "happened_on": filed.date().isoformat() if kind == "complaint" else None,
                }
            )
        )
    ctx = Context(engine=engine, clock=clock, version="demo")
    outcomes = intake.file_appeals(ctx, bodies, None, "seed-demo", acknowledge=False)
    return sum(o.outcome in ("stored", "duplicate") for o in outcomes)
