"""A visit type says which kind of wait it ends; booking from an entry offers that type first."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.db import Database
from kulisser.errors import ValidationFailed
from kulisser.waitlist import service as waitlist
from tests import factories
from tests.booking.helpers import NOW


def test_a_visit_type_keeps_its_kind_of_wait_and_refuses_an_unknown_one(
        db: Session, world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    made = booking.create_visit_type(db, actor=actor, code=factories.unique("ny").lower(),
                                     name="Nybesök", minutes=30, wait_kind="first_visit")
    plain = booking.create_visit_type(db, actor=actor, code=factories.unique("sp").lower(),
                                      name="Spirometri", minutes=30, wait_kind="")
    assert (made.wait_kind, plain.wait_kind) == ("first_visit", None)
    with pytest.raises(ValidationFailed) as exc:
        booking.create_visit_type(db, actor=actor, code=factories.unique("x").lower(),
                                  name="Okänd", minutes=30, wait_kind="surgery")
    assert set(exc.value.errors) == {"wait_kind"}


def test_the_api_takes_and_returns_the_kind_of_wait(secretary_client: TestClient) -> None:
    ok = secretary_client.post("/api/v1/visit-types", json={
        "code": factories.unique("ab").lower(), "name": "Återbesök", "minutes": 20,
        "wait_kind": "follow_up"})
    assert ok.status_code == 201 and ok.json()["wait_kind"] == "follow_up"
    listed = {v["id"]: v["wait_kind"] for v in secretary_client.get("/api/v1/visit-types").json()}
    assert listed[ok.json()["id"]] == "follow_up"
    bad = secretary_client.post("/api/v1/visit-types", json={
        "code": factories.unique("ab").lower(), "name": "Fel", "minutes": 20, "wait_kind": "x"})
    assert bad.status_code == 422 and "wait_kind" in bad.text


def _selected(html: str) -> str | None:
    select = re.search(r'<select id="f-visit_type_id".*?</select>', html, re.S)
    assert select is not None
    chosen = re.search(r'<option value="([^"]*)" selected', select.group(0))
    return chosen.group(1) if chosen else None


def test_searching_from_an_entry_preselects_the_visit_type_for_its_wait(
        secretary_client: TestClient, database: Database, world: factories.World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        # Named so that the matching types are not first by name: the choice is by kind.
        booking.create_visit_type(s, actor=actor, code=factories.unique("a").lower(),
                                  name="A-spirometri", minutes=30)
        first = booking.create_visit_type(s, actor=actor, code=factories.unique("n").lower(),
                                          name="B-nybesök", minutes=30, wait_kind="first_visit")
        follow = booking.create_visit_type(s, actor=actor, code=factories.unique("r").lower(),
                                           name="C-återbesök", minutes=20, wait_kind="follow_up")
        entries = {kind: waitlist.add_entry(
            s, actor=actor, patient_id=world.patient_ids[n], wait_kind=kind,
            clock_start=date(2026, 12, 1), now=NOW,
            medical_target_date=date(2027, 3, 1) if kind == "follow_up" else None).id
            for n, kind in enumerate(("first_visit", "follow_up", "treatment"))}
        s.commit()
    page = secretary_client.get(f"/tidbok/sok?entry_id={entries['first_visit']}")
    assert page.status_code == 200 and _selected(page.text) == str(first.id)
    assert _selected(secretary_client.get(f"/tidbok/sok?entry_id={entries['follow_up']}").text) \
        == str(follow.id)
    # No visit type ends a treatment wait here: all types are searched.
    assert _selected(secretary_client.get(f"/tidbok/sok?entry_id={entries['treatment']}").text) is None
    # The secretary chose "Alla" in the form: her choice stands.
    chosen = secretary_client.get(f"/tidbok/sok?entry_id={entries['first_visit']}&visit_type_id=")
    assert _selected(chosen.text) is None


def test_the_schedule_page_adds_a_visit_type_with_its_kind_of_wait(
        secretary_client: TestClient, database: Database, world: factories.World) -> None:
    page = secretary_client.get("/tidbok/scheman")
    csrf = factories.csrf_from(page.text)
    code = factories.unique("nyb").lower()
    bad = secretary_client.post("/tidbok/scheman/besokstyp", data={
        "code": code, "title": "Nybesök", "minutes": "30", "wait_kind": "okand", "csrf_token": csrf})
    assert bad.status_code == 422 and 'id="e-wait_kind"' in bad.text and 'value="Nybesök"' in bad.text
    ok = secretary_client.post("/tidbok/scheman/besokstyp", data={
        "code": code, "title": "Nybesök", "minutes": "30", "wait_kind": "first_visit",
        "csrf_token": csrf})
    assert ok.status_code == 200 and "avslutar väntan på nybesök" in ok.text
    with database.session() as s:
        made = next(v for v in booking.visit_types(s, unit_id=world.unit_id) if v.code == code)
        assert made.wait_kind == "first_visit"
