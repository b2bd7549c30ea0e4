"""The monthly patient-register report of a unit (issue 14 item 5): the file, the contacts
held back with their errors, the completeness before the deadline.

Reported: the unit's doctors' visits with their day in the month and its inpatient stays
discharged in the month (a stay not yet discharged waits for the month it ends in). Each is
checked with checks.check, as the coding page checks it; a contact with an error, one not
yet marked coded, a patient without a personnummer or samordningsnummer, or one without
residence codes (county and municipality) is not written but listed apart with its findings.
Each run is kept (``RegisterExport``): running a month again adds its next version, the older
ones stay downloadable. One audit row per run and per
download (object type ``register_export``). Nothing here commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit import service as audit
from kulisser.coding import checks, codes
from kulisser.coding import register_layout as layout
from kulisser.coding.models import CareContact, ContactCode
from kulisser.coding.report_models import RegisterExport
from kulisser.coding.states import ContactKind, ContactStatus, Role
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import Identifier, IdKind
from kulisser.patients import service as patients
from kulisser.staff.service import Actor, CareUnit, User

OBJECT_TYPE = "register_export"
DELIVERY_DAY = 20  # the month's file is due by this day of the next month (moved to a working day)
REMIND_WORKING_DAYS = 5  # the reminder item opens this many working days before the deadline
_CHUNK = 20_000


def parse_month(text: str) -> date:
    """The first day of a month typed as YYYY-MM (or YYYYMM, as a reminder item links it);
    ValidationFailed (Swedish) otherwise."""
    text = text.strip()
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    try:
        year, month = (int(x) for x in text.split("-"))
        if not 1900 <= year <= 2999:  # beyond, the deadline's date arithmetic overflows
            raise ValueError(text)
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed({"month": _("Ange månaden som ÅÅÅÅ-MM, t.ex. 2026-11.")}) from None


def month_end(month: date) -> date:
    """The last day of the month."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def deadline(month: date) -> date:
    """The day the month's file is due: DELIVERY_DAY of the next month, or the working day after."""
    day = month_end(month) + timedelta(days=DELIVERY_DAY)
    while not workdays.is_working_day(day):
        day += timedelta(days=1)
    return day


def in_month(month: date) -> Any:
    """The condition on CareContact of the month reports: visits on its days, stays discharged in it."""
    last = month_end(month)
    return or_(and_(CareContact.kind == ContactKind.DOCTOR_VISIT.value,
                    CareContact.contact_date >= month, CareContact.contact_date <= last),
               and_(CareContact.kind == ContactKind.INPATIENT.value,
                    CareContact.discharged_on >= month, CareContact.discharged_on <= last))


@dataclass
class _Contact:
    id: int
    kind: str
    contact_date: date
    admitted_on: date | None
    discharged_on: date | None
    status: str
    clinician_id: int | None
    id_kind: str
    id_value: str
    county_code: str
    municipality_code: str
    codes: list[tuple[str, str, date | None]]  # role, code, procedure date; in position order


_ROW = ("id", "kind", "contact_date", "admitted_on", "discharged_on", "status", "clinician_id",
        "id_kind", "id_value", "county_code", "municipality_code")


def _contacts(session: Session, *, unit_id: int, month: date) -> list[_Contact]:
    """The month's reportable contacts with their patients' numbers and codes (two statements)."""
    where = and_(CareContact.unit_id == unit_id, in_month(month))
    rows = session.execute(
        select(CareContact.id, CareContact.kind, CareContact.contact_date, CareContact.admitted_on,
               CareContact.discharged_on, CareContact.status, CareContact.clinician_id,
               patients.Patient.id_kind, patients.Patient.id_value,
               patients.Patient.county_code, patients.Patient.municipality_code)
        .join(patients.Patient, patients.Patient.id == CareContact.patient_id)
        .where(where).order_by(CareContact.id)).tuples()
    # Eleven columns: past SQLAlchemy's typed overloads, so the fields are named.
    found = {r[0]: _Contact(**dict(zip(_ROW, r, strict=True)), codes=[]) for r in rows}
    code_rows = session.execute(
        select(ContactCode.contact_id, ContactCode.role, ContactCode.code, ContactCode.procedure_date)
        .join(CareContact, CareContact.id == ContactCode.contact_id).where(where)
        .order_by(ContactCode.contact_id, ContactCode.position, ContactCode.id)
        .execution_options(yield_per=_CHUNK)).tuples()
    for contact_id, role, code, done in code_rows:
        found[contact_id].codes.append((role, code, done))
    return list(found.values())


