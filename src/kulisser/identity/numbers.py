"""Swedish identity numbers: personnummer, samordningsnummer and reservnummer.

Pure logic, no web or database imports.

Personnummer and samordningsnummer are stored as 12 digits ``YYYYMMDDNNNC``.
A samordningsnummer has 60 added to the day of birth. ``C`` is a Luhn check
digit over ``YYMMDDNNN``; the second-to-last digit is odd for men and even
for women.

Ten-digit input ``YYMMDD-NNNC`` / ``YYMMDD+NNNC`` has no century. The "+"
separator is used from the calendar year the person turns 100, so:

* "-" (or no separator): the latest year ending in ``YY`` that is not after
  the current year; if that puts the birth date later this year than today,
  the previous century is meant.
* "+": the latest year ending in ``YY`` that is not after the current year,
  minus 100.

This is consistent with :meth:`Identifier.short`, so ``short()`` output
parses back to the same number on the same day.

Reservnummer are regional temporary ids with no common format. They are
only ever accepted when the caller says so explicitly, and are never parsed
as personnummer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from kulisser.i18n import N_, _

__all__ = [
    "PERSONNUMMER_OID",
    "PERSONNUMMER_SYSTEM",
    "RESERVNUMMER_SYSTEM",
    "SAMORDNINGSNUMMER_OID",
    "SAMORDNINGSNUMMER_SYSTEM",
    "IdKind",
    "Identifier",
    "InvalidIdentifier",
    "generate_personnummer",
    "looks_like_identity_number",
    "luhn_check_digit",
    "parse_identifier",
]

PERSONNUMMER_SYSTEM = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER_SYSTEM = "http://electronichealth.se/identifier/samordningsnummer"
RESERVNUMMER_SYSTEM = "urn:kulisser:reservnummer"
PERSONNUMMER_OID = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "1.2.752.129.2.1.3.3"

SAMORDNING_DAY_OFFSET = 60

# [0-9] rather than \d: \d also matches non-ASCII digits such as "٣".
_TWELVE_RE = re.compile(r"([0-9]{8})-?([0-9]{4})")
_TEN_RE = re.compile(r"([0-9]{6})([-+]?)([0-9]{4})")
_LOOKS_LIKE_RE = re.compile(r"[0-9]{6}(?:[0-9]{2})?[-+]?[0-9]{4}")
_RESERV_RE = re.compile(r"[A-Za-z0-9-]{1,20}")
_STORED_RE = re.compile(r"[0-9]{12}")
_NINE_RE = re.compile(r"[0-9]{9}")

_MSG_FORMAT = N_("Ange 10 eller 12 siffror, t.ex. 19121212-1212.")
_MSG_DATE = N_("Datumet finns inte.")
_MSG_CHECK = N_("Kontrollsiffran stämmer inte.")
_MSG_FUTURE = N_("Födelsedatumet ligger i framtiden.")
_MSG_NOT_PNR = N_("Numret är ett samordningsnummer, inte ett personnummer.")
_MSG_NOT_SNR = N_("Numret är ett personnummer, inte ett samordningsnummer.")
_MSG_RESERV = N_("Ett reservnummer består av 1–20 tecken: bokstäver A–Z, siffror och bindestreck.")


class IdKind(StrEnum):
    """Kind of patient identifier."""

    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"
    RESERVNUMMER = "reservnummer"


_SYSTEMS: dict[IdKind, str] = {
    IdKind.PERSONNUMMER: PERSONNUMMER_SYSTEM,
    IdKind.SAMORDNINGSNUMMER: SAMORDNINGSNUMMER_SYSTEM,
    IdKind.RESERVNUMMER: RESERVNUMMER_SYSTEM,
}
_OIDS: dict[IdKind, str] = {
    IdKind.PERSONNUMMER: PERSONNUMMER_OID,
    IdKind.SAMORDNINGSNUMMER: SAMORDNINGSNUMMER_OID,
}


class InvalidIdentifier(ValueError):
    """An identifier the user typed is not valid; ``message`` is Swedish, ``code`` is English."""

    def __init__(self, message: str, code: str) -> None:
        """Store a user-facing Swedish message and a short machine code."""
        message = _(message)
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Identifier:
    """A validated identifier; ``value`` is 12 digits for pnr/snr, normalized text otherwise."""

    kind: IdKind
    value: str

    def __post_init__(self) -> None:
        """Coerce ``kind`` and check that ``value`` is in stored (normalized) form."""
        object.__setattr__(self, "kind", _coerce_kind(self.kind))
        if self.kind is IdKind.RESERVNUMMER:
            if not _RESERV_RE.fullmatch(self.value) or self.value != self.value.upper():
                raise InvalidIdentifier(_MSG_RESERV, "bad_format")
            return
        if not _STORED_RE.fullmatch(self.value):
            raise InvalidIdentifier(_MSG_FORMAT, "bad_format")
        is_snr = int(self.value[6:8]) > SAMORDNING_DAY_OFFSET
        if is_snr != (self.kind is IdKind.SAMORDNINGSNUMMER):
            if is_snr:
                raise InvalidIdentifier(_MSG_NOT_PNR, "wrong_kind")
            raise InvalidIdentifier(_MSG_NOT_SNR, "wrong_kind")

    @property
    def system(self) -> str:
        """FHIR identifier system URI for this kind."""
        return _SYSTEMS[self.kind]

    @property
    def oid(self) -> str | None:
        """OID for this kind, or None for reservnummer."""
        return _OIDS.get(self.kind)

    def formatted(self, *, today: date | None = None) -> str:
        """Display form: ``YYYYMMDD-NNNC`` for pnr/snr, the value itself for reservnummer."""
        # ``today`` is accepted for symmetry with short(); the 12-digit form always uses "-".
        del today
        if self.kind is IdKind.RESERVNUMMER:
            return self.value
        return f"{self.value[:8]}-{self.value[8:]}"

    def short(self, *, today: date | None = None) -> str:
        """Ten-digit form ``YYMMDD-NNNC``, with "+" from the year the person turns 100."""
        if self.kind is IdKind.RESERVNUMMER:
            return self.value
        today = today or date.today()
        sep = "+" if today.year - int(self.value[:4]) >= 100 else "-"
        return f"{self.value[2:8]}{sep}{self.value[8:]}"

    def birth_date(self) -> date | None:
        """Date of birth (day minus 60 for samordningsnummer), or None for reservnummer."""
        if self.kind is IdKind.RESERVNUMMER:
            return None
        day = int(self.value[6:8])
        if day > SAMORDNING_DAY_OFFSET:
            day -= SAMORDNING_DAY_OFFSET
        return date(int(self.value[:4]), int(self.value[4:6]), day)

    def sex(self) -> Literal["male", "female"] | None:
        """Legal sex from the second-to-last digit (odd male, even female), or None."""
        if self.kind is IdKind.RESERVNUMMER:
            return None
        return "male" if int(self.value[10]) % 2 else "female"


def _coerce_kind(kind: IdKind | str) -> IdKind:
    """Turn a kind name into an IdKind, raising ValueError for unknown names."""
    if isinstance(kind, IdKind):
        return kind
    try:
        return IdKind(kind)
    except ValueError:
        raise ValueError(f"unknown identifier kind: {kind!r}") from None


def luhn_check_digit(nine_digits: str) -> int:
    """Luhn (mod 10) check digit for the nine digits ``YYMMDDNNN``."""
    if not _NINE_RE.fullmatch(nine_digits):
        raise ValueError("luhn_check_digit needs exactly nine ASCII digits")
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def looks_like_identity_number(text: str) -> bool:
    """Whether a search query looks like a 10- or 12-digit identity number rather than a name."""
    return bool(_LOOKS_LIKE_RE.fullmatch(text.strip()))


def _infer_year(yy: int, month: int, day: int, plus: bool, today: date) -> int:
    """Full birth year for a ten-digit number (see the module docstring)."""
    year = today.year - (today.year - yy) % 100
    if plus:
        return year - 100
    if year == today.year and (month, day) > (today.month, today.day):
        year -= 100
    return year


def _reservnummer(text: str) -> Identifier:
    """Validate and normalize an explicitly typed reservnummer."""
    value = text.strip()
    if not _RESERV_RE.fullmatch(value):
        raise InvalidIdentifier(_MSG_RESERV, "bad_format")
    return Identifier(IdKind.RESERVNUMMER, value.upper())


def parse_identifier(
    text: str, *, kind: IdKind | str | None = None, today: date | None = None
) -> Identifier:
    """Parse user input into an Identifier, raising InvalidIdentifier with a Swedish message."""
    wanted = None if kind is None else _coerce_kind(kind)
    if wanted is IdKind.RESERVNUMMER:
        return _reservnummer(text)
    today = today or date.today()
    raw = text.strip()

    if m := _TWELVE_RE.fullmatch(raw):
        digits = m.group(1) + m.group(2)
        year = int(digits[:4])
    elif m := _TEN_RE.fullmatch(raw):
        short = m.group(1) + m.group(3)
        month, day = int(short[2:4]), int(short[4:6])
        if day > SAMORDNING_DAY_OFFSET:
            day -= SAMORDNING_DAY_OFFSET
        year = _infer_year(int(short[:2]), month, day, m.group(2) == "+", today)
        if year < 1:
            raise InvalidIdentifier(_MSG_DATE, "bad_date")
        digits = f"{year:04d}{short[2:]}"
    else:
        raise InvalidIdentifier(_MSG_FORMAT, "bad_format")

    month, raw_day = int(digits[4:6]), int(digits[6:8])
    is_snr = raw_day > SAMORDNING_DAY_OFFSET
    day = raw_day - SAMORDNING_DAY_OFFSET if is_snr else raw_day
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(_MSG_DATE, "bad_date") from None

    if luhn_check_digit(digits[2:11]) != int(digits[11]):
        raise InvalidIdentifier(_MSG_CHECK, "bad_check_digit")
    if born > today:
        raise InvalidIdentifier(_MSG_FUTURE, "future_date")

    found = IdKind.SAMORDNINGSNUMMER if is_snr else IdKind.PERSONNUMMER
    if wanted is not None and wanted is not found:
        msg = _MSG_NOT_PNR if is_snr else _MSG_NOT_SNR
        raise InvalidIdentifier(msg, "wrong_kind")
    return Identifier(found, digits)


_GEN_START = date(1920, 1, 1)
_GEN_END = date(2020, 12, 31)


def generate_personnummer(
    rng: random.Random,
    *,
    birth_date: date | None = None,
    sex: str | None = None,
    samordningsnummer: bool = False,
) -> Identifier:
    """Make a synthetic, check-digit-valid personnummer (or samordningsnummer) for demo data."""
    if birth_date is None:
        span = (_GEN_END - _GEN_START).days
        birth_date = _GEN_START + timedelta(days=rng.randint(0, span))
    if sex is None:
        sex = rng.choice(("male", "female"))
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male', 'female' or None, not {sex!r}")
    # Birth number NNN: 001-999, last digit odd for men, even for women.
    parity = 1 if sex == "male" else 0
    serial = rng.randrange(0, 100) * 10 + rng.randrange(parity, 10, 2)
    if serial == 0:
        serial = 2
    day = birth_date.day + (SAMORDNING_DAY_OFFSET if samordningsnummer else 0)
    body = f"{birth_date.year:04d}{birth_date.month:02d}{day:02d}{serial:03d}"
    kind = IdKind.SAMORDNINGSNUMMER if samordningsnummer else IdKind.PERSONNUMMER
    return Identifier(kind, body + str(luhn_check_digit(body[2:])))
