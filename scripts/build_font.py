"""Build the interface fonts from Debian's Noto Sans CJK collections: a small subset and the full face.

Kivy opens only the first face of a .ttc (the Japanese one), so we extract the Traditional
Chinese face, which also covers Latin and Cyrillic: one font serves all three languages.

Kivy keeps one font object per file and size, and SDL_ttf reads the whole file into each, so
the 16 MB, 65,535-glyph face costs about 2.5 MiB per size. The interface uses a subset
instead (``KioskSans-*.otf``): all of Big5 (levels 1 and 2, since names often use level-2
characters), Latin, Cyrillic, punctuation and every character of the interface's own texts.
The full face is kept beside it (``KioskSansFull-*.otf``) and opened only for a text with a
character outside the subset (see ``screens/fonts.py``), so a rare character in a visitor's
name shows as itself, never as a box. ``KioskSans.coverage`` lists the subset's characters,
``KioskSansFull.coverage`` those only the full face has.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
WANTED_FAMILY = "Noto Sans CJK TC"
QUOTES = (0x2018, 0x2019, 0x201C, 0x201D)
COVERAGE = "KioskSans.coverage"
FULL_COVERAGE = "KioskSansFull.coverage"

# Blocks a kiosk in Russia, Taiwan or Hong Kong meets in names, addresses and announcements.
RANGES = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining accents
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x218F),  # letterlike symbols, number forms (№)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3100, 0x312F),  # Bopomofo
    (0xFF00, 0xFFEF),  # half- and full-width forms
)
# The interface's own texts: translations, kv files and strings in the code and demo data.
TEXT_GLOBS = ("assets/locale/**/*.po", "assets/kv/*.kv", "**/*.py", "**/*.toml", "**/*.json")
SKIP_DIRS = {".venv", ".git", "tests", "node_modules", "build"}


def big5_characters(level2: bool = True) -> Iterator[str]:
    """Every character Big5 encodes: symbols, level 1 (A440-C67E) and, if asked, level 2 (C940-F9D5)."""
    last_lead = 0xF9 if level2 else 0xC6
    for lead in range(0xA1, last_lead + 1):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            try:
                yield bytes((lead, trail)).decode("big5")
            except UnicodeDecodeError:
                continue


def interface_characters(root: Path) -> set[str]:
    found: set[str] = set()
    for pattern in TEXT_GLOBS:
        for path in root.glob(pattern):
            if SKIP_DIRS.intersection(path.relative_to(root).parts):
                continue
            try:
                found.update(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    return {ch for ch in found if ch.isprintable() and ord(ch) >= 0x20}


def wanted_characters(root: Path, level2: bool = True) -> set[str]:
    chars = set(big5_characters(level2)) | interface_characters(root)
    for first, last in RANGES:
        chars.update(chr(cp) for cp in range(first, last + 1))
    return chars


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


def extract(ttc_path: Path) -> TTFont:
    collection = TTCollection(str(ttc_path), lazy=True)
    for font in collection.fonts:
        if (font["name"].getDebugName(1) or "") == WANTED_FAMILY:
            changed = narrow_quotes(font)
            if len(changed) != len(QUOTES):
                raise SystemExit(
                    f"{ttc_path}: no narrow forms for the quotes {sorted(set(QUOTES) - set(changed))}"
                )
            return font
    raise SystemExit(f"{ttc_path}: no face named {WANTED_FAMILY!r}")


def make_subset(font: TTFont, chars: Iterable[str]) -> set[int]:
    """Cut ``font`` down to ``chars`` in place; returns the code points it still maps."""
    options = subset.Options()
    # Kerning only: Kivy draws without shaping, and the face's other features (locl, vert, ...)
    # pull in Japanese, Korean, Simplified and vertical forms that double the glyph count.
    options.layout_features = ["kern"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in chars])
    subsetter.subset(font)
    return set(font.getBestCmap())


def write_coverage(path: Path, codepoints: set[int]) -> None:
    """One ``first-last`` hex range per line: small, and read without fontTools at run time."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    path.write_text("".join(f"{a:x}-{b:x}\n" for a, b in ranges))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out-dir", default=str(ROOT / "assets" / "fonts"))
    parser.add_argument("--big5-level1-only", action="store_true", help="smaller, but more names fall back")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chars: set[str] | None = None
    coverage: set[int] = set()
    full_coverage: set[int] = set()
    stale = args.force or not (out_dir / COVERAGE).exists()
    for style, source in SOURCES.items():
        small, full = out_dir / f"KioskSans-{style}.otf", out_dir / f"KioskSansFull-{style}.otf"
        newest = max(Path(source).stat().st_mtime, Path(__file__).stat().st_mtime)
        if not stale and all(p.exists() and p.stat().st_mtime >= newest for p in (small, full)):
            continue
        stale = True
        font = extract(Path(source))
        full_coverage = set(font.getBestCmap())
        tmp = full.with_suffix(".tmp")
        font.save(str(tmp))
        tmp.replace(full)
        if chars is None:
            chars = wanted_characters(ROOT, level2=not args.big5_level1_only)
        cut = TTFont(str(full))
        coverage |= make_subset(cut, chars)
        tmp = small.with_suffix(".tmp")
        cut.save(str(tmp))
        tmp.replace(small)
        print(
            f"built {small.name} ({small.stat().st_size / 1e6:.1f} MB, {len(cut.getGlyphOrder())} glyphs) "
            f"and {full.name} ({full.stat().st_size / 1e6:.1f} MB)",
            file=sys.stderr,
        )
    if stale and coverage:
        write_coverage(out_dir / COVERAGE, coverage)
        # What the full face adds: a text falls back to it only for a character it really has.
        write_coverage(out_dir / FULL_COVERAGE, full_coverage - coverage)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
