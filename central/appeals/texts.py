"""Messages central sends about appeals, in the visitor's language (or the staff's: Russian first)."""

from __future__ import annotations

from datetime import date

ACK_SUBJECT = {
    "ru": "Обращение {number} зарегистрировано",
    "zh-Hant": "您的申訴 {number} 已登記",
    "en": "Your appeal {number} is registered",
}
ACK_TEXT = {
    "ru": (
        "Здравствуйте, {name}!\n\nВаше обращение зарегистрировано под номером {number}.\n"
        "Мы ответим не позднее {deadline}.\nСтатус обращения: {url}\n"
    ),
    "zh-Hant": (
        "{name} 您好：\n\n您的申訴已登記，編號 {number}。\n我們將於 {deadline} 前答覆。\n查詢進度：{url}\n"
    ),
    "en": (
        "Hello {name},\n\nYour appeal is registered as {number}.\n"
        "We will answer by {deadline}.\nIts status: {url}\n"
    ),
}
ACK_NO_DEADLINE = {"ru": "—", "zh-Hant": "—", "en": "—"}

FOLLOWUP_SUBJECT = {
    "ru": "Обращение {number}: вы довольны ответом?",
    "zh-Hant": "申訴 {number}：您滿意我們的答覆嗎？",
    "en": "Appeal {number}: are you satisfied with the answer?",
}
FOLLOWUP_TEXT = {
    "ru": (
        "Здравствуйте, {name}!\n\nМы ответили на вашу жалобу {number}. Вы довольны ответом?\n"
        "Ответьте на странице обращения: {url}\nЕсли нет, мы вернёмся к вашей жалобе.\n"
    ),
    "zh-Hant": (
        "{name} 您好：\n\n我們已答覆您的申訴 {number}。您滿意這個答覆嗎？\n"
        "請在申訴頁面回覆：{url}\n若不滿意，我們將重新處理您的申訴。\n"
    ),
    "en": (
        "Hello {name},\n\nWe answered your complaint {number}. Are you satisfied with the answer?\n"
        "Tell us on its page: {url}\nIf not, we will take your complaint up again.\n"
    ),
}

OVERDUE_SUBJECT = "Просрочено обращение {number} / Appeal {number} is overdue"
OVERDUE_TEXT = (
    "Срок ответа на обращение {number} ({kind}) истёк {due}. Ответьте или продлите срок: {url}\n\n"
    "The answer to appeal {number} ({kind}) was due {due}. Answer it or extend the deadline: {url}\n"
)

STATUS_NOTES: dict[str, dict[str, str]] = {
    "registered": {"ru": "Обращение зарегистрировано", "zh-Hant": "申訴已登記", "en": "Appeal registered"},
    "in_progress": {"ru": "Обращение в работе", "zh-Hant": "處理中", "en": "Being handled"},
    "needs_info": {
        "ru": "Нужны дополнительные сведения",
        "zh-Hant": "需要補充資料",
        "en": "More information needed",
    },
    "extended": {"ru": "Срок ответа продлён", "zh-Hant": "答覆期限已延長", "en": "Answer deadline extended"},
    "answered": {"ru": "Дан ответ", "zh-Hant": "已答覆", "en": "Answered"},
    "closed": {"ru": "Обращение закрыто", "zh-Hant": "申訴已結案", "en": "Appeal closed"},
    "rejected": {"ru": "Обращение отклонено", "zh-Hant": "申訴已駁回", "en": "Appeal rejected"},
    "overdue": {"ru": "Срок ответа истёк", "zh-Hant": "已逾答覆期限", "en": "Answer deadline passed"},
}

REJECT_NOTES: dict[str, dict[str, str]] = {
    "abusive": {
        "ru": "Обращение содержит оскорбления или угрозы",
        "zh-Hant": "申訴含有侮辱或威脅內容",
        "en": "The appeal contains obscene or threatening language",
    },
    "unreadable": {
        "ru": "Текст обращения невозможно прочитать",
        "zh-Hant": "申訴內容無法辨識",
        "en": "The text of the appeal cannot be read",
    },
    "commercial_secret": {
        "ru": "Ответ раскрыл бы коммерческую тайну",
        "zh-Hant": "答覆將洩露商業機密",
        "en": "An answer would reveal a commercial secret",
    },
    "repeat": {
        "ru": "Повторное обращение без новых доводов: ответ уже дан дважды",
        "zh-Hant": "重複申訴且無新事實：已答覆兩次",
        "en": "A repeat with no new facts: it has already been answered twice",
    },
    "not_competent": {
        "ru": "Вопрос вне нашей компетенции",
        "zh-Hant": "此事項不屬本公司職權範圍",
        "en": "This is not within our competence",
    },
}

REOPENED_NOTE = {
    "ru": "Посетитель не удовлетворён ответом: обращение снова в работе",
    "zh-Hant": "訪客對答覆不滿意：申訴重新處理",
    "en": "The visitor is not satisfied with the answer: the appeal is reopened",
}


def pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


def ack(lang: str, name: str, number: str, deadline: date | None, url: str) -> tuple[str, str]:
    """Subject and body of the e-mail acknowledgement."""
    when = deadline.isoformat() if deadline else pick(ACK_NO_DEADLINE, lang)
    subject = pick(ACK_SUBJECT, lang).format(number=number)
    body = pick(ACK_TEXT, lang).format(name=name, number=number, deadline=when, url=url)
    return subject, body
