"""The patient's residence codes (county and municipality, issue 14): the check, the forms,
the API round trip and protected identity."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.patients import residence
from kulisser.patients.models import Patient
from tests import factories
from tests.factories import World
from tests.web.patient_form import registration_form
from tests.web.test_api_patients import api_token

# (county typed, municipality typed) -> (stored county, stored municipality, field in error)
CASES: list[tuple[str, str, str, str, str]] = [
    ("01", "0180", "01", "0180", ""),            # Stockholm
    ("14", "1480", "14", "1480", ""),            # Gothenburg in Västra Götaland
    (" 25 ", "25 84", "25", "2584", ""),         # spaces tidied: Kiruna
    ("", "1280", "12", "1280", ""),              # the county taken from the municipality
    ("09", "", "09", "", ""),                    # the county alone: the report will ask for more
    ("", "", "", "", ""),                        # unknown: allowed, listed apart in the report
    ("1", "", "", "", "county_code"),            # malformed county
    ("AB", "", "", "", "county_code"),
    ("02", "", "", "", "county_code"),           # no such county (02 is no longer used)
    ("01", "180", "", "", "municipality_code"),  # malformed municipality
    ("01", "01800", "", "", "municipality_code"),
    ("01", "O180", "", "", "municipality_code"),
    ("01", "1480", "", "", "municipality_code"),  # Gothenburg is not in Stockholms län
    ("", "0280", "", "", "municipality_code"),   # starts with no county's code
]


@pytest.mark.parametrize(("county", "municipality", "stored_county", "stored_municipality",
                          "field"), CASES)
def test_the_check_of_county_and_municipality(county: str, municipality: str, stored_county: str,
                                              stored_municipality: str, field: str) -> None:
    got_county, got_municipality, errors = residence.clean(county=county,
                                                           municipality=municipality)
    if field:
        assert list(errors) == [field] and errors[field]
    else:
        assert errors == {}
        assert (got_county, got_municipality) == (stored_county, stored_municipality)


def test_the_messages_say_what_is_wrong_in_swedish() -> None:
    assert "två siffror" in residence.clean(county="1", municipality="")[2]["county_code"]
    assert "02 är ingen länskod" in residence.clean(county="02", municipality="")[2]["county_code"]
    wrong = residence.clean(county="01", municipality="1480")[2]["municipality_code"]
    assert "1480" in wrong and "Stockholms län" in wrong
    assert "fyra siffror" in residence.clean(county="01", municipality="18")[2]["municipality_code"]
    assert len(residence.COUNTIES) == 21 and residence.county_name("14") == "Västra Götalands län"


@pytest.mark.parametrize(("county", "municipality", "stored_county", "stored_municipality",
                          "field"), CASES[:1] + CASES[3:4] + CASES[6:7] + CASES[8:10] + CASES[12:])
def test_the_registration_form_checks_the_codes(
        secretary_client: TestClient, database: Database, county: str, municipality: str,
        stored_county: str, stored_municipality: str, field: str) -> None:
    pnr = factories.new_personnummer()
    form = registration_form(pnr, factories.unique("Bosatt"), county_code=county,
                 municipality_code=municipality)
    r = secretary_client.post("/patienter/ny", data=form, follow_redirects=False)
    with database.session() as s:
        patient = s.scalar(select(Patient).where(Patient.id_value == pnr))
        if field:
            assert r.status_code == 422
            assert f'id="e-{field}"' in r.text and 'aria-invalid="true"' in r.text
            assert f'value="{municipality}"' in r.text  # the typed code is kept
            assert patient is None  # nothing half-stored
        else:
            assert r.status_code == 303
            assert patient is not None
            assert (patient.county_code, patient.municipality_code) == (
                stored_county, stored_municipality)


def test_the_edit_form_shows_and_changes_the_codes(secretary_client: TestClient,
                                                   database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    page = secretary_client.get(f"/patienter/{pid}/redigera")
    assert '<option value="01" selected>01 Stockholms län</option>' in page.text
    assert 'value="0180"' in page.text
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None
        form = {"given_name": p.given_name, "family_name": p.family_name, "address": p.address,
                "postal_code": p.postal_code, "city": p.city, "phone": p.phone}
    bad = secretary_client.post(f"/patienter/{pid}/redigera",
                                data={**form, "county_code": "01", "municipality_code": "1480"})
    assert bad.status_code == 422 and "ligger inte i Stockholms län" in bad.text
    ok = secretary_client.post(f"/patienter/{pid}/redigera", follow_redirects=False,
                               data={**form, "county_code": "14", "municipality_code": "1480"})
    assert ok.status_code == 303
    shown = secretary_client.get(f"/patienter/{pid}")
    assert "14 Västra Götalands län" in shown.text and "1480" in shown.text
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None and (p.county_code, p.municipality_code) == ("14", "1480")


def test_a_protected_patients_codes_are_not_shown_and_kept_when_left_empty(
        secretary_client: TestClient, database: Database, world: World) -> None:
    with database.session() as s:
        p = factories.make_patient(s, world.unit_id, protected=True, county="25",
                                   municipality="2584")
        pid, form = p.id, {"given_name": p.given_name, "family_name": p.family_name,
                           "phone": p.phone, "protected_identity": "1"}
        s.commit()
    assert "2584" not in secretary_client.get(f"/patienter/{pid}/redigera").text
    assert "2584" not in secretary_client.get(f"/patienter/{pid}").text
    r = secretary_client.post(f"/patienter/{pid}/redigera", data=form, follow_redirects=False)
    assert r.status_code == 303
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None and (p.county_code, p.municipality_code) == ("25", "2584")


@pytest.fixture()
def api(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """A client that calls the API as the world's secretary with a bearer token."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {api_token(database, world.secretary_id)}"
        yield c


