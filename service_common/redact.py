"""Card data never leaves the kiosk in clear: masking for display and scrubbing for logs and free text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

# A run of digit groups joined by spaces or dashes, as card numbers are printed and typed.
_RUN = re.compile(r"[0-9]+(?:[ -]+[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
PAN_MIN, PAN_MAX = 13, 19


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


def card_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, digits)`` of each stretch shaped like a card number.

    That is whole groups of one run (so "tel 12 4111 1111 1111 1111" still finds the card), 13-19
    digits in all, Luhn-valid; the longest such stretch from the leftmost group wins.
    """
    for run in _RUN.finditer(text):
        groups = [
            (run.start() + g.start(), run.start() + g.end(), g.group()) for g in _GROUP.finditer(run.group())
        ]
        i = 0
        while i < len(groups):
            best: tuple[int, str] | None = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > PAN_MAX:
                    break
                if len(digits) >= PAN_MIN and luhn_ok(digits):
                    best = (j, digits)
            if best is None:
                i += 1
                continue
            yield groups[i][0], groups[best[0]][1], best[1]
            i = best[0] + 1


def _replace_cards(text: str, mask: Callable[[str], str]) -> str:
    """Mask every card-shaped stretch, again until none is left.

    Kept digits may join a neighbouring group into a new card-shaped stretch; each pass removes
    digits, so the loop ends, and the result is a fixed point (masking it again changes nothing).
    """
    while True:
        spans = list(card_spans(text))
        if not spans:
            return text
        out, last = [], 0
        for start, end, digits in spans:
            out += [text[last:start], mask(digits)]
            last = end
        text = "".join(out) + text[last:]


def mask_pan(pan: str) -> str:
    """Show only the last four digits, the way a receipt or screen may show a card."""
    digits = re.sub(r"\D", "", pan)
    if len(digits) < 4:
        return "****"
    return "**** " + digits[-4:]


def truncate_pan(digits: str) -> str:
    """First six and last four digits, the rest as stars (PCI DSS truncation): "411111******1111"."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def scrub(text: str) -> str:
    """Replace anything that looks like a card number (Luhn-valid, 13-19 digits) by its mask, for logs."""
    return _replace_cards(text, mask_pan)


def mask_card_numbers(text: str) -> str:
    """A card number typed into free text (a name, a comment) kept as first 6 + last 4 digits.

    Applied on the way in to every free-text field, so the number is never stored or printed in
    full. Idempotent, and leaves no Luhn-valid run of 13-19 digits (property-tested).
    """
    return _replace_cards(text, truncate_pan)


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
