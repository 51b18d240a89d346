"""Appeals at the kiosk: filed at once and offline, status from central or the local copy, satisfaction.

Filing never waits for central: the number comes from this kiosk's ``serial`` (cached from
``/kiosk/me``) and a per-day counter in SQLite, the deadline from the shared rules with the
center's holiday calendar, and the appeal reaches central through the outbox with its kiosk-made
id. What the visitor holds on paper is what central stores.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from devices.printer import PrinterError, ReceiptPrinter
from devices.receipts.appeal import AppealData, appeal_receipt
from kiosk.services.appointments import clean_code, email_ok, phone_ok
from kiosk.services.info import InfoService
from offline_cache.appeals import SERIAL_DOC, AppealStore, LocalAppeal
from offline_cache.documents import DocumentCache
from offline_cache.outbox import Outbox
from server_sync.errors import CentralError, CentralNotFound, CentralRejected, CentralUnavailable
from server_sync.gateway import CentralGateway
from service_common.appeals import KINDS, RegistrationNumber, answer_deadline
from service_common.clock import Clock
from service_common.redact import mask_card_numbers

log = logging.getLogger(__name__)

NAME_MAX, TEXT_MAX, TOPIC_MAX, CONCERNS_MAX, KB_QUERY_MAX = 200, 10000, 64, 500, 500  # central's limits
REPLY_FITS = {"sms": "phone", "email": "email", "letter": None, "center": None}
"""What contact each way of answering needs (a letter and "at the center" need none beyond the name)."""
RATINGS = ("satisfied", "not_satisfied", "no_answer")


class AppealInvalid(Exception):
    """The form cannot be filed; ``problems`` maps a field to a code the screen words (see PROBLEMS)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class AppealsUnavailable(Exception):
    """Appeals cannot be numbered here yet (no serial from central) or central is needed and unreachable."""


class AppealLookupRefused(Exception):
    """``not_found`` (wrong number or digits alike), ``locked`` (too many tries) or ``invalid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


PROBLEMS = {
    "kind_unknown": "Choose what kind of appeal this is.",
    "name_missing": "Please enter your name.",
    "name_too_long": "The name is too long.",
    "contact_missing": "Please give a phone number or an e-mail address: otherwise no answer can reach you.",
    "phone_invalid": "Please check the phone number: 10 to 15 digits.",
    "email_invalid": "Please check the e-mail address.",
    "reply_phone": "An answer by SMS needs a phone number.",
    "reply_email": "An answer by e-mail needs an e-mail address.",
    "reply_unknown": "Choose how you want the answer.",
    "text_missing": "Please write your appeal.",
    "text_too_long": "The text is too long (at most 10,000 characters).",
    "topic_too_long": "The topic is too long.",
    "concerns_too_long": "This field is too long.",
    "happened_future": "This date is in the future.",
}
"""English words for each problem code (the CLI's; the screens have their own translated ones)."""


@dataclass(frozen=True)
class AppealForm:
    """What the visitor typed; ``kb_query`` and the language come from the session, never asked."""

    kind: str
    name: str = ""
    phone: str = ""
    email: str = ""
    reply_by: str = ""  # "" → by the contact given (sms for a phone, email for an e-mail)
    topic: str = ""
    text: str = ""
    concerns: str = ""
    happened_on: date | None = None
    kb_query: str = ""
    source: str = "kiosk"


@dataclass(frozen=True)
class FiledAppeal:
    id: str
    number: str
    kind: str
    deadline: date | None
    filed_at: datetime
    printed_on: str = ""
    print_error: PrinterError | None = None


@dataclass(frozen=True)
class AppealStatus:
    """What the status screen shows; ``local`` is True for the kiosk's own copy (``status`` "waiting")."""

    number: str
    kind: str
    status: str
    filed_at: datetime
    deadline: date | None
    history: list[dict[str, Any]] = field(default_factory=list)
    info_request: str | None = None
    answer: dict[str, Any] | None = None
    satisfaction: str | None = None
    can_rate: bool = False
    local: bool = False


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch.isprintable()).strip()


def default_reply_by(phone: str, email: str) -> str:
    return "sms" if phone.strip() else "email" if email.strip() else "letter"


