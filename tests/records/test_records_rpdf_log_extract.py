"""The log extract: who accessed the patient's data over the period, in every unit, emergency
accesses marked, nothing outside the period; the same cover and page furniture."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.records import log_extract, pdf
from kulisser.staff.models import User
from tests import factories
from tests.records.rpdf_helpers import NOW, make_request, pdf_pages, pdf_text


def _accesses(db: Session, world: factories.World, pid: int) -> tuple[str, str]:
    clinician = db.get(User, world.clinician_id)
    outsider = factories.make_user(db, world.other_unit_id, role="clinician",
                                   full_name="Nora Nödfall")
    assert clinician is not None
    inside = NOW - timedelta(days=10)
    audit.check_access(db, actor=factories.actor(db, world.clinician_id), patient_id=pid,
                       action="read", object_type="patient", now=inside)
    # An access without a care relation: nödåtkomst from the other unit.
    audit.grant_emergency_access(db, actor=factories.actor_for(outsider), patient_id=pid,
                                 reason="Akut inläggning", minutes=60, now=inside)
    audit.check_access(db, actor=factories.actor_for(outsider), patient_id=pid, action="read",
                       object_type="patient", now=inside + timedelta(minutes=5))
    # Before the period: not in the extract.
    early = factories.make_user(db, world.unit_id, full_name="Tidig Tittare")
    audit.check_access(db, actor=factories.actor_for(early), patient_id=pid, action="read",
                       object_type="patient", now=NOW - timedelta(days=400))
    db.flush()
    return clinician.full_name, outsider.full_name


def test_the_extract_lists_each_access_in_the_period_with_emergency_marked(
        db: Session, world: factories.World) -> None:
    pid = world.patient_ids[0]
    clinician, outsider = _accesses(db, world, pid)
    request = make_request(db, unit_id=world.unit_id, patient_id=pid, kind="log_extract",
                           scope="period", period_from=(NOW - timedelta(days=30)).date(),
                           period_to=NOW.date())
    secretary = factories.actor(db, world.secretary_id)
    lines = log_extract.access_lines(db, actor=secretary, request=request, now=NOW)
    staff = [line.staff for line in lines]
    assert clinician in staff and outsider in staff and "Tidig Tittare" not in staff
    emergency = [line for line in lines if line.emergency]
    assert emergency and {line.staff for line in emergency} == {outsider}
    assert any(line.unit and line.role for line in lines)
    # Reading the log for the extract is itself logged, naming the patient.
    logged = db.query(AuditEvent).filter(AuditEvent.object_type == "audit_log",
                                         AuditEvent.patient_id == pid).all()
    assert logged and "Loggutdrag" in (logged[-1].reason or "")


def test_the_extract_pdf_has_the_rows_cover_and_page_furniture(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    pid = world.patient_ids[0]
    _clinician, outsider = _accesses(db, world, pid)
    request = make_request(db, unit_id=world.unit_id, patient_id=pid, kind="log_extract",
                           scope="period", period_from=date(2026, 11, 1), period_to=NOW.date())
    body, pages = pdf.render_copy(db, actor=factories.actor(db, world.secretary_id),
                                  request_id=request.id, now=NOW)
    text = pdf_text(body, tmp_path)
    total = pdf_pages(body, tmp_path)
    assert pages == total - 1
    assert outsider in text and "NÖDÅTKOMST" in text and "Tidig Tittare" not in text
    assert text.count("Loggutdrag ur åtkomstloggen") >= total
    assert f"Sida {total} av {total}" in text and "Period: 2026-11-01–2026-12-04" in text
