"""The heartbeat a kiosk sends and what the fleet page reads: part of the contract (openapi.json).

Printer states use IPP's ``printer-state-reasons`` keywords, so a technician who knows CUPS reads
them without a glossary; the raw status bytes travel alongside for the hard cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat

from central.schemas import IsoDateTime

PrinterReason = Literal["media-low", "media-empty", "door-open", "offline", "jam", "other"]
Colour = Literal["green", "yellow", "red"]
Connection = Literal["never_seen", "online", "offline"]
Short = Annotated[str, Field(max_length=64)]


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected an integer, not true/false")
    return value


StrictInt = Annotated[int, BeforeValidator(_not_bool)]
"""JSON Schema's integer: 3 and 3.0, never true/false (which Pydantic's lax int would take as 1/0)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PaperForecast(_Strict):
    near_end: StrictBool = Field(description="The printer's near-end sensor says the roll is low")
    printed_mm: StrictFloat = Field(
        ge=0, le=10_000_000, description="Paper printed since the roll was replaced"
    )
    roll_mm: StrictFloat | None = Field(
        default=None, ge=0, le=10_000_000, description="Length of a full roll"
    )
    tickets_left: StrictInt | None = Field(
        default=None, ge=0, le=1_000_000, description="Out in about this many tickets; null when unknown"
    )


class PrinterHealth(_Strict):
    reasons: list[PrinterReason] = Field(max_length=8, description="Empty: ready")
    raw: Annotated[str, Field(max_length=200)] = ""
    paper: PaperForecast | None = None


class DeviceHealth(_Strict):
    configured: StrictBool
    present: StrictBool
    raw: Annotated[str, Field(max_length=200)] = ""


class Heartbeat(_Strict):
    heartbeat_id: Short = Field(min_length=1, description="Kiosk-made: a resend is recorded once")
    sent_at: IsoDateTime
    interval_s: StrictInt = Field(
        ge=5, le=3600, description="How often this kiosk sends; central's offline clock"
    )
    app_version: Annotated[str, Field(max_length=32)]
    config_version: Short
    uptime_s: StrictInt = Field(ge=0)
    printer: PrinterHealth
    card_reader: DeviceHealth
    scanner: DeviceHealth
    outbox_depth: StrictInt = Field(ge=0)
    outbox_refused: StrictInt = Field(ge=0)
    last_sync_at: IsoDateTime | None = None
    disk_free_mb: StrictInt = Field(ge=0)
    memory_mb: StrictInt = Field(ge=0)


class HeartbeatAck(BaseModel):
    colour: Colour
    connection: Connection
    reasons: list[str]
    commands: list[CommandOut] = Field(default_factory=list, description="Run each id once, then acknowledge")


class FleetKiosk(BaseModel):
    kiosk_id: str
    center_id: str
    connection: Connection
    colour: Colour | None = Field(description="null: never seen")
    reasons: list[str]
    last_heartbeat_at: datetime | None
    offline_since: datetime | None
    app_version: str | None
    config_version: str | None
    heartbeat: Heartbeat | None


class FleetView(BaseModel):
    now: datetime
    kiosks: list[FleetKiosk]


class AuditRecord(_Strict):
    id: Short = Field(min_length=1, description="Kiosk-made: a resend is recorded once")
    at: IsoDateTime
    who: Short
    action: Annotated[str, Field(max_length=32)]
    result: Annotated[str, Field(max_length=16)]
    detail: Annotated[str, Field(max_length=500)] = ""


class CommandOut(BaseModel):
    """A command for the kiosk, handed out with the heartbeat's answer."""

    id: str
    kind: Literal["restart_app", "reboot", "test_print", "screenshot", "upload_logs", "apply_config"]
    params: dict[str, Any]
    expires_at: datetime


class CommandResult(_Strict):
    ok: StrictBool
    result: dict[str, Any] = Field(
        default_factory=dict, description="What the kiosk has to say (no personal data)"
    )


class CommandCreate(_Strict):
    kind: Literal["restart_app", "reboot", "test_print", "screenshot", "upload_logs", "apply_config"]
    params: dict[str, Any] = Field(default_factory=dict)
    expires_min: StrictInt = Field(default=30, ge=1, le=7 * 24 * 60)


class CommandState(BaseModel):
    id: str
    status: str


class ConfigKey(BaseModel):
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="Raw 32-byte public key, unpadded base64url")


HeartbeatAck.model_rebuild()
