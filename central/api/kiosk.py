"""Questions a kiosk asks about itself: lets a technician check a freshly entered token."""

from __future__ import annotations

from fastapi import APIRouter

from central.auth import CurrentKiosk
from central.schemas import KioskMe

router = APIRouter(tags=["kiosk"])


@router.get("/kiosk/me", response_model=KioskMe)
async def kiosk_me(kiosk: CurrentKiosk) -> KioskMe:
    return KioskMe(kiosk_id=kiosk.id, center_id=kiosk.center_id)
