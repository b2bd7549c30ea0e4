"""Pydantic models of the patient API (the shared error body and Timestamp: kulisser.web.api)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kulisser.identity import Identifier, IdKind, InvalidIdentifier
from kulisser.patients import residence
from kulisser.patients.models import Patient
from kulisser.web.api import Timestamp

_COUNTY = "County of residence (länskod): 2 digits, one of the 21 counties; empty: unknown."
_MUNICIPALITY = ("Municipality of residence (kommunkod): 4 digits whose first two are the county's "
                 "(the county is taken from it when county_code is empty); empty: unknown.")


class PatientIdentifier(BaseModel):
    """A patient's identifier with its FHIR system."""

    kind: str = Field(examples=["personnummer"])
    value: str = Field(description="Stored form: 12 digits for personnummer and samordningsnummer.",
                       examples=["191212121212"])
    system: str | None = Field(description="FHIR identifier system (HL7 Sweden).",
                               examples=["http://electronichealth.se/identifier/personnummer"])
    display: str = Field(description="As people write it.", examples=["19121212-1212"])

    @classmethod
    def of(cls, patient: Patient) -> PatientIdentifier:
        """The identifier of a stored patient."""
        try:
            ident = Identifier(IdKind(patient.id_kind), patient.id_value)
        except (InvalidIdentifier, ValueError):
            return cls(kind=patient.id_kind, value=patient.id_value, system=None,
                       display=patient.display_id)
        return cls(kind=ident.kind.value, value=ident.value, system=ident.system,
                   display=ident.formatted())


class PatientOut(BaseModel):
    """A patient. For protected identity (skyddad identitet) the address fields are null."""

    id: int
    identifier: PatientIdentifier
    given_name: str
    family_name: str
    phone: str
    protected_identity: bool
    address: str | None = Field(None, description="null when protected_identity is true.")
    postal_code: str | None = Field(None, description="null when protected_identity is true.")
    city: str | None = Field(None, description="null when protected_identity is true.")
    county_code: str | None = Field(
        None, description="County of residence (länskod, 2 digits); empty when unknown, null when "
                          "protected_identity is true.", examples=["01"])
    municipality_code: str | None = Field(
        None, description="Municipality of residence (kommunkod, 4 digits starting with the "
                          "county's); empty when unknown, null when protected_identity is true.",
        examples=["0180"])

    @classmethod
    def of(cls, patient: Patient) -> PatientOut:
        """Serialize a patient; the address never leaves for a protected identity."""
        shown = not patient.protected_identity
        return cls(id=patient.id, identifier=PatientIdentifier.of(patient),
                   given_name=patient.given_name, family_name=patient.family_name,
                   phone=patient.phone, protected_identity=patient.protected_identity,
                   address=patient.address if shown else None,
                   postal_code=patient.postal_code if shown else None,
                   city=patient.city if shown else None,
                   county_code=patient.county_code if shown else None,
                   municipality_code=patient.municipality_code if shown else None)


class PatientList(BaseModel):
    """Search hits, each one logged as shown to the caller."""

    items: list[PatientOut]


class PatientCreate(BaseModel):
    """A patient to register; checked by the service, which answers in Swedish per field."""

    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(description="Personnummer or samordningsnummer (10 or 12 digits), or a "
                                        "reservnummer together with id_kind=reservnummer.",
                            examples=["19121212-1212"])
    id_kind: str = Field("", description="Empty (detect from the number), personnummer, "
                                         "samordningsnummer or reservnummer.")
    given_name: str = Field(examples=["Tolvan"])
    family_name: str = Field(examples=["Tolvansson"])
    address: str = ""
    postal_code: str = Field("", examples=["123 45"])
    city: str = ""
    phone: str = Field("", examples=["070-123 45 67"])
    protected_identity: bool = False
    county_code: str = Field("", max_length=residence.MAX_TYPED, examples=["01"],
                             description=_COUNTY)
    municipality_code: str = Field("", max_length=residence.MAX_TYPED, examples=["0180"],
                                   description=_MUNICIPALITY)
    care_reason: str | None = Field(
        None, description="Why the caller's unit starts a care relation with the patient: "
                          "referral (remiss mottagen), seeks_care (the patient seeks care here) or "
                          "other (with care_reason_text). Required whenever the unit has no care "
                          "relation with the number, new patient or not.",
        examples=["seeks_care"])
    care_reason_text: str = Field("", max_length=500,
                                  description="For care_reason=other: why (at least 5 characters).")


class PatientRegistered(PatientOut):
    """The registered patient, with warnings (a typed name that differs from the register)."""

    warnings: list[str] = Field(default_factory=list)


class PatientUpdate(BaseModel):
    """A partial change: fields left out (or null) keep their values. The number cannot change."""

    model_config = ConfigDict(extra="forbid")

    given_name: str | None = None
    family_name: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    phone: str | None = None
    protected_identity: bool | None = None
    county_code: str | None = Field(None, max_length=residence.MAX_TYPED, description=_COUNTY)
    municipality_code: str | None = Field(None, max_length=residence.MAX_TYPED,
                                          description=_MUNICIPALITY)


class EmergencyAccessIn(BaseModel):
    """Why the caller needs emergency access (nödåtkomst); at least 5 characters."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(examples=["Patienten söker akut, journal behövs för bedömning."])


class EmergencyAccessGranted(BaseModel):
    """A granted emergency access, valid until expires_at and followed up by a manager."""

    id: int
    patient_id: int
    reason: str
    granted_at: Timestamp
    expires_at: Timestamp
