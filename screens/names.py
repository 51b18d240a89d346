"""Screen names without importing Kivy, for the CLI's argument checks."""

SCREEN_NAMES = (
    "home",
    "info",
    "info_centers",
    "info_rates",
    "info_news",
    "coming_soon",
    "ticket",
    "ticket_done",
    "staff_login",
    "staff",
    "appointments",
    "book_time",
    "book_form",
    "book_done",
    "my_booking",
    "checkin",
    "demo",
    "technician_login",
    "technician",
    "out_of_service",
)
