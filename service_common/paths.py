"""Where the product's own files are, whether run from a checkout or an installed package.

A wheel carries ``assets/`` as ``service_common/assets`` (see setup.py); a checkout (or an editable
install) has it at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "assets"

ROOT = _PACKAGE.parent
ASSETS = _INSTALLED if _INSTALLED.is_dir() else ROOT / "assets"
FONTS = ASSETS / "fonts"
KV = ASSETS / "kv"
