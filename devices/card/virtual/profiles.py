"""Virtual EMV cards for the demo and the tests: test card numbers only (they pass Luhn, no bank issued them).

Each profile is one way a real card may answer; the emulator (``card.py``) turns it into APDU answers, and the
same emulator answers pcscd through vpcd (``vpcd.py``) in the tests. Demo PIN: ``1234`` for every card.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from service_common.card_token import DEMO_CARD_PANS

DEMO_PIN = "1234"

VISA_AID = "A0000000031010"
MASTERCARD_AID = "A0000000041010"
MIR_AID = "A0000006581010"
MAESTRO_AID = "A0000000043060"


@dataclass(frozen=True)
class App:
    """One payment application on a card."""

    aid: str
    label: str
    pan: str
    expiry: str = "281231"  # YYMMDD as in 5F24
    priority: int | None = 1  # tag 87; None: absent
    preferred_name: str = ""  # 9F12
    track2_only: bool = False  # no 5A/5F24 in the records: only 57
    cardholder: str | None = "DEMO/VISITOR"  # 5F20; None: absent
    lang: str = "ruen"  # 5F2D
    pdol: str = ""  # hex of the DOL (tag, length pairs); "" = no PDOL
    gpo_format: int = 2  # 1: tag 80 (AIP AFL), 2: tag 77 template
    plaintext_pin: bool = True  # the CVM list (8E) allows offline plaintext PIN
    sfi: int = 1  # records live in this SFI


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    apps: tuple[App, ...]
    atr: str = "3B8F8001804F0CA000000306030001000000006A"
    selection: str = "ppse"  # ppse | pse (directory via SFI records) | aid (neither: the terminal's AID list)
    t0: bool = False  # 61xx: data waits for GET RESPONSE
    wrong_le: bool = False  # 6Cxx: resend with the right Le
    long_lengths: bool = False  # 81/82 lengths where one byte would do
    padding: bool = False  # 00/FF between TLVs in records
    pin: str = DEMO_PIN
    pin_tries: int = 3
    mag_stripe_only: bool = False  # no EMV application answers at all
    pull_after: int = 0  # the card is pulled out when this APDU (1-based) arrives; 0: never
    extra: dict[str, str] = field(default_factory=dict)  # unknown proprietary tags to add to records

    @property
    def primary(self) -> App:
        return self.apps[0]


def _pan(profile: str, app: int = 0) -> str:
    """The demo card numbers have one table, shared with central's demo bank."""
    return DEMO_CARD_PANS[profile][app]


_RU_PDOL = "9F66049F02069F03069F1A0295055F2A029A039C019F3704"  # a contactless-style PDOL
_MC_PDOL = "9F3501" + "9F4005" + "9F3303" + "9F1A02" + "5F2A02" + "9A03" + "9C01" + "9F3704" + "9F0206"

VISA = Profile(
    name="visa",
    title="Visa-like, PPSE, GPO format 2 with a PDOL",
    apps=(App(VISA_AID, "VISA CLASSIC", _pan("visa"), pdol=_RU_PDOL, gpo_format=2),),
)
MASTERCARD = Profile(
    name="mastercard",
    title="Mastercard-like, PPSE, GPO format 1 with a PDOL, T=0 with 61xx",
    atr="3B6800000073C84013009000",
    apps=(
        App(
            MASTERCARD_AID, "MASTERCARD", _pan("mastercard"), pdol=_MC_PDOL, gpo_format=1,
            cardholder="IVANOVA/ANNA", lang="enru",
        ),
    ),
    t0=True,
)  # fmt: skip
BLOCKED = Profile(
    name="blocked",
    title="Visa-like with its PIN blocked (tries 0)",
    apps=(App(VISA_AID, "VISA GOLD", _pan("blocked"), cardholder=None),),
    pin_tries=0,
)
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        VISA,
        MASTERCARD,
        BLOCKED,
        Profile(
            name="no_pdol",
            title="Visa-like, no PDOL, GPO format 1, 6Cxx wrong Le",
            apps=(App(VISA_AID, "VISA DEBIT", _pan("no_pdol"), gpo_format=1, cardholder="  "),),
            wrong_le=True,
        ),
        Profile(
            name="track2",
            title="Only track-2 equivalent data (57), no 5A/5F24",
            apps=(App(MASTERCARD_AID, "MC DEBIT", _pan("track2"), track2_only=True, lang="zh"),),
        ),
        Profile(
            name="multi",
            title="Two applications, the Mastercard preferred by priority",
            apps=(
                App(VISA_AID, "VISA", _pan("multi"), priority=2),
                App(MASTERCARD_AID, "MASTERCARD", _pan("multi", 1), priority=1),
            ),
        ),
        Profile(
            name="pse",
            title="No PPSE: PSE directory in SFI records, long lengths, padding between TLVs",
            apps=(App(MIR_AID, "MIR", _pan("pse"), pdol="9F1A025F2A029A039F3704", lang="ru"),),
            selection="pse",
            long_lengths=True,
            padding=True,
            extra={"DF7F": "0102", "9F7C": "11223344"},
        ),
        Profile(
            name="aid_list",
            title="Neither PPSE nor PSE: found by the terminal's AID list; no plaintext PIN",
            apps=(App(MAESTRO_AID, "MAESTRO", _pan("aid_list"), plaintext_pin=False),),
            selection="aid",
        ),
        Profile(
            name="magstripe",
            title="Magnetic stripe only: the chip answers no payment application",
            apps=(App(VISA_AID, "VISA", _pan("magstripe")),),
            mag_stripe_only=True,
        ),
        Profile(
            name="pulled",
            title="Pulled out mid-read (at the first READ RECORD)",
            apps=(App(VISA_AID, "VISA", _pan("pulled")),),
            pull_after=4,
        ),
    )
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"no card profile {name!r}; there are {', '.join(PROFILES)}") from None


def with_changes(name: str, **changes: object) -> Profile:
    return replace(profile(name), **changes)  # type: ignore[arg-type]
