"""The demo's announcements promise only what the demo's services offer (no Saturday bookings that no
schedule has)."""

from __future__ import annotations

from datetime import datetime

from central import seed
from service_common.clock import ManualClock

# Words naming a weekday in each language, by Python weekday number.
DAY_WORDS = {
    5: ("суббот", "週六", "星期六", "Saturday"),
    6: ("воскресен", "週日", "星期日", "Sunday"),
}


def _hm(text: str) -> str:
    return text.lstrip("0") if not text.startswith("00") else text


def test_announcements_name_only_days_with_bookings() -> None:
    rows = seed.demo_rows(ManualClock(datetime(2026, 12, 1, 10, 0), "Europe/Moscow"))
    schedules = rows["booking_schedules"]
    for item in rows["announcements"]:
        text = " ".join([*item["title"].values(), *item["body"].values()])
        if "book" not in text.lower() and "запиш" not in text.lower():
            continue  # not an invitation to book
        for weekday, words in DAY_WORDS.items():
            if any(word.lower() in text.lower() for word in words):
                offered = [
                    s for s in schedules if s["weekday"] == weekday and s["center_id"] == item["center_id"]
                ]
                assert offered, f"{item['id']} invites bookings on weekday {weekday}; no service takes them"


def test_mortgage_hours_are_the_booking_window() -> None:
    rows = seed.demo_rows(ManualClock(datetime(2026, 12, 1, 10, 0), "Europe/Moscow"))
    (mortgage,) = [a for a in rows["announcements"] if a["id"] == "ANN-C01-MORTGAGE"]
    service = next(s for s in rows["services"] if s["id"] == "C01-B")
    assert "ипотек" in service["name"]["ru"]
    windows = {(s["start"], s["end"]) for s in rows["booking_schedules"] if s["service_id"] == "C01-B"}
    breaks = {(b["start"], b["end"]) for b in rows["booking_breaks"] if b["service_id"] == "C01-B"}
    assert windows == {seed.BOOKING_WINDOW}
    assert breaks == {seed.BOOKING_BREAK}
    for lang, body in mortgage["body"].items():
        for moment in (*seed.BOOKING_WINDOW, *seed.BOOKING_BREAK):
            assert _hm(moment) in body, (lang, moment)
