"""Patient pages: search, registration, the patient page, editing and emergency access."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.db import Database
from kulisser.patients.models import CareRelation, Patient
from tests import factories
from tests.factories import World
from tests.web.patient_form import registration_form

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HX-Request": "true"}


def _bad_check_digit(value: str) -> str:
    """A 12-digit personnummer with its check digit changed, written YYYYMMDD-NNNC."""
    wrong = (int(value[-1]) + 1) % 10
    return f"{value[:8]}-{value[8:11]}{wrong}"


def test_register_with_bad_check_digit_keeps_values_and_stores_nothing(
        secretary_client: TestClient, database: Database) -> None:
    family = factories.unique("Felsiffra")
    typed = registration_form(_bad_check_digit(factories.new_personnummer()), family)
    r = secretary_client.post("/patienter/ny", data=typed)
    assert r.status_code == 422
    assert "Kontrollsiffran stämmer inte." in r.text
    for name in ("identifier", "given_name", "family_name", "address", "postal_code", "city",
                 "phone"):
        assert f'name="{name}" type="' in r.text
        assert f'value="{typed[name]}"' in r.text, name
    assert '<option value="personnummer" selected>' in r.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)
                        .where(Patient.family_name == family)) == 0


def test_register_stores_patient_with_care_relation(secretary_client: TestClient,
                                                    database: Database, world: World) -> None:
    pnr = factories.new_personnummer()
    family = factories.unique("Ny")
    r = secretary_client.post("/patienter/ny", data=registration_form(pnr, family), follow_redirects=False)
    assert r.status_code == 303
    with database.session() as s:
        patient = s.scalar(select(Patient).where(Patient.id_value == pnr))
        assert patient is not None and patient.family_name == family
        assert patient.city == "Vimmerby" and not patient.protected_identity
        assert r.headers["location"] == f"/patienter/{patient.id}"
        rel = s.scalar(select(CareRelation).where(CareRelation.patient_id == patient.id))
        assert rel is not None and rel.unit_id == world.unit_id
    page = secretary_client.get(r.headers["location"])
    assert page.status_code == 200 and family in page.text and "Lingonvägen 12" in page.text


def test_search_lists_only_the_units_patients_and_logs_each(
        secretary_client: TestClient, database: Database, world: World) -> None:
    family = factories.unique("Sökbar")
    with database.session() as s:
        ours = factories.make_patient(s, world.unit_id, family=family, given="Ada")
        theirs = factories.make_patient(s, world.other_unit_id, family=family, given="Stranger")
        ours_id, theirs_id = ours.id, theirs.id
    r = secretary_client.get("/patienter", params={"q": family.lower()}, headers=HTMX)
    assert r.status_code == 200 and "<html" not in r.text  # htmx gets the rows only
    assert f'<tr data-href="/patienter/{ours_id}">' in r.text
    assert f"/patienter/{theirs_id}" not in r.text and "Stranger" not in r.text
    full = secretary_client.get("/patienter", params={"q": family})
    assert "Registrera patient" in full.text and 'hx-trigger="keyup changed delay:250ms, search"' in full.text
    with database.session() as s:
        listed = s.scalars(select(AuditEvent.patient_id).where(
            AuditEvent.user_id == world.secretary_id, AuditEvent.action == "list",
            AuditEvent.patient_id.in_([ours_id, theirs_id]))).all()
        assert set(listed) == {ours_id}


def test_script_in_a_name_is_escaped_everywhere(secretary_client: TestClient,
                                                database: Database, world: World) -> None:
    family = factories.unique("Xss")
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, given=SCRIPT, family=family).id
    pages = [secretary_client.get("/patienter", params={"q": family}),
             secretary_client.get("/patienter", params={"q": family}, headers=HTMX),
             secretary_client.get(f"/patienter/{pid}"),
             secretary_client.get(f"/patienter/{pid}/redigera"),
             secretary_client.get("/reception", params={"q": family}),
             secretary_client.get("/reception", params={"patient_id": pid})]
    for page in pages:
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert ESCAPED in page.text


def test_protected_address_is_never_shown(secretary_client: TestClient, database: Database,
                                          world: World) -> None:
    family = factories.unique("Skyddad")
    secret = factories.unique("Hemliggatan ")
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, family=family, protected=True,
                                     address=secret).id
    page = secretary_client.get(f"/patienter/{pid}")
    assert "Skyddad identitet – adressen visas inte" in page.text
    results = secretary_client.get("/patienter", params={"q": family})
    assert "skyddad identitet" in results.text
    for r in (page, results,
              secretary_client.get("/patienter", params={"q": family}, headers=HTMX),
              secretary_client.get("/reception", params={"q": family}),
              secretary_client.get("/reception", params={"patient_id": pid}),
              secretary_client.get(f"/patienter/{pid}/redigera")):
        assert r.status_code == 200
        assert family in r.text
        assert secret not in r.text and "Teststad" not in r.text
    # Saving the edit form with empty address fields keeps the stored address.
    saved = secretary_client.post(f"/patienter/{pid}/redigera", follow_redirects=False, data={
        "given_name": "Vera", "family_name": family, "phone": "08-123 456",
        "protected_identity": "1"})
    assert saved.status_code == 303
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        assert (patient.given_name, patient.phone, patient.address) == ("Vera", "08-123 456", secret)
    # A registration that fails does not echo a protected patient's typed address.
    bad = secretary_client.post("/patienter/ny", data=registration_form(
        "12345", family, address=secret, protected_identity="1"))
    assert bad.status_code == 422 and secret not in bad.text


def test_edit_with_bad_phone_keeps_typed_values(secretary_client: TestClient, database: Database,
                                                world: World) -> None:
    pid = world.patient_ids[0]
    r = secretary_client.post(f"/patienter/{pid}/redigera", data={
        "given_name": "Nytt", "family_name": "Namnsson", "phone": "ring mig", "city": "Ystad"})
    assert r.status_code == 422
    assert "Telefonnumret får bara innehålla" in r.text
    assert 'value="ring mig"' in r.text and 'value="Namnsson"' in r.text and 'value="Ystad"' in r.text
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None and patient.family_name != "Namnsson"


def test_other_units_patient_is_denied_then_opened_by_emergency_access(
        secretary_client: TestClient, database: Database, world: World) -> None:
    pid = world.stranger_patient_id
    denied = secretary_client.get(f"/patienter/{pid}")
    assert denied.status_code == 403
    assert f'action="/patienter/{pid}/nodatkomst"' in denied.text and 'name="reason"' in denied.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.user_id == world.secretary_id,
            AuditEvent.outcome == "denied")) == 1

    short = secretary_client.post(f"/patienter/{pid}/nodatkomst", data={"reason": "akut"})
    assert short.status_code == 422
    assert "minst 5 tecken" in short.text and ">akut</textarea>" in short.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(EmergencyAccess).where(
            EmergencyAccess.patient_id == pid)) == 0

    ok = secretary_client.post(f"/patienter/{pid}/nodatkomst", follow_redirects=False,
                               data={"reason": "Medvetslös patient på akuten"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/patienter/{pid}"
    page = secretary_client.get(f"/patienter/{pid}")
    assert page.status_code == 200
    assert "Nödåtkomst – loggas och följs upp" in page.text
    with database.session() as s:
        rows = s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.user_id == world.secretary_id,
            AuditEvent.outcome == "emergency")).all()
        assert {r.action for r in rows} >= {"emergency", "read"}
        assert all(r.reason == "Medvetslös patient på akuten" for r in rows)
    # A patient with a care relation shows no emergency banner.
    own = secretary_client.get(f"/patienter/{world.patient_ids[0]}")
    assert own.status_code == 200 and "Nödåtkomst – loggas" not in own.text


def test_emergency_access_to_a_missing_patient_is_not_found(secretary_client: TestClient) -> None:
    r = secretary_client.post("/patienter/999999999/nodatkomst", data={"reason": "Akut behov nu"})
    assert r.status_code == 404


def test_forms_without_csrf_token_are_refused(secretary_client: TestClient, database: Database,
                                              world: World) -> None:
    del secretary_client.headers["X-CSRF-Token"]
    pnr = factories.new_personnummer()
    r = secretary_client.post("/patienter/ny", data=registration_form(pnr, factories.unique("Csrf")))
    assert r.status_code == 403
    grant = secretary_client.post(f"/patienter/{world.stranger_patient_id}/nodatkomst",
                                  data={"reason": "Medvetslös patient", "csrf_token": "forged"})
    assert grant.status_code == 403
    with database.session() as s:
        assert s.scalar(select(Patient).where(Patient.id_value == pnr)) is None
        assert s.scalar(select(EmergencyAccess).where(
            EmergencyAccess.patient_id == world.stranger_patient_id)) is None
    # With the form's token the same registration goes through.
    token = factories.csrf_from(secretary_client.get("/patienter/ny").text)
    ok = secretary_client.post("/patienter/ny", follow_redirects=False,
                               data={**registration_form(pnr, factories.unique("Csrf")), "csrf_token": token})
    assert ok.status_code == 303
