"""A care contact's kinds, sources, statuses and code roles, with their Swedish labels. Pure logic.

    uncoded -> coded        (the codes pass the checks: no error)
    coded   -> uncoded      (a code changed afterwards gives an error: it waits again)

A contact that must be coded (a doctor's visit, an inpatient stay) has an open `coding` work
item while it is uncoded; other contacts may be coded but wait for nobody.
"""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_


class ContactKind(StrEnum):
    """What kind of contact (vårdkontakt) it was."""

    DOCTOR_VISIT = "doctor_visit"
    OTHER_VISIT = "other_visit"
    PHONE = "phone"
    INPATIENT = "inpatient"


# Diagnosis and procedure codes are required for doctors' visits and inpatient stays.
MUST_CODE = (ContactKind.DOCTOR_VISIT.value, ContactKind.INPATIENT.value)


def must_code(kind: str) -> bool:
    """Whether a contact of this kind must be coded (and so waits in the unit's queue)."""
    return kind in MUST_CODE


class Source(StrEnum):
    """Where the contact came from."""

    VISIT = "visit"  # a visit marked done in the appointment book (source_id: the appointment)
    NOTE = "note"  # a signed note without a contact that day (source_id: the dictation)
    MANUAL = "manual"  # registered by hand on the coding page


class ContactStatus(StrEnum):
    """Whether the contact is coded."""

    UNCODED = "uncoded"
    CODED = "coded"


class Role(StrEnum):
    """A code's role on the contact."""

    MAIN = "main"
    SECONDARY = "secondary"
    EXTERNAL = "external"  # external cause (V01-Y98)
    PROCEDURE = "procedure"


KIND_LABELS: dict[str, str] = {
    ContactKind.DOCTOR_VISIT: N_("Läkarbesök"), ContactKind.OTHER_VISIT: N_("Annat besök"),
    ContactKind.PHONE: N_("Telefonkontakt"), ContactKind.INPATIENT: N_("Slutenvårdstillfälle")}
SOURCE_LABELS: dict[str, str] = {
    Source.VISIT: N_("Genomfört besök"), Source.NOTE: N_("Signerad anteckning"),
    Source.MANUAL: N_("Registrerad för hand")}
STATUS_LABELS: dict[str, str] = {ContactStatus.UNCODED: N_("Ej kodad"),
                                 ContactStatus.CODED: N_("Kodad")}
ROLE_LABELS: dict[str, str] = {
    Role.MAIN: N_("Huvuddiagnos"), Role.SECONDARY: N_("Bidiagnos"),
    Role.EXTERNAL: N_("Yttre orsak"), Role.PROCEDURE: N_("Åtgärd")}
EVENT_LABELS: dict[str, str] = {
    "created": N_("Registrerad"), "note_linked": N_("Anteckning kopplad"),
    "visit_linked": N_("Besök kopplat"),
    "codes_set": N_("Koder sparade"), "coded": N_("Kodad"), "reopened": N_("Åter okodad"),
    "recoded": N_("Koder ändrade efter kodning")}
# Note types whose signed note makes a contact of a kind other than "other visit".
NOTE_TYPE_KINDS: dict[str, str] = {"visit": ContactKind.DOCTOR_VISIT.value,
                                   "discharge": ContactKind.INPATIENT.value}
