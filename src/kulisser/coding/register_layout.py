"""The patient-register file's field layout: the one place it is kept (issue 14 item 5).

Our reading of the monthly report to Socialstyrelsen's national patient register (PAR) as
HSLF-FS 2016:91 (Socialstyrelsens föreskrifter om uppgiftsskyldighet till patientregistret)
and its later amendments lay it out: one contact a line, fields separated by ";", a header
line with the field names, dates as YYYYMMDD, lists inside a field separated by a space.
It is our reading, not the authority's text: before a region delivers, an operator checks
this list against Socialstyrelsen's current technical specification ("Teknisk beskrivning,
patientregistret", on socialstyrelsen.se under Register / Patientregistret / Rapportering)
and, where it differs, changes the fields here and raises ``VERSION``. Every export run
records the version it was written with.

The county and municipality of residence (LAN, KOMMUN) come from the patient's residence
codes (patients.residence); a contact whose patient has none is held back (rule
``missing_residence``), not written half-filled. The care provider (VARDGIVARE) is written
empty when KULISSER_CARE_PROVIDER_HSA_ID is unset.

Versions: 2026.1 wrote LAN and KOMMUN empty; 2026.2 fills them (KOMMUN 4 digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kulisser.i18n import N_

VERSION = "2026.2"
REGULATION = N_("HSLF-FS 2016:91 med senare ändringar")  # shown on the page
SEPARATOR = ";"
LIST_SEPARATOR = " "
LINE_END = "\r\n"  # as Socialstyrelsen's text files are delivered
ENCODING = "utf-8"  # every value is ASCII: digits, codes, HSA-ids

# Kind of contact (KONTAKTTYP), our codes for the two kinds the register receives.
INPATIENT = "1"  # slutenvårdstillfälle
OUTPATIENT_DOCTOR = "2"  # läkarbesök i specialiserad öppenvård
# Legal sex (KON) as the register codes it.
SEX_CODES = {"M": "1", "F": "2"}


@dataclass(frozen=True)
class Field:
    """One field of a line: its name, where its value comes from, its format and width."""

    name: str
    source: str
    format: str
    width: int  # the most characters a value may have (a list: the whole field)
    required: bool


FIELDS: tuple[Field, ...] = (
    Field("KONTAKT_ID", "care_contact.id (the sender's own record id)", "digits", 18, True),
    Field("PNR", "patient.id_value: the personal or coordination number, 12 digits", "digits", 12, True),
    Field("KON", "legal sex from the identity number: 1 man, 2 kvinna", "1|2", 1, True),
    Field("ALDER", "age in whole years on the contact (admission) date", "digits", 3, True),
    Field("LAN", "county of residence: patient.county_code (lanskod)", "2 digits", 2, True),
    Field("KOMMUN", "municipality of residence: patient.municipality_code (kommunkod, its first "
          "two digits the county's)", "4 digits", 4, True),
    Field("VARDGIVARE", "care provider's HSA-id (KULISSER_CARE_PROVIDER_HSA_ID)", "HSA-id", 64,
          False),
    Field("VARDENHET", "care_unit.hsa_id", "HSA-id", 64, True),
    Field("KONTAKTTYP", "1 inpatient stay, 2 doctor's visit in outpatient care", "1|2", 1, True),
    Field("INDATUM", "admission day, or the visit's day", "YYYYMMDD", 8, True),
    Field("UTDATUM", "discharge day (inpatient stay); empty for a visit", "YYYYMMDD", 8, False),
    Field("HDIA", "main diagnosis, ICD-10-SE without dot", "code", 8, True),
    Field("BDIA", "secondary diagnoses in order", "codes, space-separated", 400, False),
    Field("EKOD", "external causes (V01-Y98)", "codes, space-separated", 200, False),
    Field("OP", "procedures (KVA codes) with their dates", "CODE:YYYYMMDD, space-separated", 600,
          False),
)
NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)


class LayoutError(ValueError):
    """A value that does not fit its field (too long, a separator inside, a required one empty)."""


def day(value: date | None) -> str:
    """A date as the layout writes it (YYYYMMDD; empty for none)."""
    return value.strftime("%Y%m%d") if value is not None else ""


def header() -> str:
    """The header line (field names), without the line end."""
    return SEPARATOR.join(NAMES)


def line(values: dict[str, str]) -> str:
    """One contact's line from its values by field name; LayoutError for a value that does not fit."""
    unknown = set(values) - set(NAMES)
    if unknown:
        raise LayoutError(f"unknown fields {sorted(unknown)}")
    out = []
    for f in FIELDS:
        value = values.get(f.name, "")
        if any(ch in value for ch in (SEPARATOR, "\r", "\n")):
            raise LayoutError(f"{f.name}: a separator inside the value")
        if len(value) > f.width:
            raise LayoutError(f"{f.name}: longer than {f.width}")
        if f.required and not value:
            raise LayoutError(f"{f.name}: required")
        out.append(value)
    return SEPARATOR.join(out)


def parse(text: str) -> list[dict[str, str]]:
    """The lines of a file as dicts by field name (the header checked against this version)."""
    lines = [x for x in text.replace("\r\n", "\n").split("\n") if x]
    if not lines or lines[0] != header():
        raise LayoutError("the header is not this layout's")
    rows = []
    for number, raw in enumerate(lines[1:], start=2):
        parts = raw.split(SEPARATOR)
        if len(parts) != len(NAMES):
            raise LayoutError(f"line {number}: {len(parts)} fields, not {len(NAMES)}")
        rows.append(dict(zip(NAMES, parts, strict=True)))
    return rows
