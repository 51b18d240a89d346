"""What the kiosk shows when systemd gave up restarting it (``kiosk run --out-of-service``): a plain
apology instead of a reboot loop. Technician mode (the corner) and heartbeats still work."""

from __future__ import annotations

from screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    pass
