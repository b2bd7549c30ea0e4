"""Phone numbers: one check for every phone field (patients, callers, units, staff).

A number is kept as typed (trimmed, runs of spaces made one), so that a secretary sees it
the way it was said; `e164()` gives the normalized form (+46701234567) for machines.
Accepted:

- Swedish: 0, an area code of 1-3 digits, then 5-8 digits ("08-123 45 67", "0498-12 34 56");
  a mobile number is 07x and 7 more digits ("070-123 45 67").
- International: + (or 00) and a country code, 8-15 digits in all ("+44 20 7946 0958");
  +46 is checked as a Swedish number ("+46 70 123 45 67").

Spaces and dashes may separate the digits; nothing else may.
"""

from __future__ import annotations

import re

from kulisser.i18n import _

_ALLOWED = re.compile(r"^\+?[0-9 -]+$")
# A Swedish area code as typed before a dash: "08-", "031-", "0498-".
_AREA = re.compile(r"^0[1-9][0-9]{0,2}$")


class InvalidPhone(ValueError):
    """A phone number that is not plausible; `message` is Swedish, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _swedish(national: str, area: str | None) -> None:
    """Check a Swedish number given as its digits with the leading 0 ("0701234567")."""
    if national.startswith("07"):
        if len(national) != 10:
            raise InvalidPhone(_("Ett mobilnummer har tio siffror, t.ex. 070-123 45 67."))
        return
    if national.startswith("00") or not 7 <= len(national) <= 12:
        raise InvalidPhone(_("Ett svenskt nummer är riktnummer och 5–8 siffror, t.ex. 08-123 45 67."))
    if area is not None and not _AREA.match(area):
        raise InvalidPhone(_("Riktnumret före bindestrecket ska vara 0 och 1–3 siffror, "
                             "t.ex. 08 eller 0498."))
    if area is not None and not 5 <= len(national) - len(area) <= 8:
        raise InvalidPhone(_("Efter riktnumret kommer 5–8 siffror, t.ex. 08-123 45 67."))


def normalize(text: str) -> str:
    """The number as it is stored: trimmed, single spaces; raise InvalidPhone if implausible."""
    typed = " ".join(text.split())
    if not _ALLOWED.match(typed):
        raise InvalidPhone(_("Telefonnumret får bara innehålla siffror, mellanslag, bindestreck och +."))
    e164(typed)
    return typed


def e164(text: str) -> str:
    """The number in international form, +46701234567; raise InvalidPhone if implausible."""
    typed = " ".join(text.split())
    if not _ALLOWED.match(typed):
        raise InvalidPhone(_("Telefonnumret får bara innehålla siffror, mellanslag, bindestreck och +."))
    digits = re.sub(r"\D", "", typed)
    international = typed.startswith("+") or digits.startswith("00")
    if international:
        number = digits[2:] if digits.startswith("00") and not typed.startswith("+") else digits
        if number.startswith("46"):
            _swedish("0" + number[2:], None)
            return "+" + number
        if number.startswith("0") or not 8 <= len(number) <= 15:
            raise InvalidPhone(_("Ett utländskt nummer är + och landsnummer, 8–15 siffror, "
                                 "t.ex. +44 20 7946 0958."))
        return "+" + number
    if not digits.startswith("0"):
        raise InvalidPhone(_("Ett svenskt nummer börjar med 0 (riktnummer), ett utländskt med +."))
    head = re.split(r"\s*-\s*", typed, maxsplit=1)
    area = re.sub(r"\D", "", head[0]) if len(head) == 2 else None
    _swedish(digits, area)
    return "+46" + digits[1:]


def phone_error(text: str, *, required: bool = False) -> str | None:
    """The Swedish message for a phone field, or None when it is fine (or empty and optional)."""
    if not text.strip():
        return _("Ange ett telefonnummer.") if required else None
    try:
        normalize(text)
    except InvalidPhone as exc:
        return exc.message
    return None
