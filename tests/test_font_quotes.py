"""English curly quotes render narrow: the built KioskSans maps them to its proportional glyphs."""

from __future__ import annotations

import pytest

from service_common.paths import ASSETS

FONTS = [ASSETS / "fonts" / name for name in ("KioskSans-Regular.otf", "KioskSans-Bold.otf")]


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_curly_quotes_are_as_narrow_as_straight_ones(path: object) -> None:
    from pathlib import Path

    from fontTools.ttLib import TTFont

    assert isinstance(path, Path)
    if not path.exists():
        pytest.skip("KioskSans is built by run.sh (scripts/build_font.py)")
    font = TTFont(str(path), lazy=True)
    cmap, widths = font.getBestCmap(), font["hmtx"]
    em = font["head"].unitsPerEm

    def advance(char: str) -> int:
        return int(widths[cmap[ord(char)]][0])

    for curly, straight in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"')):
        assert advance(curly) < em * 0.6, f"{curly} is {advance(curly)}/{em} wide: a full-width CJK glyph"
        assert abs(advance(curly) - advance(straight)) <= em / 10
    assert advance("「") == em  # Chinese quotes keep their full width
