"""Export of signed notes: text with a header, and a FHIR R4 DocumentReference (fhir.resources)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy.orm import Session

from kulisser.dictation import fhir
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, NoteType, NoteVersion
from kulisser.dictation.storage import AudioStore
from kulisser.identity import PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM, luhn_check_digit
from kulisser.patients.models import Patient
from kulisser.staff.models import CareUnit, Role, User
from tests import factories
from tests.conftest import Client
from tests.dictation import helpers

TEXT_1 = "Anamnes:\nPatienten är trött och yr sedan två veckor.\n\nÅtgärd:\nBlodprov, återbesök."
TEXT_2 = "Anamnes:\nPatienten är trött och yr sedan tre veckor.\n\nÅtgärd:\nBlodprov, återbesök."



def _signed(db: Session, world: factories.World, store: AudioStore, *, sign: bool = True) -> Dictation:
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    author = db.get(User, world.clinician_id)
    assert author is not None
    author.hsa_id = factories.unique("SE2321000016-P")
    d = helpers.upload(db, world, store=store)
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text=TEXT_1)
    dictations.send_for_signature(db, actor=secretary, dictation_id=d.id)
    if sign:
        dictations.sign(db, actor=clinician, dictation_id=d.id)
    db.commit()
    return d


def _parse(response_text: str) -> DocumentReference:
    doc = DocumentReference.model_validate_json(response_text)
    assert isinstance(doc, DocumentReference)
    return doc


def test_fhir_export_of_a_signed_note(db: Session, world: factories.World, store: AudioStore,
                                      client_as: Client) -> None:
    d = _signed(db, world, store)
    patient, unit = db.get(Patient, d.patient_id), db.get(CareUnit, world.unit_id)
    author = db.get(User, world.clinician_id)
    assert patient is not None and unit is not None and author is not None and d.signed_at
    response = client_as(world.secretary_id).get(f"/api/v1/dictations/{d.id}/fhir")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    raw = response.json()
    assert raw["resourceType"] == "DocumentReference"
    doc = _parse(response.text)
    assert doc.id == f"dictation-{d.id}-v1"
    assert doc.status == "current" and doc.docStatus == "final" and doc.relatesTo is None
    assert doc.subject is not None and doc.subject.identifier is not None
    assert doc.subject.identifier.system == PERSONNUMMER_SYSTEM
    assert doc.subject.identifier.value == patient.id_value
    assert doc.subject.display == patient.full_name
    assert doc.type is not None and doc.type.coding is not None
    assert [(c.system, c.code) for c in doc.type.coding] == [
        ("http://loinc.org", "11506-3"), ("urn:kulisser:note-type", "visit")]
    assert doc.author is not None and doc.author[0].display == author.full_name
    assert doc.author[0].identifier is not None
    assert doc.author[0].identifier.system == "urn:oid:1.2.752.29.4.19"
    assert doc.author[0].identifier.value == author.hsa_id
    assert doc.authenticator is not None and doc.authenticator.display == author.full_name
    assert doc.custodian is not None and doc.custodian.identifier is not None
    assert (doc.custodian.identifier.system, doc.custodian.identifier.value) == (
        "urn:oid:1.2.752.29.4.19", unit.hsa_id)
    assert doc.date == d.signed_at
    attachment = doc.content[0].attachment
    assert attachment.contentType == "text/plain; charset=utf-8" and attachment.language == "sv"
    # base64 round trip with å ä ö, in the JSON and through the model
    assert base64.b64decode(raw["content"][0]["attachment"]["data"]).decode("utf-8") == TEXT_1
    assert attachment.data == TEXT_1.encode("utf-8")
    assert attachment.hash == hashlib.sha1(TEXT_1.encode()).digest()  # noqa: S324
    assert attachment.title == "Besöksanteckning, version 1" and attachment.creation == d.signed_at
    assert doc.extension is not None and doc.extension[0].valueCoding is not None
    assert doc.extension[0].valueCoding.code == "LA"
    assert "address" not in response.text and patient.address not in response.text


def test_a_correction_replaces_the_version_before(db: Session, world: factories.World,
                                                  store: AudioStore, client_as: Client) -> None:
    d = _signed(db, world, store)
    clinician = factories.actor(db, world.clinician_id)
    dictations.correct_signed(db, actor=clinician, dictation_id=d.id, text=TEXT_2, reason="Fel tid")
    db.commit()
    client = client_as(world.clinician_id)
    doc = _parse(client.get(f"/api/v1/dictations/{d.id}/fhir").text)
    assert doc.id == f"dictation-{d.id}-v2" and doc.docStatus == "amended" and doc.status == "current"
    assert doc.relatesTo is not None and len(doc.relatesTo) == 1
    assert doc.relatesTo[0].code == "replaces"
    assert doc.relatesTo[0].target.reference == f"DocumentReference/dictation-{d.id}-v1"
    assert doc.content[0].attachment.data == TEXT_2.encode()
    old = _parse(client.get(f"/api/v1/dictations/{d.id}/fhir?version=1").text)
    assert old.status == "superseded" and old.relatesTo is None
    assert old.content[0].attachment.data == TEXT_1.encode()
    assert client.get(f"/api/v1/dictations/{d.id}/fhir?version=3").status_code == 404
    text = client.get(f"/api/v1/dictations/{d.id}/note.txt").text
    assert "Version: 2 (rättelse: Fel tid)" in text and text.endswith(TEXT_2 + "\n")


def test_text_export(db: Session, world: factories.World, store: AudioStore,
                     client_as: Client) -> None:
    d = _signed(db, world, store)
    patient, author = db.get(Patient, d.patient_id), db.get(User, world.clinician_id)
    assert patient is not None and author is not None and d.signed_at is not None
    client = client_as(world.secretary_id)
    before = helpers.audit_rows(db, user_id=world.secretary_id, object_type="signed_note",
                                patient_id=patient.id, outcome="allowed")
    response = client.get(f"/api/v1/dictations/{d.id}/note.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="anteckning-{d.id}-v1.txt"'
    text = response.content.decode("utf-8")
    header, body = text.split("\n\n", 1)
    local = d.signed_at.astimezone(fhir.TZ).strftime("%Y-%m-%d %H:%M")
    assert header.splitlines() == [
        f"Patient: {patient.full_name}, {patient.display_id}", "Anteckningstyp: Besöksanteckning",
        f"Diktatör: {author.full_name}", f"Signerad: {local} av {author.full_name}", "Version: 1",
        f"Vårdenhet: {db.get(CareUnit, world.unit_id).name}"]  # type: ignore[union-attr]
    assert body == TEXT_1 + "\n"
    db.expire_all()
    assert helpers.audit_rows(db, user_id=world.secretary_id, object_type="signed_note",
                              patient_id=patient.id, outcome="allowed") == before + 1


@pytest.mark.parametrize("route", ["note.txt", "fhir"])
def test_an_unsigned_note_does_not_export(db: Session, world: factories.World, store: AudioStore,
                                          client_as: Client, route: str) -> None:
    d = _signed(db, world, store, sign=False)
    response = client_as(world.clinician_id).get(f"/api/v1/dictations/{d.id}/{route}")
    assert response.status_code == 409
    assert response.json()["error"] == "not_signed"
    assert "inte signerad" in response.json()["detail"]


@pytest.mark.parametrize(("route", "object_type"), [("note.txt", "signed_note"),
                                                     ("fhir", "signed_note_fhir")])
def test_another_units_user_is_refused_and_logged(db: Session, world: factories.World,
                                                  store: AudioStore, client_as: Client,
                                                  route: str, object_type: str) -> None:
    d = _signed(db, world, store)
    stranger = factories.make_user(db, world.other_unit_id, Role.CLINICIAN).id
    db.commit()
    response = client_as(stranger).get(f"/api/v1/dictations/{d.id}/{route}")
    assert response.status_code == 403
    assert TEXT_1 not in response.text
    db.expire_all()
    assert helpers.audit_rows(db, user_id=stranger, object_type=object_type,
                              patient_id=d.patient_id, outcome="denied") == 1


def _samordningsnummer() -> str:
    pnr = factories.new_personnummer()  # YYYYMMDDNNNC; the day plus 60, a new check digit
    nine = pnr[2:6] + f"{int(pnr[6:8]) + 60:02d}" + pnr[8:11]
    return pnr[:6] + f"{int(pnr[6:8]) + 60:02d}" + pnr[8:11] + str(luhn_check_digit(nine))


def test_a_samordningsnummer_gets_its_own_system() -> None:
    signed_at = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    kind = NoteType(code="letter", name="Brev", loinc_code=None, headings=[])
    d = Dictation(id=7, unit_id=1, status="signed", note_type=kind)
    version = NoteVersion(version=1, text="Hej, välkommen på återbesök.", signed_by_id=3,
                          signed_at=signed_at)
    d.versions.append(version)
    patient = Patient(id_kind="samordningsnummer", id_value=_samordningsnummer(),
                      given_name="Åsa", family_name="Öberg", address="Hemlig väg 1",
                      protected_identity=True)
    doctor = User(full_name="Dr Ek", hsa_id=None)
    note = fhir.SignedNote(dictation=d, version=version, patient=patient, author=doctor,
                           signer=doctor, unit=CareUnit(hsa_id="SE2321000016-ABCD", name="Mott"))
    doc = fhir.document_reference(note)
    assert doc.subject.identifier.system == SAMORDNINGSNUMMER_SYSTEM
    assert doc.subject.identifier.value == patient.id_value
    # No LOINC code for this note type: only the local coding; no HSA-id: a display only.
    assert [c.code for c in doc.type.coding] == ["letter"]
    assert doc.author[0].identifier is None and doc.author[0].display == "Dr Ek"
    assert "Hemlig" not in doc.model_dump_json()  # protected identity: never the address
    assert "Hemlig" not in fhir.note_text(note) and "Öberg" in fhir.note_text(note)
