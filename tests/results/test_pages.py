"""The result pages over HTTP: the lists, a result, signing, hand-over, matching, CSV upload."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.results import service as results
from kulisser.results.models import Result
from kulisser.staff.models import Role
from tests import factories
from tests.factories import login_client
from tests.results.helpers import csv_drop, import_one, items_of, observation, patient, report


def _client(app: object, database: Database, user_id: int) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    login_client(client, database, user_id)
    return client


def _result(database: Database, world: factories.World, **kw: object) -> int:
    with database.session() as s:
        return import_one(s, world, **kw).id  # type: ignore[arg-type]


def test_the_clinicians_list_shows_flags_and_links(app: object, database: Database,
                                                   world: factories.World) -> None:
    normal = _result(database, world)
    critical = _result(database, world, value=40, flag="LL")
    page = _client(app, database, world.clinician_id).get("/provsvar")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="true"' in html and "Mina att vidimera" in html
    assert f'data-href="/provsvar/{normal}"' in html and f'data-href="/provsvar/{critical}"' in html
    assert "Kritiskt" in html and "Normalt" in html
    # Most urgent first: the acute result is due before the normal one.
    assert html.index(f"/provsvar/{critical}") < html.index(f"/provsvar/{normal}")
    queue = _client(app, database, world.secretary_id).get("/provsvar")  # a secretary: the queue
    assert 'data-scope="queue" aria-current="true"' in queue.text


def test_result_page_shows_values_ranges_flags_in_text_and_the_raw_fhir(
        app: object, database: Database, world: factories.World) -> None:
    rid = _result(database, world, value=95, flag="L")
    html = _client(app, database, world.clinician_id).get(f"/provsvar/{rid}").text
    assert "117–153" in html and "<strong>95</strong>" in html
    assert "Avvikande</span> Lågt" in html and 'data-abnormal="yes"' in html
    assert "&#34;resourceType&#34;: &#34;DiagnosticReport&#34;" in html  # raw FHIR, escaped
    assert 'id="sign-form"' in html and 'name="follow_up" value="visit"' in html
    secretary_view = _client(app, database, world.secretary_id).get(f"/provsvar/{rid}").text
    assert 'id="sign-form"' not in secretary_view and "Lämna över" in secretary_view


def test_signing_from_the_page_makes_the_follow_up(app: object, database: Database,
                                                   world: factories.World) -> None:
    rid = _result(database, world)
    client = _client(app, database, world.clinician_id)
    bad = client.post(f"/provsvar/{rid}/vidimera", data={"follow_up": "", "note": "Min anteckning",
                                                         "csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert bad.status_code == 422 and "Välj uppföljning" in bad.text and "Min anteckning" in bad.text
    done = client.post(f"/provsvar/{rid}/vidimera", follow_redirects=False,
                       data={"follow_up": "letter", "note": "Normalt, brev räcker",
                             "csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert done.status_code == 303 and done.headers["location"] == f"/provsvar/{rid}?vidimerat=1"
    page = client.get(done.headers["location"]).text
    assert 'id="signed-notice"' in page and "Skicka brev" in page and "vidimerat och låst" in page
    with database.session() as s:
        review, follow = items_of(s, rid)
        assert review.status == "completed" and follow.title.startswith("Skicka brev")
        assert f'href="/arenden/{follow.id}"' in page
    # The follow-up task links back to the result it is about.
    item_page = client.get(f"/arenden/{follow.id}").text
    assert f'id="item-record" href="/provsvar/{rid}">Provsvaret</a>' in item_page
    no_csrf = client.post(f"/provsvar/{rid}/vidimera", data={"follow_up": "none"},
                          headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403


def test_hand_over_and_matching_forms_keep_what_was_typed(app: object, database: Database,
                                                          world: factories.World) -> None:
    rid = _result(database, world)
    client = _client(app, database, world.clinician_id)
    csrf = client.csrf  # type: ignore[attr-defined]
    with database.session() as s:
        colleague = factories.make_user(s, world.unit_id, Role.CLINICIAN, full_name="Kollega Ek").id
    page = client.get(f"/provsvar/{rid}").text
    assert "Kollega Ek" in page
    missing = client.post(f"/provsvar/{rid}/lamna-over", data={"to_user_id": str(colleague),
                                                               "reason": "", "csrf_token": csrf})
    assert missing.status_code == 422 and "Ange varför" in missing.text
    assert f'<option value="{colleague}" selected>' in missing.text
    ok = client.post(f"/provsvar/{rid}/lamna-over", follow_redirects=False,
                     data={"to_user_id": str(colleague), "reason": "Föräldraledig", "csrf_token": csrf})
    assert ok.status_code == 303
    assert "Föräldraledig" in client.get(f"/provsvar/{rid}").text
    with database.session() as s:
        outcome_id = s.scalar(select(Result.id).where(Result.id == rid))
        assert items_of(s, outcome_id or 0)[0].owner_id == colleague
        ident = patient(s, world.patient_ids[1]).id_value
        unmatched = results.import_fhir(s, actor=factories.actor(s, world.secretary_id),
                                        payload=report("19121212-1213")).outcomes[0].result_id
    secretary = _client(app, database, world.secretary_id)
    typo = secretary.post(f"/provsvar/{unmatched}/matcha", data={
        "identifier": "19121212-1213", "clinician": "", "csrf_token": secretary.csrf})  # type: ignore[attr-defined]
    assert typo.status_code == 422 and "Kontrollsiffran" in typo.text and "19121212-1213" in typo.text
    matched = secretary.post(f"/provsvar/{unmatched}/matcha", follow_redirects=False, data={
        "identifier": ident, "clinician": "", "csrf_token": secretary.csrf})  # type: ignore[attr-defined]
    assert matched.status_code == 303
    assert "Att vidimera" in secretary.get(f"/provsvar/{unmatched}").text


def test_csv_upload_page_reports_each_row(app: object, database: Database,
                                          world: factories.World) -> None:
    with database.session() as s:
        good = patient(s, world.patient_ids[0]).id_value
    client = _client(app, database, world.secretary_id)
    form = client.get("/provsvar/importera")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    # Every column the import reads is listed under its Swedish header (no README needed).
    from kulisser.results.formats import COLUMNS
    for name, aliases in COLUMNS.items():
        assert f"<td><code>{aliases[0]}</code></td><td><code>{name}</code>" in form.text
    assert "README" not in form.text
    data = csv_drop(f"U{factories.unique('x')};{good};;718-7;Hb;140;g/L;117-153;;;",
                    f"U{factories.unique('x')};19121212-1213;;718-7;Hb;140;g/L;117-153;;;",
                    ";;;;;;;;;;x")
    response = client.post("/provsvar/importera", data={"csrf_token": client.csrf},  # type: ignore[attr-defined]
                           files={"file": ("svar.csv", data, "text/csv")})
    assert response.status_code == 200
    statuses = re.findall(r'<tr data-status="(\w+)">', response.text)
    assert statuses == ["imported", "unmatched", "error"]
    assert "Kontrollsiffran" in response.text and "sender_id" in response.text
    empty = client.post("/provsvar/importera", data={"csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert empty.status_code == 422 and "Välj en CSV-fil" in empty.text


def test_user_data_is_escaped_everywhere(app: object, database: Database,
                                         world: factories.World) -> None:
    evil = "<script>alert(1)</script>"
    with database.session() as s:
        ident = patient(s, world.patient_ids[0]).id_value
        body = report(ident, title=evil, values=[observation(name=evil, value=200)])
        body["conclusion"] = evil
        rid = results.import_fhir(s, actor=factories.actor(s, world.secretary_id),
                                  payload=body).outcomes[0].result_id
        item_id = items_of(s, rid or 0)[0].id
    client = _client(app, database, world.secretary_id)
    for url in (f"/provsvar/{rid}", "/provsvar?scope=all", f"/arenden/{item_id}"):
        html = client.get(url).text
        assert evil not in html and "&lt;script&gt;" in html, url


def test_pages_write_audit_rows_and_refuse_other_units(app: object, database: Database,
                                                      world: factories.World) -> None:
    rid = _result(database, world)
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.CLINICIAN).id
    refused = _client(app, database, stranger).get(f"/provsvar/{rid}")
    assert refused.status_code == 403 and "nödåtkomst" in refused.text.lower()
    item_page = _client(app, database, world.clinician_id).get(f"/arenden/{_item(database, rid)}")
    assert "Öppna provsvaret för att vidimera" in item_page.text  # the kind's detail template
    with database.session() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.user_id == stranger,
                                                    AuditEvent.outcome == "denied",
                                                    AuditEvent.object_id == str(rid)))


def _item(database: Database, rid: int) -> int:
    with database.session() as s:
        return items_of(s, rid)[0].id


def test_a_patients_results_and_a_stranger_patient(app: object, database: Database,
                                                  world: factories.World) -> None:
    rid = _result(database, world)
    other = _result(database, world, patient_id=world.patient_ids[1])
    client = _client(app, database, world.secretary_id)
    page = client.get(f"/provsvar?scope=all&patient_id={world.patient_ids[0]}")
    assert page.status_code == 200
    assert f"/provsvar/{rid}" in page.text and f"/provsvar/{other}" not in page.text
    patient_page = client.get(f"/patienter/{world.patient_ids[0]}").text
    assert f"/provsvar?scope=all&amp;patient_id={world.patient_ids[0]}" in patient_page
    refused = client.get(f"/provsvar?scope=all&patient_id={world.stranger_patient_id}")
    assert refused.status_code == 403
    with database.session() as s:
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.user_id == world.secretary_id, AuditEvent.outcome == "denied",
            AuditEvent.patient_id == world.stranger_patient_id))
