"""JSON API of the staff register (/api/v1/staff): people, their assignments and history.

Everyone logged in reads the register; managers (their own units) and administrators edit.
Bad input is 422 with a Swedish message per field, an edit without the right 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kulisser.bounds import Day, Id
from kulisser.staff import register
from kulisser.staff.assignment_access import local_today
from kulisser.staff.register_models import Purpose, StaffAssignment, StaffPerson
from kulisser.web.api import Timestamp, auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx

router = APIRouter(prefix="/api/v1/staff", tags=["staff"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 422)


class AssignmentOut(BaseModel):
    """One assignment (medarbetaruppdrag)."""

    id: int
    unit_id: int
    commission_hsa_id: str
    purpose: Purpose
    role: str
    valid_from: date
    valid_to: date | None
    valid_today: bool


class HistoryOut(BaseModel):
    """One change in the person's history."""

    at: Timestamp
    actor_id: int | None
    type: str
    data: dict[str, Any]


class PersonOut(BaseModel):
    """A person in the register, with assignments (and, one by one, the history)."""

    id: int
    full_name: str
    hsa_id: str
    profession: str
    email: str
    phone: str
    user_id: int | None
    assignments: list[AssignmentOut]
    history: list[HistoryOut] | None = None


class PersonIn(BaseModel):
    """A new person; `username` links an existing login to the person."""

    full_name: str = Field(max_length=200)
    hsa_id: str = Field(max_length=64)
    profession: str = Field("", max_length=100)
    email: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    username: str = Field("", max_length=64)


class PersonPatch(BaseModel):
    """Changed fields only; `username` "" unlinks the login."""

    full_name: str | None = Field(None, max_length=200)
    hsa_id: str | None = Field(None, max_length=64)
    profession: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    username: str | None = Field(None, max_length=64)


class AssignmentIn(BaseModel):
    """A new assignment at a unit, valid from a day (until a day, inclusive)."""

    unit_id: Id
    purpose: str = Field(max_length=20)
    role: str = Field(max_length=20)
    commission_hsa_id: str = Field(max_length=64)
    valid_from: Day
    valid_to: Day | None = None


class EndIn(BaseModel):
    """The assignment's last day (default today)."""

    last_day: Day | None = None


def _assignment(a: StaffAssignment, today: date) -> AssignmentOut:
    return AssignmentOut(id=a.id, unit_id=a.unit_id, commission_hsa_id=a.commission_hsa_id,
                         purpose=Purpose(a.purpose), role=a.role, valid_from=a.valid_from,
                         valid_to=a.valid_to, valid_today=a.valid_on(today))


def _person(p: StaffPerson, *, history: bool = False) -> PersonOut:
    today = local_today()
    return PersonOut(
        id=p.id, full_name=p.full_name, hsa_id=p.hsa_id, profession=p.profession, email=p.email,
        phone=p.phone, user_id=p.user_id,
        assignments=[_assignment(a, today) for a in p.assignments],
        history=[HistoryOut(at=e.at, actor_id=e.actor_id, type=e.type, data=e.data)
                 for e in p.events] if history else None)


@router.get("", response_model=list[PersonOut], summary="The staff register (by name)")
def people(ctx: CurrentCtx, search: str = "") -> list[PersonOut]:
    """Everyone in the register, or those whose name or HSA-id holds `search`."""
    return [_person(r.person) for r in register.register_rows(ctx.db, actor=ctx.actor, query=search[:200])]


@router.post("", response_model=PersonOut, status_code=201, responses=_ACT,
             summary="Add a person (managers, administrators)")
def add_person(body: PersonIn, ctx: CurrentCtx) -> PersonOut:
    """A person with name, HSA-id, profession and contact details at work."""
    person = register.create_person(ctx.db, actor=ctx.actor,
                                    values=body.model_dump(exclude={"username"}),
                                    username=body.username)
    return _person(register.get_person(ctx.db, actor=ctx.actor, person_id=person.id), history=True)


@router.get("/{person_id}", response_model=PersonOut, responses=error_responses(404),
            summary="One person with assignments and history")
def person(person_id: Id, ctx: CurrentCtx) -> PersonOut:
    """The person's entry, assignments and every change."""
    return _person(register.get_person(ctx.db, actor=ctx.actor, person_id=person_id), history=True)


@router.patch("/{person_id}", response_model=PersonOut, responses=_ACT,
              summary="Change a person's details")
def change_person(person_id: Id, body: PersonPatch, ctx: CurrentCtx) -> PersonOut:
    """Only the fields sent change; each change is in the history."""
    values = body.model_dump(exclude={"username"}, exclude_none=True)
    register.update_person(ctx.db, actor=ctx.actor, person_id=person_id, values=values,
                           username=body.username)
    ctx.db.expire_all()
    return _person(register.get_person(ctx.db, actor=ctx.actor, person_id=person_id), history=True)


@router.post("/{person_id}/assignments", response_model=PersonOut, status_code=201,
             responses=_ACT, summary="Give the person an assignment")
def add_assignment(person_id: Id, body: AssignmentIn, ctx: CurrentCtx) -> PersonOut:
    """The login's units and role follow its assignments valid today."""
    register.add_assignment(ctx.db, actor=ctx.actor, person_id=person_id, **body.model_dump())
    ctx.db.expire_all()
    return _person(register.get_person(ctx.db, actor=ctx.actor, person_id=person_id), history=True)


@router.post("/{person_id}/assignments/{assignment_id}/end", response_model=PersonOut,
             responses=_ACT, summary="End an assignment on a day (it stays as history)")
def end_assignment(person_id: Id, assignment_id: Id, body: EndIn, ctx: CurrentCtx) -> PersonOut:
    """The assignment is valid up to and including its last day (Swedish time)."""
    register.end_assignment(ctx.db, actor=ctx.actor, assignment_id=assignment_id,
                            person_id=person_id, last_day=body.last_day)
    ctx.db.expire_all()
    return _person(register.get_person(ctx.db, actor=ctx.actor, person_id=person_id), history=True)
