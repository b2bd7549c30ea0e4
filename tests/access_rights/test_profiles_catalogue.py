"""The catalogue's operations: the default systems, a unit's own, profiles and their systems,
analyses checked before anything is stored, who may change what, the list due for review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue, catalogue_systems
from kulisser.access_rights import service as access
from kulisser.audit.models import AuditEvent
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.staff.service import Role
from tests import factories
from tests.access_rights import profiles_fixtures as pf

TODAY = date(2026, 12, 5)
DAY = timedelta(days=1)


def test_a_unit_starts_with_the_default_catalogue_and_adds_its_own(
        db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    secretary = factories.actor(db, world.secretary_id)
    found = catalogue_systems.systems(db, actor=secretary, unit_id=world.unit_id)
    assert [s.code for s in found] == [code for code, *_rest in access.DEFAULT_SYSTEMS]
    added = catalogue_systems.add_system(db, actor=manager, unit_id=world.unit_id, name=" Röntgen  RIS ",
                                 carried_by="IT-avdelningen")
    assert (added.name, added.code, added.position) == ("Röntgen RIS", "", len(found))
    with pytest.raises(ValidationFailed) as twice:
        catalogue_systems.add_system(db, actor=manager, unit_id=world.unit_id, name="röntgen ris")
    assert twice.value.errors == {"name": "Enheten har redan ett system med det namnet."}
    with pytest.raises(ValidationFailed) as empty:
        catalogue_systems.add_system(db, actor=manager, unit_id=world.unit_id, name="  ")
    assert empty.value.errors == {"name": "Ange systemets namn."}
    with pytest.raises(Forbidden):
        catalogue_systems.add_system(db, actor=secretary, unit_id=world.unit_id, name="Annat")


def test_rename_deactivate_and_reorder(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    first, second, *rest = catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id)
    catalogue_systems.update_system(db, actor=manager, system_id=second.id, name="SITHS-kort (eID)",
                            carried_by="Servicedesk", task_label="Beställ kort")
    assert (second.name, second.carried_by, second.task_label) == (
        "SITHS-kort (eID)", "Servicedesk", "Beställ kort")
    with pytest.raises(ValidationFailed):
        catalogue_systems.update_system(db, actor=manager, system_id=second.id, name=first.name)
    catalogue_systems.move_system(db, actor=manager, system_id=second.id, up=True)
    assert [s.id for s in catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id)][:2] == [
        second.id, first.id]
    catalogue_systems.move_system(db, actor=manager, system_id=second.id, up=True)  # first already
    assert catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id)[0].id == second.id
    wanted = [s.id for s in reversed(catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id))]
    catalogue_systems.reorder_systems(db, actor=manager, unit_id=world.unit_id, system_ids=wanted)
    assert [s.id for s in catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id)] == wanted
    with pytest.raises(ValidationFailed):
        catalogue_systems.reorder_systems(db, actor=manager, unit_id=world.unit_id, system_ids=wanted[1:])
    catalogue_systems.set_system_active(db, actor=manager, system_id=rest[0].id, active=False)
    assert not rest[0].active


def test_another_units_system_or_profile_is_not_found_and_the_refusal_logged(
        db: Session, world: factories.World) -> None:
    p = pf.profile(db, world)
    stranger = factories.actor(db, factories.make_user(db, world.other_unit_id, Role.MANAGER).id)
    system = access.ensure_systems(db, unit_id=world.unit_id)[0]
    from kulisser.audit.service import DeniedNotFound

    with pytest.raises(DeniedNotFound):
        catalogue.get_profile(db, actor=stranger, profile_id=p.id)
    with pytest.raises(DeniedNotFound):
        catalogue_systems.update_system(db, actor=stranger, system_id=system.id, name="Mitt")
    with pytest.raises(Forbidden):
        catalogue.profiles(db, actor=stranger, unit_id=world.unit_id)


def test_profile_systems_come_from_the_units_catalogue(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    p = pf.profile(db, world, systems=0)
    systems = catalogue_systems.systems(db, actor=manager, unit_id=world.unit_id)
    catalogue.set_profile_systems(db, actor=manager, profile_id=p.id,
                                  systems={systems[3].id: "Sjuksköterska", systems[0].id: ""})
    assert [(line.system_id, line.access_profile) for line in p.systems] == [
        (systems[0].id, ""), (systems[3].id, "Sjuksköterska")]
    other = access.ensure_systems(db, unit_id=world.other_unit_id)[0]
    with pytest.raises(ValidationFailed) as foreign:
        catalogue.set_profile_systems(db, actor=manager, profile_id=p.id,
                                      systems={other.id: "x"})
    assert foreign.value.errors == {"systems": "Välj system ur enhetens katalog."}
    catalogue_systems.set_system_active(db, actor=manager, system_id=systems[5].id, active=False)
    with pytest.raises(ValidationFailed):
        catalogue.set_profile_systems(db, actor=manager, profile_id=p.id,
                                      systems={systems[5].id: ""})
    # A system deactivated after it was chosen may stay in the profile.
    catalogue_systems.set_system_active(db, actor=manager, system_id=systems[3].id, active=False)
    catalogue.set_profile_systems(db, actor=manager, profile_id=p.id,
                                  systems={systems[3].id: "Undersköterska"})
    assert [(line.system_id, line.access_profile) for line in p.systems] == [
        (systems[3].id, "Undersköterska")]


def test_profile_names_are_unique_per_unit_and_roles_are_kulissers(
        db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    p = pf.profile(db, world, name="Läkare, mottagningen")
    with pytest.raises(ValidationFailed) as twice:
        catalogue.create_profile(db, actor=manager, unit_id=world.unit_id,
                                 name="Läkare, mottagningen", kulisser_role="kung")
    assert set(twice.value.errors) == {"name", "kulisser_role"}
    changed = catalogue.update_profile(db, actor=manager, profile_id=p.id, name="Läkare, mott.",
                                       kulisser_role="clinician", description="Alla läkare")
    assert (changed.name, changed.kulisser_role) == ("Läkare, mott.", "clinician")
    with pytest.raises(Forbidden):
        catalogue.update_profile(db, actor=factories.actor(db, world.secretary_id),
                                 profile_id=p.id, name="Annat")


def test_an_analysis_is_checked_before_anything_is_stored(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    p = pf.profile(db, world)
    with pytest.raises(ValidationFailed) as bad:
        catalogue.add_analysis(db, actor=manager, profile_id=p.id, made_on="2026-13-01",
                               author="", next_review="", text="")
    assert bad.value.errors == {"made_on": "Ange ett datum som ÅÅÅÅ-MM-DD.",
                                "next_review": "Ange när analysen ska följas upp.",
                                "author": "Ange vem som gjorde analysen.",
                                "text": "Skriv analysen eller bifoga den som fil."}
    with pytest.raises(ValidationFailed) as order:
        catalogue.add_analysis(db, actor=manager, profile_id=p.id, made_on="2026-12-01",
                               author="Eva", next_review="2026-12-01", text="Bedömd")
    assert order.value.errors == {"next_review": "Uppföljningen ska ligga efter analysens datum."}
    with pytest.raises(Forbidden):
        catalogue.add_analysis(db, actor=factories.actor(db, world.secretary_id), profile_id=p.id,
                               made_on="2026-12-01", author="Eva", next_review="2027-06-01",
                               text="Bedömd")
    assert p.analyses == []
    row = catalogue.add_analysis(db, actor=manager, profile_id=p.id, made_on=TODAY,
                                 author=" Eva  Chef ", next_review="2027-06-01",
                                 text="Behov: journal.\r\nRisk: låg.")
    assert (row.author, row.text, row.created_by) == ("Eva Chef", "Behov: journal.\nRisk: låg.",
                                                      manager.user_id)


def test_the_manager_sees_the_profiles_due_for_review(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    missing = pf.profile(db, world, name=factories.unique("A saknas "))
    expired = pf.profile(db, world, name=factories.unique("B passerad "))
    pf.analysis(db, expired.id, made_on=TODAY - 400 * DAY, next_review=TODAY - 5 * DAY)
    soon = pf.profile(db, world, name=factories.unique("C snart "))
    pf.analysis(db, soon.id, made_on=TODAY - 300 * DAY, next_review=TODAY + 20 * DAY)
    fine = pf.profile(db, world, name=factories.unique("D aktuell "))
    pf.analysis(db, fine.id, made_on=TODAY - 10 * DAY, next_review=TODAY + 200 * DAY)
    inactive = pf.profile(db, world, name=factories.unique("E inaktiv "))
    catalogue.update_profile(db, actor=manager, profile_id=inactive.id, name=inactive.name,
                             active=False)
    due = catalogue.due_for_review(db, actor=manager, unit_id=world.unit_id, on=TODAY)
    assert [(r.profile.id, r.state) for r in due] == [
        (missing.id, "missing"), (expired.id, "expired"), (soon.id, "due_soon")]
    with pytest.raises(Forbidden):
        catalogue.due_for_review(db, actor=factories.actor(db, world.secretary_id),
                                 unit_id=world.unit_id, on=TODAY)
    assert not db.query(AuditEvent).filter(AuditEvent.user_id == manager.user_id).count()
