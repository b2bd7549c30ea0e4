"""What every JSON route shares: the error body and its OpenAPI entries, the documented ways
in, and the timestamp type of every answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Security
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from kulisser.web.deps import SESSION_COOKIE

# ISO 8601 with an explicit offset ("+00:00"), the same on every API answer.
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# -- errors ---------------------------------------------------------------------------------

class ApiError(BaseModel):
    """An error answer: a machine code, a Swedish message, and for bad input one message per field."""

    error: str = Field(description="validation, access_denied, csrf, forbidden, not_found, "
                                   "unauthenticated, illegal_transition, reason_required ...",
                       examples=["validation"])
    detail: str = Field(description="A message for the user (Swedish).",
                        examples=["Kontrollera uppgifterna."])
    errors: dict[str, str] | None = Field(
        None, description="For 422: field name -> Swedish message.",
        examples=[{"identifier": "Kontrollsiffran stämmer inte."}])
    patient_id: int | None = Field(None, description="For access_denied: the patient asked for.")
    emergency_access: bool | None = Field(
        None, description="For access_denied: emergency access (nödåtkomst) may be requested.")


_ERRORS: dict[int, str] = {
    401: "No session cookie and no bearer token, or an unknown or expired one (error=unauthenticated).",
    403: "A cookie session without the X-CSRF-Token header on an unsafe method (error=csrf); or no "
         "care relation with the patient (error=access_denied: the denial is logged, and "
         "POST /api/v1/patients/{patient_id}/emergency-access may be used).",
    404: "No such record, or one of a care unit the caller does not work in (error=not_found).",
    409: "The operation is not allowed in the work item's current status (error=illegal_transition "
         "and others; detail says why, in Swedish). Nothing was changed.",
    422: "Bad input (error=validation): `errors` maps each field to a Swedish message. "
         "Nothing was stored.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the listed error statuses, all with the ApiError body."""
    return {code: {"model": ApiError, "description": _ERRORS[code]} for code in codes}


def auth_dependencies() -> list[Any]:
    """Router dependencies that only document the two ways in (kulisser.web.deps.current checks)."""
    return [
        Security(HTTPBearer(auto_error=False, scheme_name="bearer",
                            description="A token from `kulisser token create USER`.")),
        Security(APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session",
                              description="The browser's login session; unsafe methods must "
                                          "also send the X-CSRF-Token header.")),
    ]
