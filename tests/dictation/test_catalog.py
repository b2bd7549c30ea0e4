"""Note types (the seeded default set, a unit's own) and the unit's glossary."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kulisser.dictation import catalog
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from tests import factories


def test_the_migration_seeds_the_default_set(db: Session, world: factories.World) -> None:
    types = catalog.note_types(db, unit_id=world.unit_id)
    assert [(t.code, t.name, tuple(t.headings), t.loinc_code) for t in types] == [
        (code, name, headings, loinc) for code, name, headings, loinc in catalog.DEFAULT_NOTE_TYPES]
    visit = types[0]
    assert visit.template_text == "Anamnes:\n\nStatus:\n\nBedömning:\n\nÅtgärd:\n"


@pytest.mark.parametrize(("typed", "code"), [
    ("visit", "visit"), ("Besöksanteckning", "visit"), ("besoksanteckning", "visit"),
    ("EPIKRIS", "discharge"), ("remiss", "referral"), (" brev ", "letter")])
def test_note_types_are_found_by_code_or_swedish_name(db: Session, world: factories.World,
                                                      typed: str, code: str) -> None:
    found = catalog.find_note_type(db, unit_id=world.unit_id, value=typed)
    assert found is not None and found.code == code


def test_a_unit_adds_replaces_and_hides_note_types(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    with pytest.raises(Forbidden):
        catalog.save_note_type(db, actor=factories.actor(db, world.secretary_id), code="x",
                               name="X", headings=[])
    with pytest.raises(ValidationFailed) as caught:
        catalog.save_note_type(db, actor=manager, code="två ord", name="", headings=["a" * 61])
    assert set(caught.value.errors) == {"code", "name", "headings"}
    catalog.save_note_type(db, actor=manager, code="visit", name="Mottagningsbesök",
                           headings=["Kontaktorsak", "Bedömning", " "])
    catalog.save_note_type(db, actor=manager, code="letter", name="Brev", headings=[], active=False)
    catalog.save_note_type(db, actor=manager, code="intyg", name="Intyg", headings=["Intygas"])
    ours = {t.code: t for t in catalog.note_types(db, unit_id=world.unit_id)}
    assert set(ours) == {"visit", "discharge", "referral", "intyg"}
    assert ours["visit"].name == "Mottagningsbesök" and ours["visit"].headings == ["Kontaktorsak",
                                                                                    "Bedömning"]
    assert ours["visit"].loinc_code == "11506-3"  # kept from the default it replaces
    # Other units keep the default set.
    assert [t.code for t in catalog.note_types(db, unit_id=world.other_unit_id)] == [
        "visit", "discharge", "referral", "letter"]
    assert catalog.find_note_type(db, unit_id=world.unit_id, value="brev") is None


def test_the_glossary_is_per_unit_and_case_insensitive(db: Session, world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    first = catalog.add_term(db, actor=secretary, term="  Förmaks   flimmer ")
    assert first.term == "Förmaks flimmer"
    assert catalog.add_term(db, actor=secretary, term="förmaks flimmer").id == first.id
    catalog.add_term(db, actor=secretary, term="NSTEMI")
    assert [t.term for t in catalog.glossary(db, unit_id=world.unit_id)] == ["Förmaks flimmer",
                                                                           "NSTEMI"]
    assert catalog.glossary_keys(db, unit_id=world.unit_id) == {"förmaks flimmer", "nstemi"}
    assert catalog.glossary(db, unit_id=world.other_unit_id) == []
    with pytest.raises(ValidationFailed):
        catalog.add_term(db, actor=secretary, term="   ")
    stranger = factories.actor(db, factories.make_user(db, world.other_unit_id).id)
    with pytest.raises(NotFound):
        catalog.remove_term(db, actor=stranger, term_id=first.id)
    catalog.remove_term(db, actor=secretary, term_id=first.id)
    assert catalog.glossary_keys(db, unit_id=world.unit_id) == {"nstemi"}