def check(form: AppealForm, today: date) -> dict[str, str]:
    """Every problem of the form at once, by field: the screen marks them all, the CLI prints them."""
    problems: dict[str, str] = {}
    if form.kind not in KINDS:
        problems["kind"] = "kind_unknown"
    name = _clean(form.name)
    if not name:
        problems["name"] = "name_missing"
    elif len(name) > NAME_MAX:
        problems["name"] = "name_too_long"
    phone, email = form.phone.strip(), form.email.strip()
    if not phone and not email:
        problems["contact"] = "contact_missing"
    if phone and not phone_ok(phone):
        problems["phone"] = "phone_invalid"
    if email and not email_ok(email):
        problems["email"] = "email_invalid"
    reply_by = form.reply_by or default_reply_by(phone, email)
    if reply_by not in REPLY_FITS:
        problems["reply_by"] = "reply_unknown"
    elif REPLY_FITS[reply_by] == "phone" and not phone:
        problems["reply_by"] = "reply_phone"
    elif REPLY_FITS[reply_by] == "email" and not email:
        problems["reply_by"] = "reply_email"
    text = _clean(form.text)
    if not text:
        problems["text"] = "text_missing"
    elif len(text) > TEXT_MAX:
        problems["text"] = "text_too_long"
    if len(_clean(form.topic)) > TOPIC_MAX:
        problems["topic"] = "topic_too_long"
    if len(_clean(form.concerns)) > CONCERNS_MAX:
        problems["concerns"] = "concerns_too_long"
    if form.happened_on is not None and form.happened_on > today:
        problems["happened_on"] = "happened_future"
    return problems


def normalised_phone(phone: str) -> str:
    """Digits with a leading "+" when typed: what central's pattern takes and the booking sends."""
    digits = clean_code(phone)
    return ("+" if phone.strip().startswith("+") else "") + digits


