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


# E.164 country codes are prefix-free: 1 and 7 have one digit, these have two, every other has three.
_CC2 = frozenset(
    map(str, (20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
              57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98))
)  # fmt: skip


def _country_code(digits: str) -> str:
    if digits[:1] in ("1", "7"):
        return digits[:1]
    return digits[:2] if digits[:2] in _CC2 else digits[:3]


def mask_phone(phone: str) -> str:
    """ "+7 *** ***-67-89": enough for the visitor to recognise their number, useless to anyone else.

    Keeps the country code (only when the number is written with "+" or "00": a national number says
    nothing reliable about its country) and the last four digits; the hidden digits stay as stars.
    """
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    prefix = ""
    if text.startswith("+") or (text.startswith("00") and len(digits) > 2):
        digits = digits if text.startswith("+") else digits[2:]
        code = _country_code(digits)
        if len(digits) - len(code) > 4:
            prefix, digits = f"+{code} ", digits[len(code) :]
    if len(digits) <= 4:
        return "****"
    hidden = len(digits) - 4
    groups = [min(3, hidden - i) for i in range(0, hidden, 3)]
    if len(groups) > 1 and groups[-1] == 1:  # "*** *" reads like a typo: "****"
        groups[-2:] = [4]
    stars = " ".join("*" * n for n in groups)
    last = digits[-4:]
    # Russian numbers are read in pairs at the end (912 345-67-89); others as one group of four.
    tail = f"-{last[:2]}-{last[2:]}" if prefix == "+7 " else f" {last}"
    return prefix + stars + tail
