"""For chaos end-to-end tests: a real central behind a fault proxy, and central's tickets as it holds them.

The kiosk is given the proxy's URL, so every call it makes can be broken at a chosen point; the test
then compares what the kiosk printed with what central's database says, read here directly (and
read-only) so that the check does not depend on central's API working under the same faults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from central.db import database_url, tickets
from central.queue.engine import display
from tests.conftest import CentralServer, start_central
from tests.faultproxy import FaultProxy


@dataclass
class ChaosCentral:
    """A running central, the kiosk enrolled there, and the proxy the kiosk must talk through."""

    central: CentralServer
    proxy: FaultProxy
    kiosk_id: str
    center_id: str
    token: str

    @property
    def url(self) -> str:
        """The URL for the kiosk's ``[central] url``: the proxy, never central itself."""
        return self.proxy.url

    @property
    def db(self) -> Path:
        return self.central.db

    def central_config(self) -> dict[str, str]:
        """The ``[central]`` keys a kiosk config needs to reach central through the proxy."""
        return {"url": self.url, "token": self.token}

    def write_kiosk_config(
        self,
        path: Path,
        data_dir: Path,
        connect_timeout_s: float = 0.5,
        read_timeout_s: float = 2.0,
        extra: Mapping[str, Mapping[str, TomlValue]] | None = None,
    ) -> Path:
        """A kiosk TOML config that reaches central through the proxy; ``extra`` adds or overrides keys.

        Short timeouts by default, so a stalled answer costs a test 2 s, not the production 5 s.
        """
        sections: dict[str, dict[str, TomlValue]] = {
            "kiosk": {"id": self.kiosk_id, "center_id": self.center_id, "data_dir": str(data_dir)},
            "central": {
                **self.central_config(),
                "connect_timeout_s": connect_timeout_s,
                "read_timeout_s": read_timeout_s,
            },
        }
        for name, values in (extra or {}).items():
            sections.setdefault(name, {}).update(values)
        path.write_text(_toml(sections), encoding="utf-8")
        return path

    def stop(self) -> None:
        """Stop the proxy first (it releases stalled clients), then central."""
        try:
            self.proxy.stop()
        finally:
            self.central.stop()

    def __enter__(self) -> ChaosCentral:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


TomlValue = str | int | float | bool | list[str]


def _toml(sections: Mapping[str, Mapping[str, TomlValue]]) -> str:
    """Flat tables of plain values; JSON's string and list syntax is valid TOML for these."""
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)


def start_chaos_central(
    workdir: Path,
    kiosk_id: str = "KIOSK-CHAOS-01",
    center_id: str = "C01",
    clock: str | None = None,
    upstream_timeout_s: float = 10.0,
) -> ChaosCentral:
    """Start central with the demo data in ``workdir``, enrol ``kiosk_id``, put a proxy in front.

    ``clock`` (local time, e.g. 2026-12-01T10:00) starts central's demo clock there, as in
    ``tests.conftest.start_central``. The proxy passes everything until a test sets rules or chaos.
    """
    central = start_central(workdir / "central.db", clock=clock)
    try:
        token = central.enrol(kiosk_id, center_id)
        host, port = central.url.removeprefix("http://").rsplit(":", 1)
        proxy = FaultProxy((host, int(port)), upstream_timeout_s=upstream_timeout_s).start()
    except BaseException:
        central.stop()
        raise
    return ChaosCentral(central, proxy, kiosk_id, center_id, token)


@dataclass(frozen=True)
class CentralTicket:
    request_id: str
    display: str
    status: str
    kiosk_id: str | None
    service_id: str
    lease_id: str | None


def _read_only_engine(db: str | Path) -> sa.Engine:
    """An engine that cannot write: SQLite opened with mode=ro; another database as given."""
    url = database_url(db)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url)
    return sa.create_engine(
        url.set(database=f"file:{url.database}?mode=ro", query={"uri": "true"}),
        connect_args={"check_same_thread": False},
    )


def central_tickets(db: str | Path, day: date, center_id: str | None = None) -> list[CentralTicket]:
    """Every ticket central holds for the business day ``day``, in issuing order."""
    query = sa.select(
        tickets.c.request_id,
        tickets.c.prefix,
        tickets.c.number,
        tickets.c.status,
        tickets.c.kiosk_id,
        tickets.c.service_id,
        tickets.c.lease_id,
    ).where(tickets.c.business_date == day)
    if center_id is not None:
        query = query.where(tickets.c.center_id == center_id)
    engine = _read_only_engine(db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query.order_by(tickets.c.issued_at, tickets.c.number)).all()
    finally:
        engine.dispose()
    return [
        CentralTicket(
            r.request_id, display(r.prefix, r.number), r.status, r.kiosk_id, r.service_id, r.lease_id
        )
        for r in rows
    ]


def tickets_by_request(db: str | Path, day: date, center_id: str | None = None) -> dict[str, str]:
    """Central's tickets for ``day`` as ``{request_id: display}`` (e.g. ``{"4f2c…": "B051"}``)."""
    return {t.request_id: t.display for t in central_tickets(db, day, center_id)}