class AppealService:
    def __init__(
        self,
        gateway: CentralGateway | None,
        store: AppealStore,
        clock: Clock,
        info: InfoService,
        printer: ReceiptPrinter | None,
        center_id: str,
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.docs = DocumentCache(store.cache)
        self.outbox = Outbox(store.cache)
        self.clock = clock
        self.info = info
        self.printer = printer
        self.center_id = center_id

    # ----- the serial (sync job) -----
    def refresh_serial(self) -> bool:
        """Cache ``serial`` and ``appeal_status_url`` from ``/kiosk/me``; True when central answered."""
        if self.gateway is None:
            return False
        try:
            me = self.gateway.me()
        except CentralError as exc:
            log.warning("kiosk serial not refreshed: %s", exc)
            return False
        if "serial" in me:
            body = {"serial": int(me["serial"]), "appeal_status_url": me.get("appeal_status_url") or ""}
            self.docs.put(SERIAL_DOC, body, self.clock.now())
        return True

    def _me(self) -> dict[str, Any]:
        cached = self.docs.get(SERIAL_DOC)
        if cached is None and self.refresh_serial():
            cached = self.docs.get(SERIAL_DOC)
        if cached is None:
            raise AppealsUnavailable("this kiosk has no appeal serial from central yet")
        body: dict[str, Any] = cached.body
        return body

    def status_url(self, number: str) -> str:
        cached = self.docs.get(SERIAL_DOC)
        base = str(cached.body.get("appeal_status_url") or "") if cached is not None else ""
        return f"{base}?n={number}" if base else ""

    def _calendar(self) -> tuple[str | None, str | None]:
        center = self.info.home_center() or {}
        return str(center.get("holiday_country") or "RU"), center.get("holiday_subdiv") or None

    # ----- filing -----
    def file(self, form: AppealForm, lang: str) -> FiledAppeal:
        """Number, keep and queue the appeal (one transaction); raises AppealInvalid, AppealsUnavailable."""
        now = self.clock.now()
        today = now.date()
        problems = check(form, today)
        if problems:
            raise AppealInvalid(problems)
        serial = int(self._me()["serial"])
        country, subdiv = self._calendar()
        deadline = answer_deadline(today, form.kind, form.source, country, subdiv)
        appeal_id = str(uuid.uuid4())
        phone, email = form.phone.strip(), form.email.strip()

        def build(seq: int) -> dict[str, Any]:
            return {
                "id": appeal_id,
                "number": str(RegistrationNumber(serial, today, seq)),
                "kind": form.kind,
                "source": form.source,
                "filed_at": now.astimezone(UTC).isoformat(),
                "lang": lang,
                "name": mask_card_numbers(_clean(form.name)),
                "phone": normalised_phone(phone) if phone else None,
                "email": email or None,
                "reply_by": form.reply_by or default_reply_by(phone, email),
                "topic": mask_card_numbers(_clean(form.topic)) or None,
                "text": mask_card_numbers(_clean(form.text)),
                "concerns": mask_card_numbers(_clean(form.concerns)) or None
                if form.kind == "complaint"
                else None,
                "happened_on": form.happened_on.isoformat()
                if form.happened_on and form.kind == "complaint"
                else None,
                "kb_query": mask_card_numbers(_clean(form.kb_query))[:KB_QUERY_MAX] or None,
                "deadline": deadline.isoformat() if deadline else None,
                "center_id": self.center_id,
            }

        body = self.store.register(today, build, now)
        log.info("appeal %s (%s) registered, deadline %s", body["number"], form.kind, deadline)
        return FiledAppeal(appeal_id, body["number"], form.kind, deadline, now)

    def print_receipt(self, filed: FiledAppeal, lang: str) -> FiledAppeal:
        """Print the receipt; a printer failure leaves the appeal standing (the screen shows the number)."""
        center = self.info.home_center() or {}
        from service_common.i18n import pick

        data = AppealData(
            number=filed.number,
            kind=filed.kind,
            deadline=filed.deadline,
            center_name=pick(center.get("name"), lang),
            status_url=self.status_url(filed.number),
            issued_at=self.clock.now(),
        )
        if self.printer is None:  # the command line: the number and deadline are printed on the terminal
            return filed
        try:
            self.printer.print_receipt(appeal_receipt(data, lang))
        except PrinterError as exc:
            log.error("receipt of appeal %s not printed: %s", filed.number, exc.technician_message)
            return replace(filed, print_error=exc)
        return replace(filed, printed_on=self.printer.last_preview())

    def submit(self, form: AppealForm, lang: str) -> FiledAppeal:
        return self.print_receipt(self.file(form, lang), lang)

    # ----- status and satisfaction -----
    def status(self, number: str, *, phone_last4: str = "", email: str = "") -> AppealStatus:
        """From central; the local copy when central does not have it yet or cannot be reached."""
        try:
            number = str(RegistrationNumber.parse(number))
        except ValueError:
            raise AppealLookupRefused("not_found") from None
        phone_last4 = phone_last4.strip()
        email = email.strip()
        if not (phone_last4.isdigit() and len(phone_last4) == 4) and not email:
            raise AppealLookupRefused("invalid")
        proof = {"phone_last4": phone_last4} if phone_last4 else {"email": email}
        local = self.store.find(number)
        if self.gateway is not None and not (local is not None and local.sync == "pending"):
            try:
                return _from_central(self.gateway.appeal_status(number, **proof))
            except CentralNotFound:
                if local is None:
                    raise AppealLookupRefused("not_found") from None
            except CentralRejected as exc:
                raise AppealLookupRefused("locked" if exc.status == 423 else "not_found") from None
            except CentralUnavailable as exc:
                log.warning("appeal status from central failed: %s", exc)
                if local is None:
                    raise AppealsUnavailable(str(exc)) from None
        if local is None:
            if self.gateway is None:
                raise AppealsUnavailable("not enrolled")
            raise AppealLookupRefused("not_found")
        if not self.store.proof_matches(number, phone_last4 or None, email or None):
            raise AppealLookupRefused("not_found")
        return _from_local(local)

    def rate(
        self, number: str, answer: str, *, phone_last4: str = "", email: str = ""
    ) -> AppealStatus | None:
        """Send the visitor's satisfaction; queued for the outbox when central is unreachable (then None)."""
        if answer not in RATINGS:
            raise ValueError(f"unknown satisfaction answer {answer!r}")
        number = str(RegistrationNumber.parse(number))
        body: dict[str, Any] = {"id": str(uuid.uuid4()), "answer": answer}
        body.update({"phone_last4": phone_last4} if phone_last4 else {"email": email})
        if self.gateway is None:
            raise AppealsUnavailable("not enrolled")
        try:
            return _from_central(self.gateway.rate_appeal(number, body))
        except CentralUnavailable as exc:
            log.warning("appeal satisfaction queued: %s", exc)
            self.outbox.add(body["id"], "appeal_satisfaction", {**body, "number": number}, self.clock.now())
            return None
        except CentralRejected as exc:
            raise AppealLookupRefused("locked" if exc.status == 423 else "not_found") from None


def _from_central(body: dict[str, Any]) -> AppealStatus:
    deadline = body.get("deadline")
    return AppealStatus(
        number=body["number"],
        kind=body["kind"],
        status=body["status"],
        filed_at=datetime.fromisoformat(str(body["filed_at"]).replace("Z", "+00:00")),
        deadline=date.fromisoformat(deadline) if deadline else None,
        history=list(body.get("history") or []),
        info_request=body.get("info_request"),
        answer=body.get("answer"),
        satisfaction=body.get("satisfaction"),
        can_rate=bool(body.get("can_rate")),
    )


def _from_local(local: LocalAppeal) -> AppealStatus:
    """Filed here, not at central yet (``waiting``), or sent but central unreachable now (``registered``)."""
    status = "waiting" if local.sync == "pending" else "refused" if local.sync == "rejected" else "registered"
    return AppealStatus(
        number=local.number, kind=local.kind, status=status, filed_at=local.filed_at,
        deadline=local.deadline, local=True,
    )  # fmt: skip
