"""Extract the Traditional Chinese faces of Debian's Noto Sans CJK collections into standalone fonts.

Kivy opens only the first face of a .ttc (the Japanese one), so Traditional Chinese
text would get Japanese glyph shapes. The TC face also covers Latin and Cyrillic,
so one font serves all three interface languages.

Its curly quotes (U+2018, U+2019, U+201C, U+201D) are full-width CJK glyphs, one em each: in
English text “Reliable” showed wide gaps. A shaping engine would pick the narrow Latin forms through
the font's ``locl`` feature; Kivy's SDL_ttf does no shaping, so the build points those code points
at the narrow glyphs directly. Chinese text here quotes with 「」, which keep their full width.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

SOURCES = {
    "KioskSans-Regular.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "KioskSans-Bold.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
WANTED_FAMILY = "Noto Sans CJK TC"
QUOTES = (0x2018, 0x2019, 0x201C, 0x201D)
BUILD = "2"  # bump when the build changes, so fonts built before are made again
STAMP = ".KioskSans.build"


def narrow_quotes(font: TTFont) -> dict[int, str]:
    """Point the curly quotes at the font's own proportional glyphs (its ``locl``, else ``pwid``,
    substitutions); returns code point → glyph for what was changed."""
    cmap = font.getBestCmap()
    wide = {cmap[cp]: cp for cp in QUOTES if cp in cmap}
    gsub = font["GSUB"].table
    narrow: dict[int, str] = {}
    for tag in ("locl", "pwid"):
        for record in gsub.FeatureList.FeatureRecord:
            if record.FeatureTag != tag:
                continue
            for index in record.Feature.LookupListIndex:
                for sub in gsub.LookupList.Lookup[index].SubTable:
                    mapping = getattr(getattr(sub, "ExtSubTable", sub), "mapping", None) or {}
                    for glyph, cp in wide.items():
                        if glyph in mapping and cp not in narrow:
                            narrow[cp] = mapping[glyph]
    for table in font["cmap"].tables:
        if table.isUnicode():
            for cp, glyph in narrow.items():
                if cp in table.cmap:
                    table.cmap[cp] = glyph
    return narrow


def extract(ttc_path: Path, out: Path) -> None:
    collection = TTCollection(str(ttc_path), lazy=True)
    for font in collection.fonts:
        family = font["name"].getDebugName(1) or ""
        if family == WANTED_FAMILY:
            changed = narrow_quotes(font)
            if len(changed) != len(QUOTES):
                raise SystemExit(
                    f"{ttc_path}: no narrow forms for the quotes {sorted(set(QUOTES) - set(changed))}"
                )
            font.save(str(out))
            return
    raise SystemExit(f"{ttc_path}: no face named {WANTED_FAMILY!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", default=str(Path(__file__).resolve().parent.parent / "assets" / "fonts"))
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = out_dir / STAMP
    same_build = stamp.exists() and stamp.read_text(encoding="utf-8").strip() == BUILD
    for name, source in SOURCES.items():
        target = out_dir / name
        if same_build and target.exists() and target.stat().st_mtime >= Path(source).stat().st_mtime:
            continue
        tmp = target.with_suffix(".tmp")
        extract(Path(source), tmp)
        tmp.replace(target)
        print(f"built {target}", file=sys.stderr)
    stamp.write_text(BUILD + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
