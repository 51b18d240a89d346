"""The demo bank's world: three Moscow service centers, their services, counters, news and rates, in Russian,
Traditional Chinese and English. Plain data; ``seed.py`` turns it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Text = dict[str, str]


def t(ru: str, zh_hant: str, en: str) -> Text:
    """A multilingual text object with exactly the product's language keys."""
    return {"ru": ru, "zh-Hant": zh_hant, "en": en}


MOSCOW = "Europe/Moscow"
WEEKDAYS = range(5)  # Monday..Friday
SATURDAY = 5

CENTERS: list[dict[str, Any]] = [
    {
        "id": "C01",
        "name": t("Центральный офис обслуживания", "中央服務中心", "Central Service Center"),
        "address": t(
            "Москва, ул. Лесная, д. 15",
            "莫斯科市列斯納亞街15號",
            "15 Lesnaya St., Moscow",
        ),
        "timezone": MOSCOW,
        "phone": "+7 495 555-01-10",
        "lat": 55.7791,
        "lon": 37.5903,
        "sort_order": 1,
    },
    {
        "id": "C02",
        "name": t("Северный офис обслуживания", "北區服務中心", "North Service Center"),
        "address": t(
            "Москва, проспект Мира, д. 112, стр. 3",
            "莫斯科市和平大道112號3棟",
            "112 Prospekt Mira, bldg. 3, Moscow",
        ),
        "timezone": MOSCOW,
        "phone": "+7 495 555-02-20",
        "lat": 55.8062,
        "lon": 37.6386,
        "sort_order": 2,
    },
    {
        "id": "C03",
        "name": t("Южный офис обслуживания", "南區服務中心", "South Service Center"),
        "address": t(
            "Москва, Варшавское шоссе, д. 87",
            "莫斯科市華沙公路87號",
            "87 Varshavskoye Hwy, Moscow",
        ),
        "timezone": MOSCOW,
        "phone": "+7 495 555-03-30",
        "lat": 55.6497,
        "lon": 37.6201,
        "sort_order": 3,
    },
]

CENTER_WITH_BREAK = "C02"
"""The one center that closes for lunch on weekdays, 13:00-14:00."""

SERVICE_KINDS: dict[str, dict[str, Text]] = {
    "A": {
        "name": t("Карты и счета", "卡片與帳戶", "Cards and accounts"),
        "description": t(
            "Выпуск и перевыпуск карт, открытие и закрытие счетов, выписки",
            "申辦及補發卡片、開立及結清帳戶、申請對帳單",
            "Issuing and reissuing cards, opening and closing accounts, statements",
        ),
    },
    "B": {
        "name": t("Кредиты и ипотека", "貸款與房貸", "Loans and mortgages"),
        "description": t(
            "Консультации и заявки на кредиты и ипотеку, досрочное погашение",
            "信用貸款與房屋貸款諮詢、申請及提前還款",
            "Advice and applications for loans and mortgages, early repayment",
        ),
    },
    "C": {
        "name": t("Вклады и обмен валюты", "存款與外幣兌換", "Deposits and currency exchange"),
        "description": t(
            "Открытие и пополнение вкладов, обмен наличной валюты",
            "開立定期存款、存入款項、外幣現鈔兌換",
            "Opening and topping up deposits, cash currency exchange",
        ),
    },
    "D": {
        "name": t("Коммунальные и другие платежи", "水電瓦斯及其他繳費", "Utility and other payments"),
        "description": t(
            "Оплата ЖКУ, налогов, штрафов и других счетов",
            "繳納水電瓦斯費、稅款、罰鍰及其他帳單",
            "Paying utility bills, taxes, fines and other bills",
        ),
    },
}

SERVICES_BY_CENTER = {"C01": "ABCD", "C02": "ABC", "C03": "ACD"}

COUNTERS_BY_CENTER = {
    "C01": {"1": "ABCD", "2": "AB", "3": "CD", "4": "AD"},
    "C02": {"1": "ABC", "2": "A", "3": "BC"},
    "C03": {"1": "ACD", "2": "A", "3": "CD"},
}
"""Counter name -> prefixes of the services it may serve; counter 1 of each center serves all."""


@dataclass(frozen=True)
class _Announcement:
    id: str
    center_id: str | None
    title: Text
    body: Text
    published_days: int
    """Days relative to today's midnight; negative is in the past."""
    expires_days: int | None


