"""Extract the Traditional Chinese faces of Debian's Noto Sans CJK collections into standalone fonts.

Kivy opens only the first face of a .ttc (the Japanese one), so Traditional Chinese
text would get Japanese glyph shapes. The TC face also covers Latin and Cyrillic,
so one font serves all three interface languages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

SOURCES = {
    "KioskSans-Regular.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "KioskSans-Bold.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
WANTED_FAMILY = "Noto Sans CJK TC"


def extract(ttc_path: Path, out: Path) -> None:
    collection = TTCollection(str(ttc_path), lazy=True)
    for font in collection.fonts:
        family = font["name"].getDebugName(1) or ""
        if family == WANTED_FAMILY:
            font.save(str(out))
            return
    raise SystemExit(f"{ttc_path}: no face named {WANTED_FAMILY!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", default=str(Path(__file__).resolve().parent.parent / "assets" / "fonts"))
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, source in SOURCES.items():
        target = out_dir / name
        if target.exists() and target.stat().st_mtime >= Path(source).stat().st_mtime:
            continue
        tmp = target.with_suffix(".tmp")
        extract(Path(source), tmp)
        tmp.replace(target)
        print(f"built {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
