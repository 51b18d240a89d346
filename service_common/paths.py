"""Where the product's own files are, whether run from a checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
FONTS = ASSETS / "fonts"
KV = ASSETS / "kv"
