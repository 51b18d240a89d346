"""Card data never leaves the kiosk in clear: masking for display and scrubbing for logs."""

from __future__ import annotations

import re

# 13-19 digits, optionally grouped by spaces or dashes, as card numbers are printed and typed.
_PAN_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def mask_pan(pan: str) -> str:
    """Show only the last four digits, the way a receipt or screen may show a card."""
    digits = re.sub(r"\D", "", pan)
    if len(digits) < 4:
        return "****"
    return "**** " + digits[-4:]


def scrub(text: str) -> str:
    """Replace anything that looks like a card number (Luhn-valid, 13-19 digits) by its mask."""

    def _sub(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return mask_pan(digits)
        return match.group(0)

    return _PAN_LIKE.sub(_sub, text)
