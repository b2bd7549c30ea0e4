"""The introduction pages over HTTP: the overview and its CSV, starting an introduction, marking a
task done from its page and from the work item, the checklist editor; refusals in Swedish."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from kulisser.access_rights.models import IntroTemplateTask
from kulisser.db import Database
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.access_rights import intro_fixtures as fx
from tests.conftest import Client

START = date(2026, 12, 28)


def _intro(database: Database, world: factories.World) -> tuple[int, list[int]]:
    with database.session() as s:
        intro = fx.start(s, world, start_on=START)
        return intro.id, [t.id for t in intro.tasks]


def test_overview_shows_progress_and_csv(client_as: Client, database: Database,
                                         world: factories.World) -> None:
    intro_id, tasks = _intro(database, world)
    manager = client_as(world.manager_id)
    manager.post(f"/behorigheter/introduktion/uppgifter/{tasks[0]}/klar", data={"note": "Ok"},
                 follow_redirects=False)
    page = manager.get("/behorigheter/introduktion")
    assert page.status_code == 200
    row = re.search(rf'<tr data-introduction="{intro_id}".*?</tr>', page.text, re.S)
    assert row is not None
    assert '<td data-phase="before">1/3</td>' in row.group(0)
    assert "1/9" in row.group(0)
    csv = manager.get("/behorigheter/introduktion.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nyanställd;Rollprofil;Första dag;Handledare;Före första dagen")
    assert any(";2026-12-28;" in line and ";1/3;" in line for line in lines[1:])


def test_a_clinician_is_refused_the_overview_in_swedish(client_as: Client,
                                                         world: factories.World) -> None:
    page = client_as(world.clinician_id).get("/behorigheter/introduktion")
    assert page.status_code == 403
    assert "sekreterare och enhetschef" in page.text


def test_start_from_the_form_and_mark_done_on_the_page(client_as: Client, database: Database,
                                                       world: factories.World) -> None:
    with database.session() as s:
        profile_id = fx.profile(s, world).id
        person_id = fx.newcomer(s, world).id
    secretary = client_as(world.secretary_id)
    form = secretary.get(f"/behorigheter/introduktion/ny?person_id={person_id}")
    assert form.status_code == 200 and f'value="{person_id}" selected' in form.text
    bad = secretary.post("/behorigheter/introduktion/ny", data={
        "person_id": str(person_id), "profile_id": str(profile_id), "start_on": "i morgon"})
    assert bad.status_code == 422 and "ÅÅÅÅ-MM-DD" in bad.text and 'value="i morgon"' in bad.text
    done = secretary.post("/behorigheter/introduktion/ny", data={
        "person_id": str(person_id), "profile_id": str(profile_id), "start_on": "2026-12-28",
        "mentor_id": str(world.secretary2_id)}, follow_redirects=False)
    assert done.status_code == 303
    page = secretary.get(done.headers["location"])
    assert page.status_code == 200 and "2026-12-23" in page.text
    task = re.search(r'id="uppgift-(\d+)"', page.text)
    assert task is not None
    empty = secretary.post(f"/behorigheter/introduktion/uppgifter/{task.group(1)}/klar",
                           data={"note": " "})
    assert empty.status_code == 422 and "Skriv en anteckning" in empty.text
    ok = secretary.post(f"/behorigheter/introduktion/uppgifter/{task.group(1)}/klar",
                        data={"note": "Beställt i portalen"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith(f"#uppgift-{task.group(1)}")
    again = secretary.get(ok.headers["location"].split("#")[0])
    assert "Beställt i portalen" in again.text and "1/9" in again.text


def test_done_from_the_work_item_page(client_as: Client, database: Database,
                                      world: factories.World) -> None:
    intro_id, tasks = _intro(database, world)
    with database.session() as s:
        item = s.scalar(select(WorkItem).where(WorkItem.kind == "intro-task",
                                               WorkItem.ref_id == tasks[1]))
        assert item is not None
        item_id = item.id
    secretary = client_as(world.secretary_id)
    page = secretary.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    assert f'action="/behorigheter/introduktion/uppgifter/{tasks[1]}/klar"' in page.text
    # The worklist's own "complete" is refused: the task is done with a note.
    refused = secretary.post(f"/api/v1/work-items/{item_id}/complete", json={})
    assert refused.status_code == 409 and "introduktionens sida" in refused.json()["detail"]
    ok = secretary.post(f"/behorigheter/introduktion/uppgifter/{tasks[1]}/klar",
                        data={"note": "Klart", "tillbaka": f"/arenden/{item_id}"},
                        follow_redirects=False)
    assert ok.headers["location"] == f"/arenden/{item_id}"
    elsewhere = secretary.post(f"/behorigheter/introduktion/uppgifter/{tasks[2]}/klar",
                               data={"note": "Klart", "tillbaka": "https://evil.example/"},
                               follow_redirects=False)
    assert elsewhere.headers["location"].startswith(f"/behorigheter/introduktion/{intro_id}")
    with database.session() as s:
        assert s.get(WorkItem, item_id).status == "completed"  # type: ignore[union-attr]
    link = secretary.get(f"/behorigheter/introduktion/uppgifter/{tasks[1]}", follow_redirects=False)
    assert link.headers["location"] == f"/behorigheter/introduktion/{intro_id}#uppgift-{tasks[1]}"


def test_the_manager_edits_a_checklist(client_as: Client, database: Database,
                                       world: factories.World) -> None:
    with database.session() as s:
        profile_id = fx.profile(s, world, checklist=False).id
    manager = client_as(world.manager_id)
    base = f"/behorigheter/introduktion/checklistor/{profile_id}"
    empty = manager.get(base)
    assert empty.status_code == 200 and "Använd standardchecklistan" in empty.text
    assert manager.post(f"{base}/standard", follow_redirects=False).status_code == 303
    assert manager.post(f"{base}/standard").status_code == 422  # only for a profile without one
    bad = manager.post(base, data={"phase": "first_week", "title": " ", "owner": "mentor"})
    assert bad.status_code == 422 and "Skriv uppgiften" in bad.text
    manager.post(base, data={"phase": "first_week", "title": "Lunch med teamet", "owner": "mentor"})

    def titles(phase: str) -> list[str]:
        with database.session() as s:
            rows = s.scalars(select(IntroTemplateTask).where(
                IntroTemplateTask.profile_id == profile_id, IntroTemplateTask.phase == phase)
                .order_by(IntroTemplateTask.position, IntroTemplateTask.id))
            return [r.title for r in rows]

    assert titles("first_week")[-1] == "Lunch med teamet"
    with database.session() as s:
        lunch = s.scalar(select(IntroTemplateTask.id).where(
            IntroTemplateTask.profile_id == profile_id, IntroTemplateTask.title == "Lunch med teamet"))
    move = f"/behorigheter/introduktion/checklistor/uppgifter/{lunch}/flytta"
    manager.post(move, data={"direction": "up"})
    assert titles("first_week").index("Lunch med teamet") == 1
    manager.post(move, data={"direction": "up"})
    manager.post(move, data={"direction": "up"})  # already first: stays
    assert titles("first_week")[0] == "Lunch med teamet"
    manager.post(f"/behorigheter/introduktion/checklistor/uppgifter/{lunch}",
                 data={"phase": "first_day", "title": "Lunch med hela teamet", "owner": "manager"})
    assert titles("first_day")[-1] == "Lunch med hela teamet"
    manager.post(f"/behorigheter/introduktion/checklistor/uppgifter/{lunch}/ta-bort")
    assert "Lunch med hela teamet" not in titles("first_day")
    listing = manager.get("/behorigheter/introduktion/checklistor")
    assert listing.status_code == 200 and f'data-profile="{profile_id}"' in listing.text


def test_a_secretary_may_not_edit_a_checklist(client_as: Client, database: Database,
                                              world: factories.World) -> None:
    with database.session() as s:
        profile_id = fx.profile(s, world).id
        before = len(list(s.scalars(select(IntroTemplateTask).where(
            IntroTemplateTask.profile_id == profile_id))))
    secretary = client_as(world.secretary_id)
    refused = secretary.post(f"/behorigheter/introduktion/checklistor/{profile_id}",
                             data={"phase": "first_day", "title": "X", "owner": "mentor"})
    assert refused.status_code == 403 and "enhetschef" in refused.text
    with database.session() as s:
        assert len(list(s.scalars(select(IntroTemplateTask).where(
            IntroTemplateTask.profile_id == profile_id)))) == before


def test_the_introduction_page_lists_the_phases_in_order(client_as: Client, database: Database,
                                                          world: factories.World) -> None:
    intro_id, _tasks = _intro(database, world)
    page = client_as(world.manager_id).get(f"/behorigheter/introduktion/{intro_id}")
    assert page.status_code == 200
    heads = re.findall(r"<h2>([^<]+?)(?: <small|</h2>)", page.text)
    assert heads == ["Före första dagen", "Första dagen", "Första veckan", "Första månaden"]
    assert "0/9" in page.text and "Pågår" in page.text