ANNOUNCEMENTS = [
    _Announcement(
        id="ANN-HOLIDAYS",
        center_id=None,
        title=t("Режим работы в праздничные дни", "國定假日營業時間", "Opening hours over the holidays"),
        body=t(
            "31 декабря офисы обслуживания работают до 15:00, с 1 по 8 января закрыты. "
            "Банкоматы и киоски самообслуживания доступны круглосуточно.",
            "12月31日各服務中心營業至15:00，1月1日至1月8日暫停營業。自動櫃員機及自助服務機全天候提供服務。",
            "On 31 December service centers close at 15:00; from 1 to 8 January they are closed. "
            "ATMs and self-service kiosks remain available around the clock.",
        ),
        published_days=-2,
        expires_days=30,
    ),
    _Announcement(
        id="ANN-FRAUD",
        center_id=None,
        title=t(
            "Сотрудники банка никогда не спрашивают коды из СМС",
            "銀行行員絕不會向您索取簡訊驗證碼",
            "Bank staff never ask for codes from text messages",
        ),
        body=t(
            "Никому не сообщайте ПИН-код, CVV-код и коды из СМС. Если вам звонят от имени банка "
            "и просят их назвать, положите трубку и позвоните по номеру на обороте карты.",
            "請勿向任何人透露密碼、卡片安全碼或簡訊驗證碼。若有人自稱銀行人員來電索取，"
            "請立即掛斷，並撥打卡片背面的客服電話查證。",
            "Never tell anyone your PIN, CVV or text-message codes. If a caller claiming to be the bank "
            "asks for them, hang up and call the number on the back of your card.",
        ),
        published_days=-20,
        expires_days=None,
    ),
    _Announcement(
        id="ANN-C01-MORTGAGE",
        center_id="C01",
        # Says only what the demo schedules offer: service B (loans and mortgages) takes bookings
        # Monday to Friday in BOOKING_WINDOW, with BOOKING_BREAK (tests/central/test_seed_words.py).
        title=t("Консультации по ипотеке по записи", "房貸諮詢預約服務", "Mortgage advice by appointment"),
        body=t(
            "С понедельника по пятницу с 9:00 до 18:00 (перерыв с 13:00 до 14:00) в Центральном офисе "
            "принимает специалист по кредитам и ипотеке. Запишитесь заранее на киоске "
            "или по телефону +7 495 555-01-10.",
            "中央服務中心週一至週五9:00至18:00（13:00至14:00休息）有貸款與房貸專員提供諮詢，"
            "請事先透過自助服務機或致電 +7 495 555-01-10 預約。",
            "Monday to Friday from 9:00 to 18:00 (break 13:00 to 14:00) a loans and mortgages specialist "
            "sees visitors at the Central Service Center. Book in advance at the kiosk or by phone on "
            "+7 495 555-01-10.",
        ),
        published_days=-5,
        expires_days=60,
    ),
    _Announcement(
        id="ANN-MAINTENANCE",
        center_id=None,
        title=t("Плановые технические работы", "系統例行維護公告", "Scheduled maintenance"),
        body=t(
            "Ночью с 01:00 до 05:00 переводы и платежи в киосках самообслуживания могут быть недоступны.",
            "凌晨01:00至05:00期間，自助服務機暫停提供轉帳及繳費服務。",
            "From 01:00 to 05:00 at night, transfers and payments at self-service kiosks may be unavailable.",
        ),
        published_days=-10,
        expires_days=-3,
    ),
]

DEPOSIT = t("Вклад «Надёжный»", "「穩健」定期存款", "“Reliable” deposit")
LOAN = t("Потребительский кредит", "個人信用貸款", "Consumer loan")

INTEREST_RATES: list[dict[str, Any]] = [
    {
        "id": f"{kind}-{months}m",
        "product": product,
        "kind": kind,
        "term_months": months,
        "rate_percent": rate,
        "currency": "RUB",
        "sort_order": order,
    }
    for order, (kind, product, months, rate) in enumerate(
        [
            ("deposit", DEPOSIT, 3, "15.50"),
            ("deposit", DEPOSIT, 6, "16.00"),
            ("deposit", DEPOSIT, 12, "14.50"),
            ("loan", LOAN, 3, "24.90"),
            ("loan", LOAN, 6, "23.90"),
            ("loan", LOAN, 12, "22.50"),
        ]
    )
]

EXCHANGE_RATES = [  # rubles per unit: the bank buys, the bank sells
    ("USD", "78.40", "82.10"),
    ("EUR", "90.20", "94.60"),
    ("CNY", "10.85", "11.45"),
]
