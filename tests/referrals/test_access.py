"""Access control: another unit's user is refused every referral route with a logged denial,
even where that unit also cares for the patient; the referral is the receiving unit's own."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.staff.models import Role
from tests import factories
from tests.factories import login_client
from tests.web.test_route_coverage import PATIENT_ROUTES, Env

MINE = sorted(r for r in PATIENT_ROUTES if "{referral_id}" in r[1] or "{outgoing_id}" in r[1])


@pytest.fixture()
def renv(app: FastAPI, database: Database, world: factories.World) -> Env:
    family = factories.unique("Remiss")
    with database.session() as s:
        patient = factories.make_patient(s, world.unit_id, family=family)
        return Env(database=database, world=world, patient_id=patient.id, family_name=family,
                   data_dir=app.state.settings.data_dir)


def _denied(database: Database, user_id: int, patient_id: int) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.patient_id == patient_id,
            AuditEvent.outcome == "denied")) or 0


def test_every_referral_route_is_checked() -> None:
    assert len(MINE) >= 23


@pytest.mark.parametrize("route", MINE, ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("shared_patient", [False, True], ids=["stranger", "shared-patient"])
def test_other_unit_is_refused_and_logged(route: tuple[str, str], shared_patient: bool,
                                          app: FastAPI, database: Database, renv: Env) -> None:
    with database.session() as s:
        role = Role.CLINICIAN if route[1].endswith(("/accept", "/reject", "/forward", "/start",
                                                    "/request-information")) else Role.SECRETARY
        stranger = factories.make_user(s, renv.world.other_unit_id, role).id
        if shared_patient:
            s.add(CareRelation(unit_id=renv.world.other_unit_id, patient_id=renv.patient_id))
    url, kwargs = PATIENT_ROUTES[route](renv)
    kwargs.pop("as_user", None)
    with TestClient(app) as client:
        csrf = login_client(client, database, stranger)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        response = client.request(route[0], url, follow_redirects=False, **kwargs)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert _denied(database, stranger, renv.patient_id) >= 1
