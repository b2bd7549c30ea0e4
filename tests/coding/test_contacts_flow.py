"""Where contacts come from and how coding closes them: a visit done, a signed note, by hand;
the checks keep the item open until the codes pass; a suggestion is never applied by itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit.service import AccessDenied
from kulisser.booking import service as booking
from kulisser.booking.models import Appointment
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.coding.helpers import coding_items, contacts_of, signed_note, started_visit


def _secretary(db: Session, world: factories.World) -> object:
    return factories.actor(db, world.secretary_id)


def test_a_visit_done_becomes_a_contact_with_a_coding_item(db: Session,
                                                           world: factories.World) -> None:
    patient = world.patient_ids[0]
    appt_id = started_visit(db, world, patient)
    actor = factories.actor(db, world.secretary_id)
    booking.fulfil(db, actor=actor, appointment_id=appt_id)
    appt = db.get(Appointment, appt_id)
    assert appt is not None and appt.status == "fulfilled"
    assert [e.type for e in appt.events][-1] == "fulfilled"
    [contact] = contacts_of(db, patient)
    assert (contact.source, contact.source_id, contact.kind, contact.must_code, contact.status) == (
        "visit", appt_id, "doctor_visit", True, "uncoded")
    assert contact.contact_date == workdays.local_today(appt.start_at)
    [item] = coding_items(db, contact.id)
    assert (item.status, item.unit_id, item.owner_id, item.patient_id) == (
        "requested", world.unit_id, None, patient)
    # A visit is done once; the refusal changes nothing.
    with pytest.raises(TransitionError):
        booking.fulfil(db, actor=actor, appointment_id=appt_id)
    assert len(contacts_of(db, patient)) == 1


def test_a_visit_yet_to_begin_cannot_be_done(db: Session, world: factories.World) -> None:
    patient = world.patient_ids[0]
    appt_id = started_visit(db, world, patient)
    appt = db.get(Appointment, appt_id)
    assert appt is not None
    appt.start_at = utcnow() + timedelta(hours=1)
    with pytest.raises(TransitionError):
        booking.fulfil(db, actor=factories.actor(db, world.secretary_id), appointment_id=appt_id)
    assert contacts_of(db, patient) == []


def test_a_signed_note_links_to_the_days_contact(db: Session, world: factories.World,
                                                  tmp_path: Path) -> None:
    patient = world.patient_ids[1]
    actor = factories.actor(db, world.secretary_id)
    today = workdays.local_today()
    contact = coding.create_contact(db, actor=actor, patient_id=patient, kind="doctor_visit",
                                    contact_date=today)
    d = signed_note(db, world, patient, "Anamnes: hypertension sedan flera år.", tmp_path)
    assert [c.id for c in contacts_of(db, patient)] == [contact.id]
    assert contact.note_id == d.id
    assert "hypertension" in (contact.note_words or [])
    assert [e.type for e in contact.events] == ["created", "note_linked"]
    assert len(coding_items(db, contact.id)) == 1  # still the one item


def test_a_signed_note_without_a_contact_makes_one(db: Session, world: factories.World,
                                                   tmp_path: Path) -> None:
    patient = world.patient_ids[2]
    d = signed_note(db, world, patient, "Epikris: pneumonia, behandlad.", tmp_path,
                    note_type="discharge")
    [contact] = contacts_of(db, patient)
    assert (contact.source, contact.source_id, contact.note_id, contact.kind) == (
        "note", d.id, d.id, "inpatient")
    assert contact.admitted_on == workdays.local_today()
    assert contact.clinician_id == world.clinician_id
    assert len(coding_items(db, contact.id)) == 1


def test_a_visit_done_after_its_note_is_the_same_contact(db: Session, world: factories.World,
                                                         tmp_path: Path) -> None:
    patient = world.patient_ids[0]
    appt_id = started_visit(db, world, patient)
    appt = db.get(Appointment, appt_id)
    assert appt is not None
    if workdays.local_today(appt.start_at) != workdays.local_today():
        pytest.skip("the visit began before midnight: its day is not the note's")
    signed_note(db, world, patient, "Besök: hypertension.", tmp_path)
    booking.fulfil(db, actor=factories.actor(db, world.secretary_id), appointment_id=appt_id)
    [contact] = contacts_of(db, patient)
    assert [e.type for e in contact.events][-1] == "visit_linked"
    assert len(coding_items(db, contact.id)) == 1


def test_an_error_keeps_the_item_open_and_the_fix_closes_it(db: Session,
                                                            world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="doctor_visit", contact_date=workdays.local_today())
    # J45 (asthma) is a category with subcodes: the check refuses it as a code.
    done = coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                            entries=[CodeEntry(role="main", code="J45")])
    assert [f.rule for f in done.result.errors] == ["non_terminal"]
    assert contact.status == "uncoded"
    [item] = coding_items(db, contact.id)
    assert item.status == "requested"
    with pytest.raises(TransitionError):
        coding.mark_coded(db, actor=actor, contact_id=contact.id, now=utcnow())
    done = coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                            entries=[CodeEntry(role="main", code="j45.9 "),
                                     CodeEntry(role="secondary", code="I10")])
    assert done.result.errors == []
    assert contact.status == "coded" and contact.coded_by_id == world.secretary_id
    assert [(c.role, c.code) for c in contact.codes] == [("main", "J459"), ("secondary", "I10")]
    assert item.status == "completed"


def test_a_missing_main_diagnosis_is_an_error(db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="inpatient", admitted_on=workdays.local_today())
    done = coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                            entries=[CodeEntry(role="secondary", code="I10")])
    assert "missing_main" in [f.rule for f in done.result.errors]
    assert contact.status == "uncoded"


def test_a_code_changed_after_coding_keeps_the_old_one_in_the_history(
        db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="doctor_visit", contact_date=workdays.local_today())
    coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I10")])
    assert contact.status == "coded"
    coding.set_codes(db, actor=actor, contact_id=contact.id, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I11.9")])
    last = contact.events[-1]
    assert (last.type, last.data["before"], last.data["after"]) == (
        "recoded", ["main:I10"], ["main:I11.9"])
    assert contact.status == "coded"
    # A change that fails the checks puts the contact back in the queue, with a new item.
    coding.set_codes(db, actor=actor, contact_id=contact.id, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I11")])
    assert contact.status == "uncoded"
    assert [i.status for i in coding_items(db, contact.id)] == ["completed", "requested"]


def test_a_phone_call_waits_for_nobody(db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="phone", contact_date=workdays.local_today())
    assert contact.must_code is False and coding_items(db, contact.id) == []


def test_bad_input_is_refused_with_nothing_stored(db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    today = workdays.local_today()
    with pytest.raises(ValidationFailed) as exc:
        coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0], kind="inpatient",
                              admitted_on=today, discharged_on=today - timedelta(days=1))
    assert "discharged_on" in exc.value.errors
    with pytest.raises(ValidationFailed):
        coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0], kind="visit",
                              contact_date=today)
    with pytest.raises(ValidationFailed):
        coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                              kind="doctor_visit", contact_date=today + timedelta(days=1))
    assert contacts_of(db, world.patient_ids[0]) == []
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="doctor_visit", contact_date=today)
    with pytest.raises(ValidationFailed):
        coding.set_codes(db, actor=actor, contact_id=contact.id, now=utcnow(),
                         entries=[CodeEntry(role="main", code="I10"),
                                  CodeEntry(role="main", code="J45.9")])
    with pytest.raises(ValidationFailed):
        coding.set_codes(db, actor=actor, contact_id=contact.id, now=utcnow(),
                         entries=[CodeEntry(role="main", code="<b>")])
    assert contact.codes == []


def test_another_units_contact_is_refused_and_logged(db: Session,
                                                     world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="doctor_visit", contact_date=workdays.local_today())
    stranger = factories.make_user(db, world.other_unit_id)
    with pytest.raises(AccessDenied) as refused:
        coding.get_contact(db, actor=factories.actor_for(stranger), contact_id=contact.id)
    # The denied row the request writes after its rollback.
    row = refused.value.row
    assert (row["object_type"], row["object_id"], row["outcome"], row["patient_id"]) == (
        "care_contact", str(contact.id), "denied", world.patient_ids[0])
