"""The on-screen keyboard's layouts as data, and where its keys go: no Kivy, so tested without a window.

Layouts are ``assets/keyboards/*.json`` so a translator can fix a key without touching code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from service_common.paths import ASSETS

KEYBOARDS_DIR = ASSETS / "keyboards"
NUMERIC_LAYOUT = "numeric"
PHONE_LAYOUT = "phone"  # digits and "+": a phone number with its country code
KEY_KINDS = frozenset({"char", "shift", "backspace", "space", "layout", "done", "page", "spacer"})

# Material Icons code points; text fallbacks are used when the icon font is missing.


@dataclass(frozen=True)
class KeySpec:
    """One key as described by a layout file; ``value`` is the character for ``char`` keys."""

    kind: str
    value: str = ""
    width: float = 1.0
    label: str = ""
    page: str = ""


@dataclass(frozen=True)
class KeyboardLayout:
    """A parsed layout file: pages of rows of keys plus the words shown on its keys."""

    name: str
    label: str
    pages: dict[str, tuple[tuple[KeySpec, ...], ...]]
    space_label: str = ""
    done_label: str = ""
    max_key_aspect: float = 1.6


def _parse_key(raw: Any, default_width: float, where: str) -> KeySpec:
    if isinstance(raw, str):
        if len(raw) != 1:
            raise ValueError(f"{where}: a character key must be one character, got {len(raw)}")
        return KeySpec("char", raw, default_width)
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a key must be a string or an object")
    width = float(raw.get("w", default_width))
    if width <= 0:
        raise ValueError(f"{where}: key width must be positive")
    if "char" in raw:
        char = raw["char"]
        if not isinstance(char, str) or len(char) != 1:
            raise ValueError(f"{where}: 'char' must be one character")
        return KeySpec("char", char, width, str(raw.get("label", "")))
    kind = raw.get("key")
    if kind not in KEY_KINDS or kind == "char":
        raise ValueError(f"{where}: unknown special key {kind!r}")
    page = str(raw.get("page", ""))
    if kind == "page" and not page:
        raise ValueError(f"{where}: a page key needs a 'page'")
    return KeySpec(kind, "", width, str(raw.get("label", "")), page)


def parse_layout(data: Any, source: str = "<layout>") -> KeyboardLayout:
    """Validate layout data early so a typo in a JSON file fails at start-up, not on a visitor's tap."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: top level must be an object")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source}: missing 'name'")
    raw_pages = data.get("pages")
    if not isinstance(raw_pages, dict) or "main" not in raw_pages:
        raise ValueError(f"{source}: 'pages' must be an object with a 'main' page")
    pages: dict[str, tuple[tuple[KeySpec, ...], ...]] = {}
    for page_name, raw_rows in raw_pages.items():
        if not isinstance(raw_rows, list) or not raw_rows:
            raise ValueError(f"{source}: page {page_name!r} must be a non-empty list of rows")
        rows: list[tuple[KeySpec, ...]] = []
        for r, raw_row in enumerate(raw_rows):
            where = f"{source}: page {page_name!r} row {r}"
            default_width = 1.0
            if isinstance(raw_row, dict):
                default_width = float(raw_row.get("w", 1.0))
                raw_row = raw_row.get("keys")
            if not isinstance(raw_row, list) or not raw_row:
                raise ValueError(f"{where}: a row must be a non-empty list of keys")
            keys = (_parse_key(k, default_width, f"{where} key {i}") for i, k in enumerate(raw_row))
            rows.append(tuple(keys))
        pages[page_name] = tuple(rows)
    for page_rows in pages.values():
        for row in page_rows:
            for spec in row:
                if spec.kind == "page" and spec.page not in pages:
                    raise ValueError(f"{source}: page key points to missing page {spec.page!r}")
    aspect = float(data.get("max_key_aspect", 1.6))
    if aspect <= 0:
        raise ValueError(f"{source}: 'max_key_aspect' must be positive")
    return KeyboardLayout(
        name=name,
        label=str(data.get("label", name.upper())),
        pages=pages,
        space_label=str(data.get("space_label", "")),
        done_label=str(data.get("done_label", "")),
        max_key_aspect=aspect,
    )


@lru_cache(maxsize=8)
def load_layouts(directory: Path = KEYBOARDS_DIR) -> dict[str, KeyboardLayout]:
    """Read every layout once per process; keyboards are rebuilt often, files never change at run time."""
    layouts: dict[str, KeyboardLayout] = {}
    for path in sorted(directory.glob("*.json")):
        layout = parse_layout(json.loads(path.read_text(encoding="utf-8")), str(path))
        layouts[layout.name] = layout
    if NUMERIC_LAYOUT not in layouts:
        raise ValueError(f"{directory}: no '{NUMERIC_LAYOUT}' layout")
    return layouts


def keyboard_height(
    window_width: float,
    window_height: float,
    portrait_fraction: float = 0.32,
    landscape_fraction: float = 0.45,
) -> float:
    """Portrait screens have height to spare; landscape ones must keep the form above visible."""
    fraction = portrait_fraction if window_height >= window_width else landscape_fraction
    return float(round(window_height * fraction))


Rect = tuple[float, float, float, float]


def key_rects(
    rows: Sequence[Sequence[float]],
    x: float,
    y: float,
    width: float,
    height: float,
    pad: float,
    gap: float,
    max_key_aspect: float,
) -> list[list[Rect]]:
    """Place keys on a unit grid so equal-width keys line up across rows; short rows are centred.

    A key's width is capped at ``max_key_aspect`` times its height so a numeric keypad on a wide
    landscape screen stays a compact block instead of stretching into 600 px wide bars.
    """
    n = len(rows)
    row_h = (height - 2 * pad - (n - 1) * gap) / n
    units = max(sum(row) for row in rows)
    unit = (width - 2 * pad + gap) / units
    unit = min(unit, max_key_aspect * row_h + gap)
    result: list[list[Rect]] = []
    for i, row in enumerate(rows):
        row_y = y + height - pad - (i + 1) * row_h - i * gap
        cx = x + (width - sum(row) * unit) / 2
        rects: list[Rect] = []
        for w in row:
            rects.append((cx + gap / 2, row_y, w * unit - gap, row_h))
            cx += w * unit
        result.append(rects)
    return result
