"""Card tokens: how the kiosk and central name a card without its number (HMAC-SHA256 of the PAN, hex).

Shared so that central's demo core bank knows the demo cards by the same tokens the kiosk makes. A real kiosk
and a real core bank use the key the bank provisions (kiosk: ``[card] token_key_file``), never this one.
"""

from __future__ import annotations

import hashlib
import hmac

#: The key the demo and the tests make card tokens with.
DEMO_TOKEN_KEY = b"kiosk-demo-card-token-key-not-for-production"

#: The demo cards' test numbers (Luhn-valid, issued by no bank), by the simulator profile that carries them
#: (``devices/card/virtual/profiles.py``; the "multi" card holds two applications). Demo PIN: 1234.
DEMO_CARD_PANS: dict[str, tuple[str, ...]] = {
    "visa": ("4111111111111111",),
    "mastercard": ("5555555555554444",),
    "blocked": ("4012888888881881",),
    "no_pdol": ("4000056655665556",),
    "track2": ("5200828282828210",),
    "multi": ("4111111111111111", "5105105105105100"),
    "pse": ("2200000000000004",),
    "aid_list": ("6759649826438453",),
    "magstripe": ("4111111111111111",),
    "pulled": ("4111111111111111",),
}


def card_token(key: bytes, pan: bytes | bytearray | str) -> str:
    raw = pan.encode("ascii") if isinstance(pan, str) else bytes(pan)
    return hmac.new(key, raw, hashlib.sha256).hexdigest()
