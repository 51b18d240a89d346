"""Questions a kiosk asks about itself: lets a technician check a freshly entered token.

Also what a kiosk needs to number appeals offline: its ``serial`` and the status page's address.
"""

from __future__ import annotations

from fastapi import APIRouter

from central.auth import CurrentKiosk
from central.context import Ctx
from central.schemas import KioskMe

router = APIRouter(tags=["kiosk"])

APPEAL_STATUS_PATH = "/appeals/status"


@router.get("/kiosk/me", response_model=KioskMe)
async def kiosk_me(kiosk: CurrentKiosk, ctx: Ctx) -> KioskMe:
    return KioskMe(
        kiosk_id=kiosk.id,
        center_id=kiosk.center_id,
        serial=kiosk.serial,
        appeal_status_url=ctx.links.public_url + APPEAL_STATUS_PATH,
    )
