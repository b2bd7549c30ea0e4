"""The catalogue's history: every rename, (de)activation and change of a profile's systems is
recorded with who and what it was before, once, and shown on the profile's page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue, catalogue_systems
from kulisser.access_rights.catalogue_history import CatalogueEvent
from kulisser.access_rights.models import AccessCatalogueEvent
from kulisser.db import Database
from tests import factories
from tests.access_rights import profiles_fixtures as pf
from tests.conftest import Client


def _events(db: Session, unit_id: int) -> list[AccessCatalogueEvent]:
    return list(db.scalars(select(AccessCatalogueEvent).where(
        AccessCatalogueEvent.unit_id == unit_id).order_by(AccessCatalogueEvent.id)))


def test_every_catalogue_change_is_recorded_once_with_what_it_was(
        db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    profile = pf.profile(db, world, name="Läkare, mottagning", systems=2)
    first, second = (line.system for line in profile.systems)
    created = _events(db, world.unit_id)
    assert [(e.type, e.profile_id) for e in created] == [
        (CatalogueEvent.PROFILE_CREATED, profile.id), (CatalogueEvent.PROFILE_SYSTEMS, profile.id)]
    assert created[1].data["before"] == [] and len(created[1].data["after"]) == 2
    catalogue.update_profile(db, actor=manager, profile_id=profile.id, name="Läkare, mottagning 2",
                             kulisser_role="", description="", active=True)
    catalogue.update_profile(db, actor=manager, profile_id=profile.id, name="Läkare, mottagning 2",
                             kulisser_role="", description="", active=False)
    # Saving what is already there records nothing.
    catalogue.update_profile(db, actor=manager, profile_id=profile.id, name="Läkare, mottagning 2",
                             kulisser_role="", description="", active=False)
    catalogue.set_profile_systems(db, actor=manager, profile_id=profile.id,
                                  systems={first.id: "Läkare"})
    catalogue.set_profile_systems(db, actor=manager, profile_id=profile.id,
                                  systems={first.id: "Läkare"})
    catalogue_systems.update_system(db, actor=manager, system_id=second.id, name="SITHS (eID)",
                                    carried_by=second.carried_by, task_label=second.task_label)
    catalogue_systems.set_system_active(db, actor=manager, system_id=second.id, active=False)
    catalogue_systems.set_system_active(db, actor=manager, system_id=second.id, active=False)
    later = _events(db, world.unit_id)[2:]
    assert [e.type for e in later] == [
        CatalogueEvent.PROFILE_RENAMED, CatalogueEvent.PROFILE_DEACTIVATED,
        CatalogueEvent.PROFILE_SYSTEMS, CatalogueEvent.SYSTEM_RENAMED,
        CatalogueEvent.SYSTEM_DEACTIVATED]
    assert later[0].data == {"before": "Läkare, mottagning", "after": "Läkare, mottagning 2"}
    assert [row[0] for row in later[2].data["before"]] == [first.id, second.id]
    assert later[2].data["after"] == [[first.id, first.name, "Läkare"]]
    assert (later[3].system_id, later[3].profile_id) == (second.id, None)
    assert all(e.actor_id == world.manager_id for e in later)


def test_the_profile_page_shows_its_history(
        database: Database, world: factories.World, client_as: Client) -> None:
    with database.session() as s:
        profile = pf.profile(s, world, name="Undersköterska", systems=1)
        profile_id, system_id = profile.id, profile.systems[0].system_id
    manager = client_as(world.manager_id)
    assert manager.post(f"/behorigheter/profiler/{profile_id}", data={
        "name": "Undersköterska, avd 3", "kulisser_role": "", "description": "", "active": "1"},
        follow_redirects=False).status_code == 303
    assert manager.post(f"/behorigheter/system/{system_id}/aktiv", data={"active": "0"},
                        follow_redirects=False).status_code == 303
    page = manager.get(f"/behorigheter/profiler/{profile_id}").text
    history = page[page.index('id="catalogue-history"'):]
    assert "Rollprofilen bytte namn: Undersköterska → Undersköterska, avd 3" in history
    assert "Systemet inaktiverades" in history and "Rollprofilen skapades" in history
    assert history.index("Systemet inaktiverades") < history.index("Rollprofilen skapades")
