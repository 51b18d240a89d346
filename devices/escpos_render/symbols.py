"""What the printer itself computes for a symbol: Code 128 bar widths and the QR matrix."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import qrcode

ECLevel = Literal["L", "M", "Q", "H"]


_C128_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 "
    "122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 "
    "322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 "
    "112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 "
    "331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113 "
    "411311 113141 114131 311141 411131 211412 211214 211232"
)
_C128 = _C128_TABLE.split()
_C128_STOP = "2331112"


def code128_widths(data: bytes) -> tuple[list[int], str] | None:
    """Bar/space widths (in modules) and HRI text for ESC/POS CODE128 data ({A/{B/{C prefix, {X switches)."""
    if len(data) < 2 or data[0] != 0x7B or data[1] not in b"ABC":
        return None
    sets = {ord("A"): 101, ord("B"): 100, ord("C"): 99}
    cset = data[1]
    values, hri, i, shift = [{65: 103, 66: 104, 67: 105}[cset]], "", 2, False
    while i < len(data):
        b, i = data[i], i + 1
        if b == 0x7B:
            if i >= len(data):
                return None
            c, i = data[i], i + 1
            if c in sets:
                values.append(sets[c])
                cset = c
                continue
            fnc4 = 101 if cset == 65 else 100
            special = {ord("S"): 98, ord("1"): 102, ord("2"): 97, ord("3"): 96, ord("4"): fnc4}
            if c in special:
                values.append(special[c])
                shift = c == ord("S")
                continue
            if c != 0x7B:
                return None
        active = (66 if cset == 65 else 65) if shift and cset != 67 else cset
        shift = False
        if active == 67:
            if b > 99:
                return None
            values.append(b)
            hri += f"{b:02d}"
        elif active == 65 and b < 96:
            values.append(b - 32 if b >= 32 else b + 64)
            hri += chr(b) if b >= 32 else " "
        elif active == 66 and 32 <= b < 128:
            values.append(b - 32)
            hri += chr(b)
        else:
            return None
    values.append((values[0] + sum(k * v for k, v in enumerate(values[1:], 1))) % 103)
    return [int(w) for w in "".join(_C128[v] for v in values) + _C128_STOP], hri


@lru_cache(maxsize=64)
def qr_matrix(data: bytes, ec: ECLevel) -> tuple[tuple[bool, ...], ...] | None:
    levels = {"L": qrcode.ERROR_CORRECT_L, "M": qrcode.ERROR_CORRECT_M, "Q": qrcode.ERROR_CORRECT_Q,
              "H": qrcode.ERROR_CORRECT_H}  # fmt: skip
    qr = qrcode.QRCode(version=None, error_correction=levels[ec], border=0)
    try:
        qr.add_data(data)
        qr.make(fit=True)
    except Exception:  # DataOverflowError and friends: the printer prints nothing either
        return None
    return tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())
