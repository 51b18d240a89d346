"""The EMV read over an APDU transport, without pcscd: every virtual profile, and answers no profile gives."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import hmac
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.card import tlv
from devices.card.base import (
    DEMO_TOKEN_KEY,
    CardData,
    CardError,
    CardRemovedError,
    MagStripeOnlyError,
    NotSupportedError,
    UnreadableCardError,
)
from devices.card.emv import Candidate, EmvSession
from devices.card.terminal import TerminalData, fill_dol, fit
from devices.card.virtual.card import VirtualCard
from devices.card.virtual.profiles import PROFILES, profile, with_changes

NOW = dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC)


def session(name_or_card: str | VirtualCard) -> EmvSession:
    card = VirtualCard(profile(name_or_card)) if isinstance(name_or_card, str) else name_or_card
    return EmvSession(card.transport(), now=lambda: NOW)


EXPECTED = {
    "visa": ("411111******1111", "VISA CLASSIC", "A0000000031010", "VISITOR DEMO", ["ru", "en"], True),
    "mastercard": ("555555******4444", "MASTERCARD", "A0000000041010", "ANNA IVANOVA", ["en", "ru"], True),
    "blocked": ("401288******1881", "VISA GOLD", "A0000000031010", "", ["ru", "en"], True),
    "no_pdol": ("400005******5556", "VISA DEBIT", "A0000000031010", "", ["ru", "en"], True),
    "track2": ("520082******8210", "MC DEBIT", "A0000000041010", "VISITOR DEMO", ["zh"], True),
    "multi": ("510510******5100", "MASTERCARD", "A0000000041010", "VISITOR DEMO", ["ru", "en"], True),
    "pse": ("220000******0004", "MIR", "A0000006581010", "VISITOR DEMO", ["ru"], True),
    "aid_list": ("675964******8453", "MAESTRO", "A0000000043060", "VISITOR DEMO", ["ru", "en"], False),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_profile_reads(name: str) -> None:
    data = session(name).read()
    pan_masked, label, aid, holder, langs, pin_cvm = EXPECTED[name]
    assert data.public() == {
        "pan_masked": pan_masked, "expiry": "2028-12", "label": label, "aid": aid, "name": holder,
        "lang_pref": langs, "pin_cvm": pin_cvm,
    }  # fmt: skip
    pan = profile(name).apps[-1 if name == "multi" else 0].pan
    assert data.token(DEMO_TOKEN_KEY) == hmac.new(DEMO_TOKEN_KEY, pan.encode(), hashlib.sha256).hexdigest()


def test_every_profile_is_covered() -> None:
    assert set(EXPECTED) | {"magstripe", "pulled"} == set(PROFILES)


def test_t0_answers_use_get_response_and_the_right_le() -> None:
    mc = VirtualCard(profile("mastercard"))
    session(mc).read()
    assert any(h[1] == 0xC0 for h in mc.log)  # 61xx → GET RESPONSE
    wrong = VirtualCard(profile("no_pdol"))
    session(wrong).read()
    reads = [h for h in wrong.log if h[1] == 0xB2]
    assert len(reads) == 4  # each record asked twice: Le 00, then the Le the 6Cxx named


def test_magstripe_only_and_pulled() -> None:
    with pytest.raises(MagStripeOnlyError) as info:
        session("magstripe").read()
    assert info.value.code == "6A82"
    with pytest.raises(CardRemovedError):
        session("pulled").read()


def test_a_card_with_several_applications_and_equal_priority_is_ordered_by_label() -> None:
    cands = [Candidate(b"\xa0\x00\x00\x00\x03", "VISA", 16), Candidate(b"\xa0\x00\x00\x00\x04", "MC", 16),
             Candidate(b"\xa0\x00\x00\x06\x58", "MIR", 2)]  # fmt: skip
    assert [c.label for c in sorted(cands, key=lambda c: c.order)] == ["MIR", "MC", "VISA"]


def test_gpo_refused_with_6985_tries_the_next_application() -> None:
    card = VirtualCard(profile("multi"))
    real = card.process

    def refuse_mastercard(apdu: bytes) -> bytes:
        if (
            apdu[:2] == b"\x80\xa8"
            and isinstance(card._current, object)
            and getattr(card._current, "label", "") == "MASTERCARD"
        ):
            return b"\x69\x85"
        return real(apdu)

    card.process = refuse_mastercard  # type: ignore[method-assign]
    assert session(card).read().label == "VISA"


# --- the PDOL --------------------------------------------------------------------------------------------


def test_fit_follows_book_3_rules() -> None:
    assert fit(b"\x06\x43", 3, "n") == b"\x00\x06\x43"
    assert fit(b"\x00\x00\x00\x00\x01\x00", 2, "n") == b"\x01\x00"  # rightmost kept
    assert fit(b"\x12\x34", 3, "cn") == b"\x12\x34\xff"
    assert fit(b"KIOSK001", 4, "an") == b"KIOS"
    assert fit(b"\x20\x88", 3, "b") == b"\x20\x88\x00"


def test_pdol_filled_at_the_lengths_asked() -> None:
    dol = tlv.parse_dol(bytes.fromhex("9F1A035F2A019A039F37089F3501DF01029F1C04BF0C02"))
    values = fill_dol(dol, TerminalData(), NOW, random_bytes=lambda n: b"\xaa" * n)
    assert values == (
        b"\x00\x06\x43"
        + b"\x43"
        + b"\x26\x12\x04"
        + b"\xaa" * 4
        + b"\x00" * 4
        + b"\x14"
        + b"\x00\x00"
        + b"KIOS"
        + b"\x00\x00"
    )


# --- answers no profile gives ----------------------------------------------------------------------------


class Scripted:
    """Answers from a table by INS, falling back to a virtual card."""

    def __init__(self, answers: dict[int, bytes], card: str = "visa") -> None:
        self.answers = answers
        self.card = VirtualCard(profile(card))

    def transmit(self, apdu: bytes) -> bytes:
        if apdu[1] in self.answers:
            return self.answers[apdu[1]]
        return self.card.process(apdu)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({0xA4: b"\x90"}, "short answer"),
        ({0xA8: tlv.encode(0x81, b"\x00\x00") + b"\x90\x00"}, "neither format"),
        ({0xA8: tlv.encode(0x80, b"\x19\x00\x00\x01\x01\x00") + b"\x90\x00"}, "AFL entry 1"),
        ({0xA8: tlv.encode(0x80, b"\x19\x00\x08\x01") + b"\x90\x00"}, "wrong length"),
        ({0xB2: b"\x70\x10\x5a" + b"\x90\x00"}, "malformed answer"),
        ({0xB2: tlv.encode(0x71, b"") + b"\x90\x00"}, "not a record template"),
        ({0xB2: b"\x6a\x83"}, "READ RECORD 1"),
        ({0xB2: tlv.encode(0x70, tlv.encode(0x9F7F, b"\x01")) + b"\x90\x00"}, "no card number"),
        ({0xC0: b"\x61\x10"}, None),
    ],
)
def test_broken_answers_are_clear_errors(answers: dict[int, bytes], message: str | None) -> None:
    transport = Scripted(answers)
    if 0xC0 in answers:  # a card that answers 61xx for ever
        transport.answers[0xA4] = b"\x61\x10"
    with pytest.raises(UnreadableCardError) as info:
        EmvSession(transport, now=lambda: NOW).read()
    if message:
        assert message in str(info.value)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(EXPECTED)),
    st.integers(1, 14),
    st.integers(0, 300),
    st.sampled_from(["cut", "flip", "sw"]),
)
def test_any_corrupted_answer_is_card_data_or_a_card_error(name: str, at: int, where: int, how: str) -> None:
    card = VirtualCard(profile(name))
    count = 0

    class Corrupting:
        def transmit(self, apdu: bytes) -> bytes:
            nonlocal count
            count += 1
            answer = card.process(apdu)
            if count != at or not answer:
                return answer
            i = where % len(answer)
            if how == "cut":
                return answer[:i]
            if how == "flip":
                return answer[:i] + bytes([answer[i] ^ 0xFF]) + answer[i + 1 :]
            return answer[:-2] + b"\x6f\x00"

    outcome: CardData | CardError
    try:
        outcome = EmvSession(Corrupting(), now=lambda: NOW).read()
    except CardError as exc:
        outcome = exc
    assert "4111111111111111" not in str(outcome)


# --- PIN -------------------------------------------------------------------------------------------------


def test_pin_tries_and_block() -> None:
    s = session("visa")
    s.read()
    assert s.pin_tries_left() == 3
    first = s.verify_pin("9999")
    assert (first.ok, first.tries_left, first.blocked) == (False, 2, False)
    assert s.verify_pin("1234").ok
    for left in (2, 1, 0):
        result = s.verify_pin("0000")
        assert result.tries_left == left
    assert result.blocked
    assert s.verify_pin("1234").blocked  # 6983 from now on


def test_blocked_card_and_no_plaintext_pin() -> None:
    s = session("blocked")
    s.read()
    assert s.pin_tries_left() == 0
    assert s.verify_pin("1234").blocked
    s = session("aid_list")
    s.read()
    with pytest.raises(NotSupportedError):
        s.verify_pin("1234")


def test_pin_never_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    s = session("visa")
    s.read()
    with pytest.raises(ValueError) as info:
        s.verify_pin("12a45")
    assert "12a45" not in str(info.value)
    card = VirtualCard(profile("visa"))
    s = session(card)
    s.read()
    s.verify_pin("4321")
    assert all(len(h) == 4 for h in card.log)
    assert "4321" not in caplog.text


# --- the card data ---------------------------------------------------------------------------------------


def test_card_data_keeps_the_number_to_itself() -> None:
    data = CardData.from_pan("4111111111111111", expiry="2028-12", label="VISA", aid="A0000000031010")
    for text in (repr(data), str(data), str(data.public()), f"{data!r}", str(dataclasses.asdict(data))):
        assert "4111111111111111" not in text
    with pytest.raises(TypeError):
        pickle.dumps(data)
    with pytest.raises(TypeError):
        copy.deepcopy(data)
    token = data.token(DEMO_TOKEN_KEY)
    assert len(token) == 64
    assert token != data.token(b"another key of sixteen bytes")
    data.wipe()
    assert data.wiped
    with pytest.raises(ValueError):
        data.token(DEMO_TOKEN_KEY)


def test_errors_pickle_and_print_their_code() -> None:
    exc = pickle.loads(pickle.dumps(CardRemovedError("0x80100069", "the card was removed")))
    assert (exc.key, exc.code) == ("removed", "0x80100069")
    assert str(exc) == "removed: the card was removed [0x80100069]"


def test_with_changes_for_other_card_shapes() -> None:
    p = with_changes("visa", long_lengths=True, padding=True, t0=True, wrong_le=True)
    assert session(VirtualCard(p)).read().label == "VISA CLASSIC"


# --- what the books allow beyond our profiles ------------------------------------------------------------

OK = b"\x90\x00"
AID = bytes.fromhex("A0000000031010")


class Card:
    """A card scripted by whole commands: (CLA INS P1 P2 [data]) prefix → answer."""

    def __init__(self, script: dict[bytes, bytes]) -> None:
        self.script = script

    def transmit(self, apdu: bytes) -> bytes:
        for prefix, answer in sorted(self.script.items(), key=lambda kv: -len(kv[0])):
            if apdu.startswith(prefix):
                return answer
        return b"\x6a\x82"


def select(name: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(name)]) + name


def read(record: int, sfi: int) -> bytes:
    return bytes([0x00, 0xB2, record, (sfi << 3) | 4])


def test_several_afl_entries_proprietary_sfi_records_and_no_label() -> None:
    pan = "6011000990139424123"  # 19 digits: odd, padded with F
    afl = bytes([1 << 3, 1, 1, 0, 11 << 3, 1, 1, 0, 2 << 3, 1, 1, 0])
    card = Card(
        {
            select(b"2PAY.SYS.DDF01"): tlv.encode(0x6F, tlv.encode(0xA5, tlv.encode(0xBF0C, b"")))
            + OK,  # empty PPSE
            select(b"1PAY.SYS.DDF01"): b"\x6a\x81",
            select(AID): tlv.encode(0x6F, tlv.encode(0x84, AID) + tlv.encode(0xA5, b""))
            + OK,  # no 50, no 9F12
            b"\x80\xa8": tlv.encode(0x77, tlv.encode(0x82, b"\x19\x00") + tlv.encode(0x94, afl)) + OK,
            read(1, 1): tlv.encode(0x70, tlv.encode(0x5F20, b"SMITH/JOHN ")) + OK,
            read(1, 11): b"\x01\x02\x03 proprietary" + OK,
            read(1, 2): tlv.encode(
                0x70, tlv.encode(0x5A, bytes.fromhex(pan + "F")) + tlv.encode(0x5F24, b"\x27\x02\x28")
            )
            + OK,
        }
    )
    data = EmvSession(card, now=lambda: NOW).read()
    assert (data.pan_masked, data.expiry, data.label, data.name) == (
        "601100*********4123",
        "2027-02",
        "VISA",
        "JOHN SMITH",
    )


def test_a_blocked_application_6283_is_skipped() -> None:
    mc = bytes.fromhex("A0000000041010")
    entries = tlv.encode(0x61, tlv.encode(0x4F, AID) + tlv.encode(0x87, b"\x01")) + tlv.encode(
        0x61, tlv.encode(0x4F, mc) + tlv.encode(0x87, b"\x02")
    )
    card = Card(
        {
            select(b"2PAY.SYS.DDF01"): tlv.encode(0x6F, tlv.encode(0xA5, tlv.encode(0xBF0C, entries))) + OK,
            select(AID): tlv.encode(0x6F, tlv.encode(0x84, AID)) + b"\x62\x83",
            select(mc): tlv.encode(0x6F, tlv.encode(0x84, mc) + tlv.encode(0xA5, tlv.encode(0x50, b"MC")))
            + OK,
            b"\x80\xa8": tlv.encode(0x80, b"\x19\x00" + bytes([1 << 3, 1, 1, 0])) + OK,
            read(1, 1): tlv.encode(0x70, tlv.encode(0x57, bytes.fromhex("5555555555554444D2905201"))) + OK,
        }
    )
    data = EmvSession(card, now=lambda: NOW).read()
    assert (data.label, data.aid, data.expiry, data.pan_masked) == (
        "MC",
        mc.hex().upper(),
        "2029-05",
        "555555******4444",
    )


@pytest.mark.parametrize("name", ["visa", "mastercard", "pse", "multi"])
@pytest.mark.parametrize("at", range(1, 12))
def test_pulled_at_any_command_is_removed_or_read(name: str, at: int) -> None:
    card = VirtualCard(with_changes(name, pull_after=at))
    try:
        data = session(card).read()
    except CardRemovedError:
        assert card.pulled
    else:
        assert not card.pulled
        assert data.pan_masked
