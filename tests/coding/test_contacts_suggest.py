"""Suggestions from a signed note: title words and the unit's own history, explained, never
coded by themselves; taking one is counted per unit and month."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import service as coding
from kulisser.coding import suggest
from kulisser.coding.contact_codes import CodeEntry
from kulisser.db import utcnow
from tests import factories
from tests.coding.helpers import contacts_of, signed_note

NOTE = "Anamnes: känd hypertension. Bedömning: essential hypertension, välbehandlad."


def test_words_are_folded_distinct_and_without_filler() -> None:
    assert suggest.words("Patienten har Hypertension, HYPERTENSION och astma i två år.") == [
        "astma", "hypertension"]
    assert suggest.words("Kärlkramp och ÖDEM") == ["kärlkramp", "ödem"]


def test_a_note_gets_suggestions_and_no_code(db: Session, world: factories.World,
                                             tmp_path: Path) -> None:
    patient = world.patient_ids[0]
    signed_note(db, world, patient, NOTE, tmp_path)
    [contact] = contacts_of(db, patient)
    assert contact.suggestions, "the title words suggest codes"
    best = contact.suggestions[0]
    assert best.system == "icd10" and best.why["words"] == ["essential", "hypertension"]
    assert best.code == "I10"  # "Essential (primary) hypertension" has both words
    # Suggested, not coded: the contact has no code and still waits.
    assert contact.codes == [] and contact.status == "uncoded"
    assert not any(s.taken for s in contact.suggestions)


def test_taking_a_suggestion_is_counted(db: Session, world: factories.World,
                                        tmp_path: Path) -> None:
    actor = factories.actor(db, world.secretary_id)
    patient = world.patient_ids[1]
    signed_note(db, world, patient, NOTE, tmp_path)
    [contact] = contacts_of(db, patient)
    [before] = coding.suggestion_figures(db, unit_id=world.unit_id, today=workdays.local_today())
    assert before["taken"] == 0 and before["suggested"] == len(contact.suggestions)
    coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I10", from_suggestion=True)])
    taken = [s for s in contact.suggestions if s.taken]
    assert [(s.code, s.taken_at is not None) for s in taken] == [("I10", True)]
    assert contact.codes[0].from_suggestion is True
    [month] = coding.suggestion_figures(db, unit_id=world.unit_id, today=workdays.local_today())
    assert month["taken"] == 1
    assert month["suggested"] == len(contact.suggestions)
    assert month["share"] == round(month["taken"] / month["suggested"], 3)


def test_the_units_history_suggests_what_it_chose_for_similar_notes(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    actor = factories.actor(db, world.secretary_id)
    first, second = world.patient_ids[0], world.patient_ids[2]
    text = "Kontroll av förmaksflimmer. Waran fortsätter. Pulsen oregelbunden, hjärtfrekvens 88."
    signed_note(db, world, first, text, tmp_path)
    [coded] = contacts_of(db, first)
    coding.set_codes(db, actor=actor, contact_id=coded.id, finish=True, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I48.9")])
    signed_note(db, world, second, text + " Ingen blödning.", tmp_path)
    [contact] = contacts_of(db, second)
    from_history = {s.code: s for s in contact.suggestions if "notes" in s.why}
    assert "I489" in from_history
    assert from_history["I489"].why["notes"] == 1
    assert from_history["I489"].score > 0
    assert contact.codes == []