def _facts(c: _Contact) -> tuple[str | None, int | None]:
    """Legal sex ("M"/"F") and age on the contact's day from the identity number."""
    if c.id_kind == IdKind.RESERVNUMMER:
        return None, None
    ident = Identifier(IdKind(c.id_kind), c.id_value)
    born, on = ident.birth_date(), c.contact_date
    age = None if born is None else (
        on.year - born.year - ((on.month, on.day) < (born.month, born.day)))
    return {"male": "M", "female": "F"}.get(ident.sex() or ""), age


class _Checker:
    """checks.check on a contact's codes; the same codes on the same day for the same sex and
    age are checked once (a month repeats them: the lookups are the export's cost)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rules = checks.load_rules()
        self.memo: dict[tuple[Any, ...], checks.CheckResult] = {}

    def __call__(self, c: _Contact, sex: str | None, age: int | None) -> checks.CheckResult:
        by_role: dict[str, list[str]] = {r.value: [] for r in Role}
        for role, code, _done in c.codes:
            by_role[role].append(code)
        # As contact_codes.run_checks: without a main diagnosis the checks see none.
        diagnoses = [*by_role[Role.MAIN], *by_role[Role.SECONDARY]] if by_role[Role.MAIN] else []
        key = (c.contact_date, sex, age, tuple(diagnoses), tuple(by_role[Role.PROCEDURE]),
               tuple(by_role[Role.EXTERNAL]))
        if key not in self.memo:
            self.memo[key] = checks.check(
                self.session, contact_date=c.contact_date, sex=sex, age=age, diagnoses=diagnoses,
                procedures=by_role[Role.PROCEDURE], external_causes=by_role[Role.EXTERNAL],
                must_code=True, rules=self.rules)
        return self.memo[key]


def _line(c: _Contact, *, sex: str, age: int, unit_hsa: str, provider_hsa: str) -> str:
    """The contact's line in the file."""
    by_role = {r.value: [code for role, code, _d in c.codes if role == r] for r in Role}
    inpatient = c.kind == ContactKind.INPATIENT
    return layout.line({
        "KONTAKT_ID": str(c.id), "PNR": c.id_value, "KON": layout.SEX_CODES[sex], "ALDER": str(age),
        "LAN": c.county_code, "KOMMUN": c.municipality_code, "VARDGIVARE": provider_hsa,
        "VARDENHET": unit_hsa,
        "KONTAKTTYP": layout.INPATIENT if inpatient else layout.OUTPATIENT_DOCTOR,
        "INDATUM": layout.day(c.admitted_on if inpatient else c.contact_date),
        "UTDATUM": layout.day(c.discharged_on if inpatient else None),
        "HDIA": by_role[Role.MAIN][0],
        "BDIA": layout.LIST_SEPARATOR.join(by_role[Role.SECONDARY]),
        "EKOD": layout.LIST_SEPARATOR.join(by_role[Role.EXTERNAL]),
        "OP": layout.LIST_SEPARATOR.join(
            f"{code}:{layout.day(done or c.contact_date)}"
            for role, code, done in c.codes if role == Role.PROCEDURE)})


def _held_back(c: _Contact, findings: list[dict[str, str]]) -> dict[str, Any]:
    return {"contact_id": c.id, "contact_date": c.contact_date.isoformat(), "kind": c.kind,
            "clinician_id": c.clinician_id, "errors": findings}


def build(session: Session, *, unit_id: int, month: date,
          provider_hsa: str = "") -> tuple[str, list[dict[str, Any]], int]:
    """The month's file text, the contacts held back with their findings, and the number written."""
    unit = session.get(CareUnit, unit_id)
    if unit is None:
        raise NotFound(_("Vårdenheten finns inte."))
    with codes.memo(session):
        return _build(session, unit=unit, month=month, provider_hsa=provider_hsa)


