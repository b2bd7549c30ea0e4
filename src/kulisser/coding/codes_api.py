"""The code systems and the coding checks in the JSON API (no patient data: any logged-in user)."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import Day
from kulisser.coding import checks, codes
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx, DbSession
from kulisser.workdays import local_today

router = APIRouter(prefix="/api/v1/coding", tags=["coding"], dependencies=auth_dependencies())

# A typed code: long enough for a dotted ICD-10-SE or KVÅ code with a mark; at most 50 of each.
CodeText = Annotated[str, Field(max_length=20)]
MAX_CODES = 50


class ValidateIn(BaseModel):
    """A contact's codes to check: the first diagnosis is the main one."""

    model_config = ConfigDict(extra="forbid")

    contact_date: Day
    sex: Literal["M", "F"] | None = None
    age: Annotated[int, Ge(0), Le(150)] | None = None
    diagnoses: list[CodeText] = Field(max_length=MAX_CODES)
    procedures: list[CodeText] = Field(default_factory=list, max_length=MAX_CODES)
    external_causes: list[CodeText] = Field(default_factory=list, max_length=MAX_CODES)
    must_code: bool = True


class FindingOut(BaseModel):
    """One problem: the code (stored form, empty for the contact), the rule, the Swedish message."""

    code: str
    rule: str
    message: str


class ValidateOut(BaseModel):
    """The errors (block reporting) and warnings of the contact's codes."""

    errors: list[FindingOut]
    warnings: list[FindingOut]


class CodeOut(BaseModel):
    """A code found: stored and dotted form, title; fallback: the WHO tree (English titles)."""

    system: str
    code: str
    display: str
    title: str
    fallback: bool


@router.post("/validate", response_model=ValidateOut,
             responses=error_responses(401, 403, 422))
def validate(body: ValidateIn, _ctx: CurrentCtx, db: DbSession) -> ValidateOut:
    """Check a contact's diagnoses and procedures with every coding rule."""
    result = checks.check(db, contact_date=body.contact_date, sex=body.sex, age=body.age,
                          diagnoses=body.diagnoses, procedures=body.procedures,
                          must_code=body.must_code, external_causes=body.external_causes)
    return ValidateOut(
        errors=[FindingOut(code=f.code, rule=f.rule, message=f.message) for f in result.errors],
        warnings=[FindingOut(code=f.code, rule=f.rule, message=f.message)
                  for f in result.warnings])


@router.get("/codes", response_model=list[CodeOut], responses=error_responses(401, 422))
def search_codes(*, _ctx: CurrentCtx, db: DbSession,
                 q: Annotated[str, Query(min_length=1, max_length=codes.MAX_QUERY)],
                 on: Annotated[Day | None, Query()] = None,
                 system: Annotated[Literal["icd10", "kva"], Query()] = "icd10",
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[CodeOut]:
    """Codes valid on the date (default today) by code (dot or not, prefix) or by words of the title."""
    return [CodeOut(system=hit.system, code=hit.code, display=codes.display(hit.code, hit.system),
                    title=hit.title, fallback=hit.fallback)
            for hit in codes.search(db, system=system, query=q, on=on or local_today(),
                                    limit=limit)]