def test_the_api_round_trip(api: TestClient, database: Database) -> None:
    body = {"identifier": factories.new_personnummer(), "given_name": "Sten",
            "family_name": factories.unique("Kod"), "care_reason": "seeks_care",
            "county_code": "12", "municipality_code": "1280"}
    made = api.post("/api/v1/patients", json=body)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    read = api.get(f"/api/v1/patients/{pid}").json()
    assert (read["county_code"], read["municipality_code"]) == ("12", "1280")
    # A change of the municipality alone must stay in the county; both together may move.
    wrong = api.patch(f"/api/v1/patients/{pid}", json={"municipality_code": "0180"})
    assert wrong.status_code == 422 and "municipality_code" in wrong.json()["errors"]
    moved = api.patch(f"/api/v1/patients/{pid}",
                      json={"county_code": "01", "municipality_code": "0180"})
    assert moved.status_code == 200
    assert (moved.json()["county_code"], moved.json()["municipality_code"]) == ("01", "0180")
    assert api.get(f"/api/v1/patients/{pid}").json()["municipality_code"] == "0180"
    cleared = api.patch(f"/api/v1/patients/{pid}", json={"county_code": "", "municipality_code": ""})
    assert (cleared.json()["county_code"], cleared.json()["municipality_code"]) == ("", "")


def test_the_api_refuses_bad_codes_with_the_field_named(api: TestClient,
                                                        database: Database) -> None:
    def count() -> int:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(Patient)) or 0

    before = count()
    base = {"identifier": factories.new_personnummer(), "given_name": "Sten",
            "family_name": "Fel", "care_reason": "seeks_care"}
    for codes, field in (({"county_code": "99"}, "county_code"),
                         ({"county_code": "01", "municipality_code": "1480"}, "municipality_code"),
                         ({"municipality_code": "12345678901"}, "municipality_code"),  # bounded
                         ({"county_code": 1}, "county_code")):
        r = api.post("/api/v1/patients", json={**base, **codes})
        assert r.status_code == 422 and field in r.json()["errors"], (codes, r.text)
    assert count() == before


def test_the_api_hides_a_protected_patients_codes(api: TestClient, database: Database,
                                                  world: World) -> None:
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, protected=True).id
        s.commit()
    read = api.get(f"/api/v1/patients/{pid}").json()
    assert read["county_code"] is None and read["municipality_code"] is None
