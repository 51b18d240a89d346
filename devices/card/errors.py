"""Card errors in words: one plain sentence per key for the visitor, one hint per key for the technician.

The card's own code (SW1SW2 or PC/SC's) stays on the exception for the log; no text here ever holds card data.
"""

from __future__ import annotations

from service_common.i18n import N_, catalog

#: Words for the person at the kiosk: what happened and what to do next (translated in assets/locale).
VISITOR_MESSAGES: dict[str, str] = {
    "no_reader": N_("The card reader is not available right now. Please ask a member of staff."),
    "no_card": N_("Please insert your card into the reader, chip first."),
    "removed": N_("The card was taken out before it was read. Please insert it again and leave it in."),
    "mag_stripe_only": N_(
        "This card has no chip the kiosk can read. Please use a card with a chip, or visit a counter."
    ),
    "unreadable": N_("The card could not be read. Please take it out and insert it again, chip first."),
    "not_supported": N_("This card cannot be checked with a PIN at the kiosk. Please visit a counter."),
    "busy": N_("The card reader is busy. Please wait a moment and try again."),
    "reader_error": N_("The card reader is not available right now. Please ask a member of staff."),
}

#: What the technician should check first, per key.
TECHNICIAN_HINTS: dict[str, str] = {
    "no_reader": "no PC/SC reader matches devices.card_reader, or pcscd is not running (code 0x8010001D): "
    "check `kiosk devices list`, the USB cable and `systemctl status pcscd`; the kiosk reconnects by itself",
    "no_card": "the reader reports an empty slot",
    "removed": "the card left the reader mid-conversation (0x80100069): the visitor pulled it, or a worn contact",
    "mag_stripe_only": "no EMV payment application answered (6A82), or the chip is mute (0x80100066): a "
    "stripe-only card, a non-payment chip, or a dirty chip",
    "unreadable": "the card answered something the EMV books do not allow (see the code and message)",
    "not_supported": "the card's CVM list does not allow offline plaintext PIN",
    "busy": "another program holds the card (0x8010000B): is a second kiosk process running?",
    "reader_error": "PC/SC refused (see the code); `pcsc_scan` shows what pcscd sees",
}


def visitor_message(key: str, lang: str) -> str:
    """The visitor's sentence for a ``CardError.key``; the unreadable one for a key not listed."""
    return catalog(lang).gettext(VISITOR_MESSAGES.get(key, VISITOR_MESSAGES["unreadable"]))
