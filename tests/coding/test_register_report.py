"""The patient-register report (issue 14 item 5): the layout, and the round trip of a month:
written, read back, every reported contact present once, no contact with an error present."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit.models import AuditEvent
from kulisser.coding import codes
from kulisser.coding import register_layout as layout
from kulisser.coding import register_report as report
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.coding.models import ContactCode
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.patients.service import Patient
from tests import factories


def _last_month() -> date:
    return (workdays.local_today().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_the_header_names_every_field_once_and_a_line_has_as_many() -> None:
    names = layout.header().split(layout.SEPARATOR)
    assert names == [f.name for f in layout.FIELDS] and len(set(names)) == len(layout.FIELDS) == 15
    values = {f.name: "1" for f in layout.FIELDS}
    assert len(layout.line(values).split(layout.SEPARATOR)) == len(layout.FIELDS)
    with pytest.raises(layout.LayoutError):
        layout.line({**values, "HDIA": "I1;0"})  # a separator inside would shift every field
    with pytest.raises(layout.LayoutError):
        layout.line({**values, "PNR": ""})  # required
    with pytest.raises(layout.LayoutError):
        layout.parse("A;B\r\n")  # another layout's header


def _coded(db: Session, actor: object, patient: int, day: date, *codes: CodeEntry,
           kind: str = "doctor_visit", discharged: date | None = None) -> int:
    c = coding.create_contact(db, actor=actor, patient_id=patient, kind=kind,  # type: ignore[arg-type]
                              contact_date=None if kind == "inpatient" else day,
                              admitted_on=day if kind == "inpatient" else None,
                              discharged_on=discharged)
    if codes:
        coding.set_codes(db, actor=actor, contact_id=c.id, entries=list(codes),  # type: ignore[arg-type]
                         finish=True, now=utcnow())
    return c.id


def test_a_months_round_trip(db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    month = _last_month()
    p = world.patient_ids
    main = CodeEntry(role="main", code="J45.9")
    reported = {
        _coded(db, actor, p[0], month, main),
        _coded(db, actor, p[1], month + timedelta(days=3), main, CodeEntry(role="secondary", code="I10")),
        _coded(db, actor, p[2], month + timedelta(days=5), CodeEntry(role="main", code="I10")),
        # A stay admitted the month before, discharged in this one.
        _coded(db, actor, p[0], month - timedelta(days=2), main, kind="inpatient",
               discharged=month + timedelta(days=1)),
    }
    # Residence from the patient: one in Gothenburg; one without codes and one with the
    # county only are listed apart, not written half-filled.
    patient = db.get(Patient, p[2])
    assert patient is not None
    patient.county_code, patient.municipality_code = "14", "1480"
    homeless = factories.make_patient(db, world.unit_id, county="", municipality="").id
    county_only = factories.make_patient(db, world.unit_id, county="12", municipality="").id
    no_residence = _coded(db, actor, homeless, month + timedelta(days=4), main)
    half = _coded(db, actor, county_only, month + timedelta(days=4), main)
    uncoded = _coded(db, actor, p[1], month + timedelta(days=7))
    wrong = _coded(db, actor, p[2], month + timedelta(days=8), main)
    # The codes changed under a coded contact (a code table's change): now a duplicate.
    db.add(ContactCode(contact_id=wrong, system=codes.ICD10, code="I10", role="secondary", position=1))
    db.add(ContactCode(contact_id=wrong, system=codes.ICD10, code="I10", role="secondary", position=2))
    # Not this month's report: a phone call, the month before, another unit's, a stay not ended.
    _coded(db, actor, p[0], month + timedelta(days=2), main, kind="phone")
    _coded(db, actor, p[0], month - timedelta(days=3), main)
    _coded(db, actor, p[1], month + timedelta(days=9), main, kind="inpatient")
    db.flush()

    run = report.run_export(db, actor=actor, month=month)
    assert not any("memo" in str(k) for k in db.info)  # the lookups are remembered for one run only
    rows = layout.parse(run.content)
    ids = [int(r["KONTAKT_ID"]) for r in rows]
    assert sorted(ids) == sorted(reported) and len(ids) == len(set(ids))
    held = {h["contact_id"]: {e["rule"] for e in h["errors"]} for h in run.errors}
    assert held == {uncoded: {"missing_main", "not_coded"}, wrong: {"duplicate"},
                    no_residence: {"missing_residence"}, half: {"missing_residence"}}
    assert (run.reported, run.listed, run.version) == (4, 4, 1)
    by_patient = {r["PNR"]: (r["LAN"], r["KOMMUN"]) for r in rows}
    assert by_patient == {db.get(Patient, pid).id_value: codes_  # type: ignore[union-attr]
                          for pid, codes_ in ((p[0], ("01", "0180")), (p[1], ("01", "0180")),
                                              (p[2], ("14", "1480")))}
    assert run.sha256 == hashlib.sha256(run.content.encode()).hexdigest()
    stay = next(r for r in rows if r["KONTAKTTYP"] == layout.INPATIENT)
    assert (stay["INDATUM"], stay["UTDATUM"], stay["HDIA"]) == (
        layout.day(month - timedelta(days=2)), layout.day(month + timedelta(days=1)), "J459")
    two = next(r for r in rows if r["BDIA"])
    assert (two["HDIA"], two["BDIA"], two["UTDATUM"]) == ("J459", "I10", "")
    assert {r["KON"] for r in rows} <= {"1", "2"} and all(r["PNR"].isdigit() for r in rows)
    # Run again: the next version, the same file; one audit row per run.
    again = report.run_export(db, actor=actor, month=month)
    assert (again.version, again.sha256) == (2, run.sha256)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "register_export", AuditEvent.unit_id == world.unit_id,
        AuditEvent.action == "export")) == 2
    figures = {c.clinician_id: (c.total, c.coded) for c in report.completeness(
        db, unit_id=world.unit_id, month=month)}
    assert figures == {None: (8, 7)}


def test_a_month_not_ended_is_refused(db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(ValidationFailed):
        report.run_export(db, actor=actor, month=workdays.local_today().replace(day=1))
    for text in ("2026-13", "9999-12", "0000-01", "2026", "x"):
        with pytest.raises(ValidationFailed):
            report.parse_month(text)
    assert report.parse_month("202611") == report.parse_month(" 2026-11 ") == date(2026, 11, 1)
