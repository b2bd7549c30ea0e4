"""The catalogue over HTTP: the pages and forms in Swedish, the analysis' file (stored by
content, checked, downloadable by the unit), the list due for review and the CSVs."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from kulisser.access_rights.analysis_files import MAX_BYTES
from kulisser.access_rights.models import RiskAnalysis, RoleProfile
from kulisser.db import Database
from kulisser.staff.service import local_today
from tests import factories
from tests.access_rights import profiles_fixtures as pf
from tests.conftest import Client

TODAY = local_today()
DAY = timedelta(days=1)


def _profile(database: Database, world: factories.World, **kw: object) -> int:
    with database.session() as s:
        return pf.profile(s, world, **kw).id  # type: ignore[arg-type]


def _analysis_form(**over: str) -> dict[str, str]:
    return {"made_on": TODAY.isoformat(), "author": "Eva Chef",
            "next_review": (TODAY + 365 * DAY).isoformat(), "text": "", **over}


def _store(app: FastAPI) -> Path:
    return Path(app.state.settings.data_dir) / "access_rights"


def _stored_files(app: FastAPI) -> list[Path]:
    root = _store(app)
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def test_a_manager_makes_a_profile_chooses_systems_and_documents_the_analysis_with_a_file(
        app: FastAPI, database: Database, world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    made = manager.post("/behorigheter/profiler", data={
        "name": "Sjuksköterska, avdelning 12", "kulisser_role": "secretary", "description": ""},
        follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    profile_id = int(url.rsplit("/", 1)[1])
    page = manager.get(url)
    assert "saknar behovs- och riskanalys och kan inte beställas" in page.text
    systems = re.findall(r'name="system" value="(\d+)"', page.text)
    assert len(systems) == 8
    chosen = manager.post(f"{url}/system", data={
        "system": systems[:3], f"access_{systems[2]}": "Sjuksköterska avd 12"},
        follow_redirects=False)
    assert chosen.status_code == 303
    saved = manager.post(f"{url}/analyser", data=_analysis_form(text="Behov: journal, telefoni."),
                         files={"file": ("Analys 2026.pdf", pf.PDF, "application/pdf")},
                         follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    page = manager.get(url)
    assert "Kan beställas</dt><dd>Ja" in page.text
    assert "Sjuksköterska avd 12" in page.text and "Behov: journal, telefoni." in page.text
    link = re.search(rf'href="(/behorigheter/profiler/{profile_id}/analyser/\d+/fil)"', page.text)
    assert link and "Analys 2026.pdf" in page.text
    sha = hashlib.sha256(pf.PDF).hexdigest()
    assert _store(app) / sha[:2] / sha[2:4] / sha in _stored_files(app)
    secretary = client_as(world.secretary_id)
    got = secretary.get(link.group(1))
    assert got.status_code == 200 and got.content == pf.PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment")
    with database.session() as s:
        row = s.scalar(select(RiskAnalysis).where(RiskAnalysis.profile_id == profile_id))
        assert row is not None and row.created_by == world.manager_id
        assert (row.file_name, row.file_sha256) == ("Analys 2026.pdf", sha)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("tom.pdf", b"", "är tom"),
    ("stor.pdf", b"%PDF-" + b"0" * MAX_BYTES, "är för stor; högst 10 MB"),
    ("bild.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "är inte en giltig PDF-fil"),
    ("program.exe", b"MZ" + b"0" * 100, "endast PDF, DOCX, ODT eller TXT"),
    ("text.txt", "åäö".encode("latin-1"), "är inte en giltig TXT-fil"),
    ("falsk.docx", pf.odt(), "är inte en giltig DOCX-fil"),
    ("falsk.odt", pf.docx(), "är inte en giltig ODT-fil"),
], ids=["empty", "too-large", "png-as-pdf", "exe", "latin1-txt", "odt-as-docx", "docx-as-odt"])
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_stored(
        app: FastAPI, database: Database, world: factories.World, client_as: Client,
        name: str, content: bytes, message: str) -> None:
    profile_id = _profile(database, world)
    before = set(_stored_files(app))
    answer = client_as(world.manager_id).post(
        f"/behorigheter/profiler/{profile_id}/analyser", data=_analysis_form(text="Typad text"),
        files={"file": (name, content, "application/octet-stream")})
    assert answer.status_code == 422
    assert message in answer.text
    assert "Typad text" in answer.text  # what was typed is kept
    assert set(_stored_files(app)) == before
    assert not [p for p in (_store(app) / "tmp").iterdir()]
    with database.session() as s:
        assert s.scalar(select(RiskAnalysis).where(RiskAnalysis.profile_id == profile_id)) is None


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("analys.docx", pf.docx(), "wordprocessingml"),
    ("analys.odt", pf.odt(), "opendocument.text"),
    ("analys.txt", "Behov och risker: låga.".encode(), "text/plain"),
])
def test_docx_odt_and_txt_are_taken_and_sent_back_as_they_came(
        app: FastAPI, database: Database, world: factories.World, client_as: Client,
        name: str, content: bytes, kind: str) -> None:
    profile_id = _profile(database, world)
    api = client_as(world.manager_id)
    made = api.post(f"/api/v1/access-profiles/{profile_id}/analyses", data=_analysis_form(),
                    files={"file": (name, content, "application/octet-stream")})
    assert made.status_code == 201, made.text
    [analysis] = made.json()["analyses"]
    assert analysis["file_name"] == name and analysis["current"] is True
    got = api.get(analysis["file_url"])
    assert got.status_code == 200 and got.content == content
    assert kind in got.headers["content-type"]


def test_a_secretary_reads_the_catalogue_but_may_not_change_it(
        database: Database, world: factories.World, client_as: Client) -> None:
    profile_id = _profile(database, world)
    secretary = client_as(world.secretary_id)
    page = secretary.get(f"/behorigheter/profiler/{profile_id}")
    assert page.status_code == 200
    assert "Dokumentera en analys" not in page.text and 'name="system"' not in page.text
    assert "Ny rollprofil" not in secretary.get("/behorigheter/profiler").text
    assert "Lägg till system" not in secretary.get("/behorigheter/system").text
    refused = secretary.post(f"/behorigheter/profiler/{profile_id}/analyser",
                             data=_analysis_form(text="Försök"))
    assert refused.status_code == 403
    assert "Endast enhetschef eller administratör får göra detta." in refused.text
    assert secretary.post("/behorigheter/system", data={"name": "Eget"}).status_code == 403
    assert secretary.get("/behorigheter/profiler/analyser").status_code == 403
    api = secretary.post("/api/v1/access-profiles", json={"name": "Eget"})
    assert api.status_code == 403 and api.json()["error"] == "forbidden"
    with database.session() as s:
        assert s.get(RoleProfile, profile_id).analyses == []  # type: ignore[union-attr]


def test_the_page_warns_before_the_review_and_the_due_list_and_csv_show_it(
        database: Database, world: factories.World, client_as: Client) -> None:
    soon = _profile(database, world, name=factories.unique("Snart "))
    current = _profile(database, world, name=factories.unique("Aktuell "))
    with database.session() as s:
        pf.analysis(s, soon, made_on=TODAY - 300 * DAY, next_review=TODAY + 10 * DAY)
        pf.analysis(s, current, made_on=TODAY - 10 * DAY, next_review=TODAY + 300 * DAY)
    manager = client_as(world.manager_id)
    page = manager.get(f"/behorigheter/profiler/{soon}")
    due_day = (TODAY + 10 * DAY).isoformat()
    assert f"ska följas upp senast {due_day}, om 10 dagar" in page.text
    assert f'<dd id="next-review">{due_day}</dd>' in page.text
    assert "ska följas upp senast" not in manager.get(f"/behorigheter/profiler/{current}").text
    listed = manager.get("/behorigheter/profiler/analyser").text
    assert f'data-profile="{soon}"' in listed and f'data-profile="{current}"' not in listed
    rows = list(csv.reader(io.StringIO(
        manager.get("/behorigheter/profiler/analyser.csv").text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Rollprofil"
    assert [(r[4], r[6]) for r in rows[1:] if r[0].startswith("Snart ")] == [
        ("Ska följas upp snart", due_day)]
    assert not [r for r in rows[1:] if r[0].startswith("Aktuell ")]
    api = manager.get("/api/v1/access-profiles", params={"due_for_review": "true"}).json()
    assert soon in [p["id"] for p in api] and current not in [p["id"] for p in api]


def test_the_systems_page_adds_renames_deactivates_and_moves(
        world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    page = manager.get("/behorigheter/system")
    ids = re.findall(r'data-system="(\d+)"', page.text)
    assert len(ids) == 8 and "HSA-katalogen" in page.text
    bad = manager.post("/behorigheter/system", data={"name": "HSA-katalogen",
                                                     "carried_by": "Typat"})
    assert bad.status_code == 422
    assert "Enheten har redan ett system med det namnet." in bad.text and "Typat" in bad.text
    assert manager.post("/behorigheter/system", data={"name": "Röntgen"}).status_code == 200
    manager.post(f"/behorigheter/system/{ids[1]}", data={"name": "SITHS eID",
                                                         "carried_by": "Servicedesk"})
    manager.post(f"/behorigheter/system/{ids[1]}/flytta", data={"direction": "up"})
    manager.post(f"/behorigheter/system/{ids[2]}/aktiv", data={"active": "0"})
    rows = list(csv.reader(io.StringIO(manager.get("/behorigheter/system.csv").text.lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[1][1:3] == ["SITHS eID", "Servicedesk"]
    assert rows[3][1] == "Kulisser" and rows[3][4] == "Nej"
    assert rows[-1][1] == "Röntgen"


def test_the_api_makes_and_changes_profiles_and_systems(
        world: factories.World, client_as: Client) -> None:
    api = client_as(world.manager_id)
    systems = api.get("/api/v1/access-systems").json()
    assert [s["code"] for s in systems][:3] == ["hsa", "siths", "kulisser"]
    made = api.post("/api/v1/access-profiles", json={
        "name": "Undersköterska, avd 12", "kulisser_role": "secretary",
        "systems": [{"system_id": systems[0]["id"], "access_profile": ""},
                    {"system_id": systems[3]["id"], "access_profile": "USK"}]})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["orderable"] is False and body["analysis_state"] == "missing"
    assert "saknar behovs- och riskanalys" in body["not_orderable_reason"]
    assert [(s["name"], s["access_profile"]) for s in body["systems"]] == [
        ("HSA-katalogen", ""), ("Journalsystemet", "USK")]
    bad = api.post(f"/api/v1/access-profiles/{body['id']}/analyses",
                   data=_analysis_form(next_review="igår"))
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"next_review", "text"}
    done = api.post(f"/api/v1/access-profiles/{body['id']}/analyses",
                    data=_analysis_form(text="Behov bedömda."))
    assert done.status_code == 201 and done.json()["orderable"] is True
    patched = api.patch(f"/api/v1/access-profiles/{body['id']}", json={
        "description": "Natt och dag", "systems": [{"system_id": systems[4]["id"]}]})
    assert patched.status_code == 200
    assert [s["system_id"] for s in patched.json()["systems"]] == [systems[4]["id"]]
    assert patched.json()["description"] == "Natt och dag"
    order = [s["id"] for s in reversed(systems)]
    assert [s["id"] for s in api.post("/api/v1/access-systems/order",
                                      json={"system_ids": order}).json()] == order
    off = api.patch(f"/api/v1/access-systems/{systems[7]['id']}", json={"active": False})
    assert off.json()["active"] is False
    dup = api.post("/api/v1/access-systems", json={"name": systems[0]["name"]})
    assert dup.status_code == 422 and dup.json()["errors"]["name"].startswith("Enheten har redan")
    assert api.get("/api/v1/access-profiles/2147483647").status_code == 404


def test_a_refused_file_and_a_missing_field_are_both_told_at_once(
        database: Database, world: factories.World, client_as: Client) -> None:
    profile_id = _profile(database, world)
    answer = client_as(world.manager_id).post(
        f"/behorigheter/profiler/{profile_id}/analyser", data=_analysis_form(author=""),
        files={"file": ("tom.pdf", b"", "application/pdf")})
    assert answer.status_code == 422
    assert "Filen ”tom.pdf” är tom." in answer.text
    assert "Ange vem som gjorde analysen." in answer.text
    # A file was given, so the missing text is no fault.
    assert "Skriv analysen eller bifoga den som fil." not in answer.text