def _build(session: Session, *, unit: CareUnit, month: date,
           provider_hsa: str) -> tuple[str, list[dict[str, Any]], int]:
    check = _Checker(session)
    lines = [layout.header()]
    held: list[dict[str, Any]] = []
    for c in _contacts(session, unit_id=unit.id, month=month):
        sex, age = _facts(c)
        findings = [{"code": f.code, "rule": f.rule, "message": f.message}
                    for f in check(c, sex, age).errors]
        if c.status != ContactStatus.CODED:
            findings.append({"code": "", "rule": "not_coded",
                             "message": _("Vårdkontakten är inte markerad som kodad.")})
        if sex is None or age is None:
            findings.append({"code": "", "rule": "identity", "message": _(
                "Patienten saknar person- eller samordningsnummer.")})
        if not (c.county_code and c.municipality_code):
            findings.append({"code": "", "rule": "missing_residence", "message": _(
                "Patientens län och kommun saknas; ange dem på patientens sida (Ändra uppgifter).")})
        if findings:
            held.append(_held_back(c, findings))
            continue
        assert sex is not None and age is not None
        lines.append(_line(c, sex=sex, age=age, unit_hsa=unit.hsa_id, provider_hsa=provider_hsa))
    return layout.LINE_END.join(lines) + layout.LINE_END, held, len(lines) - 1


def run_export(session: Session, *, actor: Actor, month: date, provider_hsa: str = "",
               now: datetime | None = None) -> RegisterExport:
    """Export the actor's unit's month (a new version if it was exported before), logged once."""
    now = now or utcnow()
    if month_end(month) >= workdays.local_today(now):
        raise ValidationFailed({"month": _("Månaden är inte slut än; välj en avslutad månad.")})
    text, held, written = build(session, unit_id=actor.unit_id, month=month,
                                provider_hsa=provider_hsa)
    latest = session.scalar(select(func.max(RegisterExport.version)).where(
        RegisterExport.unit_id == actor.unit_id, RegisterExport.month == month))
    run = RegisterExport(unit_id=actor.unit_id, month=month, version=(latest or 0) + 1,
                         layout_version=layout.VERSION, created_at=now, created_by_id=actor.user_id,
                         sha256=hashlib.sha256(text.encode(layout.ENCODING)).hexdigest(),
                         content=text, reported=written, listed=len(held), errors=held)
    session.add(run)
    session.flush()
    audit.check(session, actor=actor, record=run, object_type=OBJECT_TYPE, action="export",
                current_unit=True, hidden=_("Exporten finns inte."), now=now)
    return run


def get_export(session: Session, *, actor: Actor, export_id: int,
               now: datetime | None = None) -> RegisterExport:
    """One run of the actor's unit (another unit's stays not found, its refusal logged)."""
    run = session.get(RegisterExport, export_id)
    if run is None:
        raise NotFound(_("Exporten finns inte."))
    audit.check(session, actor=actor, record=run, object_type=OBJECT_TYPE, action="read",
                current_unit=True, hidden=_("Exporten finns inte."), now=now)
    return run


def list_exports(session: Session, *, actor: Actor, month: date | None = None,
                 limit: int = 100) -> list[RegisterExport]:
    """The unit's runs, newest first (counts and sums only are shown: no patient data)."""
    stmt = select(RegisterExport).where(RegisterExport.unit_id == actor.unit_id)
    if month is not None:
        stmt = stmt.where(RegisterExport.month == month)
    return list(session.scalars(stmt.order_by(RegisterExport.month.desc(),
                                              RegisterExport.version.desc()).limit(limit)))


@dataclass(frozen=True)
class Completeness:
    """One clinician's reportable contacts of the month and how many are coded."""

    clinician_id: int | None
    clinician_name: str
    total: int
    coded: int

    @property
    def share(self) -> float:
        """The share coded (1.0 with nothing to code)."""
        return self.coded / self.total if self.total else 1.0


def completeness(session: Session, *, unit_id: int, month: date) -> list[Completeness]:
    """Per clinician, the month's reportable contacts and how many are coded (counts only)."""
    coded = func.sum(case((CareContact.status == ContactStatus.CODED.value, 1), else_=0))
    rows = session.execute(
        select(CareContact.clinician_id, User.full_name, func.count(), coded)
        .outerjoin(User, User.id == CareContact.clinician_id)
        .where(CareContact.unit_id == unit_id, in_month(month))
        .group_by(CareContact.clinician_id, User.full_name).order_by(User.full_name)).tuples()
    return [Completeness(cid, name or _("(ingen läkare angiven)"), int(total), int(done or 0))
            for cid, name, total, done in rows]
