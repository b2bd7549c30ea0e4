"""Letters as records: states, work items, protected identity, unit texts, access."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.audit.service import AccessDenied
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.letters import service, texts
from kulisser.letters.models import Letter, LetterTemplate
from kulisser.letters.states import LetterKind
from kulisser.patients.models import CareRelation
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.letters.conftest import Clinic, result_letter


def _items(db: Session, letter: Letter) -> list[tuple[str, str]]:
    return [(i.title, i.status) for i in worklist.items_for_ref(db, ref_type="letter", ref_id=letter.id)]


def test_a_letter_is_a_draft_with_a_letter_work_item_until_sent(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    letter = result_letter(db, w, w.patient_ids[0], ready=False)
    assert letter.status == "draft" and letter.route == "post"
    assert _items(db, letter) == [("Skicka provsvarsbrev", "requested")]
    item = worklist.items_for_ref(db, ref_type="letter", ref_id=letter.id)[0]
    assert item.kind == "letter" and item.patient_id == w.patient_ids[0]
    actor = factories.actor(db, w.secretary_id)
    service.act(db, actor=actor, letter_id=letter.id, op="ready")
    assert letter.status == "ready" and letter.ready_at is not None
    assert _items(db, letter) == [("Skicka provsvarsbrev", "requested")]
    service.act(db, actor=actor, letter_id=letter.id, op="sent")
    assert letter.status == "sent" and letter.sent_at is not None
    assert _items(db, letter) == [("Skicka provsvarsbrev", "completed")]
    assert [e.type for e in letter.events] == ["created", "ready", "sent"]


def test_a_returned_letter_asks_for_the_address_again(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    letter = result_letter(db, w, w.patient_ids[0])
    actor = factories.actor(db, w.secretary_id)
    service.act(db, actor=actor, letter_id=letter.id, op="sent")
    with pytest.raises(TransitionError, match="orsak"):
        service.act(db, actor=actor, letter_id=letter.id, op="returned")
    service.act(db, actor=actor, letter_id=letter.id, op="returned", reason="Okänd adress")
    assert letter.status == "returned"
    assert ("Brev i retur – kontrollera adressen", "requested") in _items(db, letter)


def test_voiding_cancels_the_work_item_and_illegal_moves_are_refused(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    letter = result_letter(db, w, w.patient_ids[0])
    actor = factories.actor(db, w.secretary_id)
    service.act(db, actor=actor, letter_id=letter.id, op="cancel", reason="Fel patient")
    assert letter.status == "cancelled"
    assert _items(db, letter) == [("Skicka provsvarsbrev", "cancelled")]
    with pytest.raises(TransitionError) as caught:
        service.act(db, actor=actor, letter_id=letter.id, op="sent")
    assert "Makulerat" in caught.value.message
    with pytest.raises(TransitionError):
        service.act(db, actor=actor, letter_id=letter.id, op="nonsense")


def test_protected_identity_goes_by_forwarding_and_needs_no_address(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    hidden = factories.make_patient(db, w.unit_id, protected=True, address="Hemlig väg 7")
    letter = result_letter(db, w, hidden.id)
    assert letter.route == "forwarding" and letter.status == "ready"
    homeless = factories.make_patient(db, w.unit_id, address="")
    draft = result_letter(db, w, homeless.id)  # asked to be ready, but it cannot go by post
    assert draft.status == "draft"
    item = worklist.items_for_ref(db, ref_type="letter", ref_id=draft.id)[0]
    assert "adress saknas" in item.description
    with pytest.raises(TransitionError) as caught:
        service.act(db, actor=factories.actor(db, w.secretary_id), letter_id=draft.id, op="ready")
    assert caught.value.code == "address_missing"


def test_a_patient_protected_later_is_forwarded_too(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    patient = factories.make_patient(db, w.unit_id)
    letter = result_letter(db, w, patient.id)
    assert service.route_of(letter, patient).value == "post"
    patient.protected_identity = True
    assert service.route_of(letter, patient).value == "forwarding"


def test_a_hand_written_letter_needs_its_fields(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    actor = factories.actor(db, w.secretary_id)
    with pytest.raises(ValidationFailed) as caught:
        service.create_letter(db, actor=actor, patient_id=w.patient_ids[0], kind="referral_reply",
                              fields={"meddelande": "Välkommen"})
    assert caught.value.errors == {"mottagare": "Fyll i fältet."}
    with pytest.raises(ValidationFailed):
        service.create_letter(db, actor=actor, patient_id=w.patient_ids[0], kind="nonsense")
    reply = service.create_letter(db, actor=actor, patient_id=w.patient_ids[0], kind="referral_reply",
                                  fields={"mottagare": "VC Norr", "meddelande": "Kallas", "x": "y"})
    assert set(reply.fields) == {"mottagare", "mottagare_adress", "remiss_datum", "meddelande"}


def test_only_a_draft_can_be_edited_and_its_text_is_checked(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    actor = factories.actor(db, w.secretary_id)
    letter = result_letter(db, w, w.patient_ids[0])
    with pytest.raises(TransitionError):
        service.edit_letter(db, actor=actor, letter_id=letter.id, subject="Svar", body="Hej")
    service.act(db, actor=actor, letter_id=letter.id, op="draft")
    with pytest.raises(ValidationFailed) as caught:
        service.edit_letter(db, actor=actor, letter_id=letter.id, subject="Svar", body="Hej {{ vem }}")
    assert "Okänt fält" in caught.value.errors["body"]
    service.edit_letter(db, actor=actor, letter_id=letter.id, subject="Svar", body="Hej {{ fornamn }}!",
                        fields={"meddelande": "Ny text", "undersokning": "prover"})
    assert letter.body_template == "Hej {{ fornamn }}!" and letter.fields["meddelande"] == "Ny text"
    assert letter.events[-1].type == "edited"


def test_the_units_own_text_is_used_and_only_managers_change_it(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    secretary, boss = factories.actor(db, w.secretary_id), factories.actor(db, w.manager_id)
    with pytest.raises(Forbidden):
        texts.save_text(db, actor=secretary, kind="result", subject="S", body="B")
    with pytest.raises(ValidationFailed):
        texts.save_text(db, actor=boss, kind="result", subject="Svar", body="{% if %}")
    assert db.scalar(select(func.count()).select_from(LetterTemplate)
                     .where(LetterTemplate.unit_id == w.unit_id)) == 0
    texts.save_text(db, actor=boss, kind="result", subject="Provsvar från oss",
                    body="Hej {{ fornamn }}, {{ meddelande }}")
    letter = result_letter(db, w, w.patient_ids[0])
    assert letter.subject_template == "Provsvar från oss"
    # Another unit keeps the default.
    other = factories.make_user(db, w.other_unit_id, Role.SECRETARY)
    theirs = service.create_letter(db, actor=factories.actor_for(other), patient_id=w.stranger_patient_id,
                                   kind="result", fields={"undersokning": "x", "meddelande": "y"})
    assert theirs.subject_template == "Svar på {{ undersokning }}"
    texts.reset_text(db, actor=boss, kind="result")
    assert texts.unit_text(db, unit_id=w.unit_id, kind=LetterKind.RESULT)[0] == "Svar på {{ undersokning }}"


def test_other_units_letters_are_not_found_and_strangers_are_denied(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    letter = result_letter(db, w, w.patient_ids[0])
    outsider = factories.actor_for(factories.make_user(db, w.other_unit_id, Role.SECRETARY))
    with pytest.raises(AccessDenied):  # no care relation: refused (and logged as denied)
        service.get_letter(db, actor=outsider, letter_id=letter.id)
    db.add(CareRelation(unit_id=w.other_unit_id, patient_id=w.patient_ids[0]))
    db.flush()
    with pytest.raises(NotFound):  # cares for the patient too, but the letter is not theirs
        service.get_letter(db, actor=outsider, letter_id=letter.id)
    with pytest.raises(AccessDenied):
        service.create_letter(db, actor=factories.actor(db, w.secretary_id),
                              patient_id=w.stranger_patient_id, kind="result",
                              fields={"undersokning": "x", "meddelande": "y"})
    n = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.patient_id == w.patient_ids[0], AuditEvent.object_type == "letter",
        AuditEvent.action == "create"))
    assert n and n >= 1
