"""Every screen of the kiosk, by name. A new feature adds its screen here and its kv file below."""

from __future__ import annotations

from screens.appeals import AppealDoneScreen, AppealFormScreen, AppealsScreen, AppealStatusScreen
from screens.base import KioskScreen
from screens.book_done import BookDoneScreen, MyBookingScreen
from screens.book_form import BookFormScreen
from screens.book_time import BookTimeScreen
from screens.booking import AppointmentsScreen
from screens.card import CardMenuScreen, CardPinScreen, CardScreen
from screens.card_statement import CardBlockScreen, CardInfoScreen, CardStatementScreen
from screens.checkin import CheckInScreen
from screens.coming_soon import ComingSoonScreen
from screens.demo import DemoScreen
from screens.home import HomeScreen
from screens.info import InfoCentersScreen, InfoMenuScreen, InfoNewsScreen, InfoRatesScreen
from screens.kb_info import InfoMoreScreen, KbLeadScreen, KbSectionScreen
from screens.knowledge import KbArticleScreen, KbTopicScreen, KnowledgeScreen
from screens.out_of_service import OutOfServiceScreen
from screens.staff import StaffLoginScreen, StaffScreen
from screens.technician import TechnicianLoginScreen, TechnicianScreen
from screens.ticket import TicketDoneScreen, TicketScreen

SCREENS: dict[str, type[KioskScreen]] = {
    "home": HomeScreen,
    "info": InfoMenuScreen,
    "info_centers": InfoCentersScreen,
    "info_rates": InfoRatesScreen,
    "info_news": InfoNewsScreen,
    "coming_soon": ComingSoonScreen,
    "ticket": TicketScreen,
    "ticket_done": TicketDoneScreen,
    "staff_login": StaffLoginScreen,
    "staff": StaffScreen,
    "appointments": AppointmentsScreen,
    "book_time": BookTimeScreen,
    "book_form": BookFormScreen,
    "book_done": BookDoneScreen,
    "my_booking": MyBookingScreen,
    "checkin": CheckInScreen,
    "demo": DemoScreen,
    "kb": KnowledgeScreen,
    "kb_topic": KbTopicScreen,
    "kb_article": KbArticleScreen,
    "info_more": InfoMoreScreen,
    "kb_section": KbSectionScreen,
    "kb_lead": KbLeadScreen,
    "card": CardScreen,
    "card_pin": CardPinScreen,
    "card_menu": CardMenuScreen,
    "card_statement": CardStatementScreen,
    "card_info": CardInfoScreen,
    "card_block": CardBlockScreen,
    "technician_login": TechnicianLoginScreen,
    "technician": TechnicianScreen,
    "out_of_service": OutOfServiceScreen,
    "appeals": AppealsScreen,
    "appeal_form": AppealFormScreen,
    "appeal_done": AppealDoneScreen,
    "appeal_status": AppealStatusScreen,
}

KV_FILES = (
    "idle.kv",
    "home.kv",
    "info.kv",
    "coming_soon.kv",
    "ticket.kv",
    "staff.kv",
    "booking.kv",
    "checkin.kv",
    "demo.kv",
    "knowledge.kv",
    "card.kv",
    "technician.kv",
    "out_of_service.kv",
    "appeals.kv",
)

# The home screen's choices. Those not built yet open the "coming soon" screen, never a dead button.
FEATURES = ("knowledge", "ticket", "appointment", "appeal", "card", "info")
