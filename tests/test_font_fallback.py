"""The interface font's subset and its fallback: which texts need the full CJK face."""

from __future__ import annotations

import pytest

from screens.fonts import Coverage, fallbacks, needs_full_face
from service_common.paths import FONTS

SUBSET = Coverage("20-7e\n410-44f\n4e00-4e02\n")  # ASCII, Russian letters, 一丁丂
EXTRA = Coverage("4e03-4e05\n20000-2000b\n")  # only the full face: 七丄丅, CJK extension B


def test_ascii_and_covered_text_keep_the_subset() -> None:
    assert not needs_full_face("Ticket A-012", SUBSET, EXTRA)
    assert not needs_full_face("Иван\n一丁", SUBSET, EXTRA)


def test_a_rare_character_the_full_face_has_takes_the_full_face() -> None:
    assert needs_full_face("王\U0002000b明", SUBSET, EXTRA)
    assert needs_full_face("丄", SUBSET, EXTRA)


def test_a_character_neither_face_has_does_not_open_the_big_face() -> None:
    assert not needs_full_face("4 декабря 2026\u202fг.", SUBSET, EXTRA)


@pytest.mark.skipif(not (FONTS / "KioskSans.coverage").exists(), reason="built by scripts/build_font.py")
def test_the_built_subset_covers_the_interface_and_big5() -> None:
    subset = Coverage((FONTS / "KioskSans.coverage").read_text())
    extra = Coverage((FONTS / "KioskSansFull.coverage").read_text())
    assert not subset.missing("Талон · 取號 · Ticket № 12 — «Север» 臺灣 銀行")
    assert "\u5803" not in subset  # 堃, a name character outside Big5
    assert "\u5803" in extra
    assert needs_full_face("陳堃", subset, extra)
    assert set(fallbacks()) == {str(FONTS / "KioskSans-Regular.otf"), str(FONTS / "KioskSans-Bold.otf")}
