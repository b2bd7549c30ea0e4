"""Residence codes: the county (länskod, 2 digits) and municipality (kommunkod, 4 digits).

The patient register wants the patient's residence as these codes (SCB's regional division).
The 21 counties are few and stable, so they are listed here with their names; the 290
municipalities change now and then (mergers, new codes), so a municipality code is checked
for its form and for lying in a known county (its first two digits are the county's), not
against a list of its own that would go stale.
"""

from __future__ import annotations

import re

from kulisser.i18n import N_, _

# SCB's county codes (länskoder) and names; 02, 11, 15 and 16 are no longer in use.
COUNTIES: dict[str, str] = {
    "01": N_("Stockholms län"), "03": N_("Uppsala län"), "04": N_("Södermanlands län"),
    "05": N_("Östergötlands län"), "06": N_("Jönköpings län"), "07": N_("Kronobergs län"),
    "08": N_("Kalmar län"), "09": N_("Gotlands län"), "10": N_("Blekinge län"),
    "12": N_("Skåne län"), "13": N_("Hallands län"), "14": N_("Västra Götalands län"),
    "17": N_("Värmlands län"), "18": N_("Örebro län"), "19": N_("Västmanlands län"),
    "20": N_("Dalarnas län"), "21": N_("Gävleborgs län"), "22": N_("Västernorrlands län"),
    "23": N_("Jämtlands län"), "24": N_("Västerbottens län"), "25": N_("Norrbottens län"),
}
_COUNTY = re.compile(r"^\d{2}$")
_MUNICIPALITY = re.compile(r"^\d{4}$")
MAX_TYPED = 10  # the API bounds a typed code at this many characters (spaces are tidied away)


def county_choices() -> list[tuple[str, str]]:
    """The counties for a form's select: code and "code name", in code order."""
    return [(code, f"{code} {_(name)}") for code, name in COUNTIES.items()]


def county_name(code: str) -> str:
    """The county's name in Swedish, or "" for an unknown or empty code."""
    name = COUNTIES.get(code)
    return _(name) if name else ""


def clean(*, county: str, municipality: str) -> tuple[str, str, dict[str, str]]:
    """The codes as stored (spaces removed; the county taken from the municipality when only
    that is typed) and the errors by field (``county_code``, ``municipality_code``; Swedish)."""
    county = "".join(county.split())
    municipality = "".join(municipality.split())
    errors: dict[str, str] = {}
    if county:
        if not _COUNTY.match(county):
            errors["county_code"] = _("Länskoden ska vara två siffror, t.ex. 01 för Stockholms län.")
        elif county not in COUNTIES:
            errors["county_code"] = _("{code} är ingen länskod.", code=county)
    if municipality:
        if not _MUNICIPALITY.match(municipality):
            errors["municipality_code"] = _(
                "Kommunkoden ska vara fyra siffror, t.ex. 0180 för Stockholm.")
        elif municipality[:2] not in COUNTIES:
            errors["municipality_code"] = _(
                "Kommunkoden {code} börjar med {prefix}, som inte är någon länskod.",
                code=municipality, prefix=municipality[:2])
        elif not county:
            county = municipality[:2]
        elif "county_code" not in errors and municipality[:2] != county:
            errors["municipality_code"] = _(
                "Kommunen {code} ligger inte i {county} ({county_code}); en kommunkod börjar "
                "med länets kod.", code=municipality, county=county_name(county),
                county_code=county)
    return county, municipality, errors
