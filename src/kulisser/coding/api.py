"""JSON API for care contacts: list, one contact, create, set codes, mark coded, the figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.bounds import Day, Id
from kulisser.coding import codes, items
from kulisser.coding import service as coding
from kulisser.coding.models import CareContact
from kulisser.coding.schemas import (
    CheckOut,
    CodeOut,
    CodesIn,
    ContactCreate,
    ContactDetail,
    ContactList,
    ContactOut,
    EventOut,
    FindingOut,
    MonthFigure,
    SuggestionOut,
)
from kulisser.coding.states import EVENT_LABELS, KIND_LABELS, STATUS_LABELS
from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx

router = APIRouter(prefix="/api/v1/coding", tags=["coding"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ERRORS = error_responses(403, 404, 409, 422)


def summary(c: CareContact, patient: patients.Patient) -> ContactOut:
    """A contact as the list shows it."""
    return ContactOut(
        id=c.id, unit_id=c.unit_id, patient_id=c.patient_id, patient_name=patient.full_name,
        patient_identifier=patient.display_id, contact_date=c.contact_date, kind=c.kind,
        kind_label=_(KIND_LABELS[c.kind]), admitted_on=c.admitted_on, discharged_on=c.discharged_on,
        clinician_id=c.clinician_id, source=c.source, source_id=c.source_id, note_id=c.note_id,
        must_code=c.must_code, status=c.status, status_label=_(STATUS_LABELS[c.status]),
        coded_at=c.coded_at, version=c.version)


def detail(session: Session, c: CareContact) -> ContactDetail:
    """Everything on a contact (loaded through the access check by the caller)."""
    session.flush()
    patient = session.get(patients.Patient, c.patient_id)
    assert patient is not None
    result = coding.run_checks(session, contact=c)

    def finding(f: object) -> FindingOut:
        return FindingOut(code=getattr(f, "code", ""), rule=getattr(f, "rule", ""),
                          message=getattr(f, "message", ""))
    return ContactDetail(
        **summary(c, patient).model_dump(),
        codes=[CodeOut(role=x.role, system=x.system, code=x.code,
                       display=codes.display(x.code, x.system), procedure_date=x.procedure_date,
                       from_suggestion=x.from_suggestion)
               for x in sorted(c.codes, key=lambda x: (x.role, x.position))],
        check=CheckOut(errors=[finding(f) for f in result.errors],
                       warnings=[finding(f) for f in result.warnings]),
        suggestions=[SuggestionOut(system=s.system, code=s.code,
                                   display=codes.display(s.code, s.system), score=s.score,
                                   why=dict(s.why or {}), taken=s.taken) for s in c.suggestions],
        history=[EventOut(type=e.type, type_label=_(EVENT_LABELS.get(e.type, e.type)), at=e.at,
                          actor_id=e.actor_id, from_status=e.from_status, to_status=e.to_status,
                          data=dict(e.data or {})) for e in c.events],
        work_item_ids=[i.id for i in items.open_items(session, contact_id=c.id)])


@router.get("/contacts", response_model=ContactList, summary="List the unit's care contacts",
            responses=error_responses(422))
def list_contacts(ctx: CurrentCtx, status: Annotated[str, Query(
        description="uncoded (waiting for coding), coded or all")] = "uncoded",
        kind: str = "", date_from: Day | None = None, date_to: Day | None = None,
        ) -> ContactList:
    """The unit's contacts, oldest first; each patient listed is logged."""
    rows = coding.list_contacts(ctx.db, actor=ctx.actor, f=coding.ContactFilter(
        status=status, kind=kind, date_from=date_from, date_to=date_to))
    return ContactList(items=[summary(r.contact, r.patient) for r in rows], count=len(rows))


@router.post("/contacts", response_model=ContactDetail, status_code=201,
             summary="Register a care contact by hand", responses=_ERRORS)
def create_contact(body: ContactCreate, ctx: CurrentCtx) -> ContactDetail:
    """A contact by hand; one that must be coded opens a coding work item."""
    contact = coding.create_contact(
        ctx.db, actor=ctx.actor, patient_id=body.patient_id, kind=body.kind,
        contact_date=body.contact_date, admitted_on=body.admitted_on,
        discharged_on=body.discharged_on, clinician_id=body.clinician_id)
    return detail(ctx.db, contact)


@router.get("/contacts/{contact_id}", response_model=ContactDetail,
            summary="One care contact", responses=_ERRORS)
def get_contact(contact_id: Id, ctx: CurrentCtx) -> ContactDetail:
    """The contact with its codes, the checks, its suggestions and its history."""
    return detail(ctx.db, coding.get_contact(ctx.db, actor=ctx.actor, contact_id=contact_id))


@router.put("/contacts/{contact_id}/codes", response_model=ContactDetail,
            summary="Set a contact's codes", responses=_ERRORS)
def set_codes(contact_id: Id, body: CodesIn, ctx: CurrentCtx) -> ContactDetail:
    """Replace the codes (the old ones kept in the history); `check` says what is wrong.

    With `finish`, the contact is marked coded when there is no error. A suggestion is never
    applied by itself: only the codes sent here are on the contact.
    """
    entries = [coding.CodeEntry(role=c.role, code=c.code, procedure_date=c.procedure_date,
                                from_suggestion=c.from_suggestion) for c in body.codes]
    done = coding.set_codes(ctx.db, actor=ctx.actor, contact_id=contact_id, entries=entries,
                            finish=body.finish, expected_version=body.version, now=utcnow())
    return detail(ctx.db, done.contact)


@router.post("/contacts/{contact_id}/coded", response_model=ContactDetail,
             summary="Mark a contact coded", responses=_ERRORS)
def mark_coded(contact_id: Id, ctx: CurrentCtx) -> ContactDetail:
    """Coded with the codes it has; refused (409, `coding_errors`) while a check finds an error."""
    done = coding.mark_coded(ctx.db, actor=ctx.actor, contact_id=contact_id, now=utcnow())
    return detail(ctx.db, done.contact)


@router.get("/suggestion-figures", response_model=list[MonthFigure],
            summary="How often suggestions were taken, per month")
def suggestion_figures(ctx: CurrentCtx, months: Annotated[int, Query(ge=1, le=36)] = 12,
                       ) -> list[MonthFigure]:
    """The unit's suggestions per month and how many a person took (no patient data)."""
    return [MonthFigure(**m) for m in coding.suggestion_figures(
        ctx.db, unit_id=ctx.actor.unit_id, months=months, today=workdays.local_today())]
