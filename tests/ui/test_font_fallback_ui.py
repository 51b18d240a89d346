"""A visitor's name with a character outside the interface font's subset is drawn with the full face."""

from __future__ import annotations

import pytest
from kivy.uix.label import Label

from service_common.paths import FONTS
from tests.ui.harness import UI


@pytest.mark.skipif(not (FONTS / "KioskSansFull.coverage").exists(), reason="built by scripts/build_font.py")
def test_a_rare_name_character_switches_that_label_to_the_full_face(ui: UI) -> None:
    label = Label(text="陳堃", font_name="KioskSans", font_size=38.0)
    label.texture_update()
    assert label._label.options["font_name_r"].endswith("KioskSansFull-Regular.otf")
    assert label._label.options["font_size"] == 38  # one font object per size: 38 and 38.0 alike
    label.text = "陳小明"
    label.texture_update()
    assert label._label.options["font_name_r"].endswith("KioskSans-Regular.otf")
