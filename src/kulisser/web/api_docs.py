"""The API's OpenAPI document and its Swagger UI page: behind login, except in demo mode.

FastAPI's own docs routes are turned off (app.py): they load Swagger UI from a CDN with an
inline script, which the Content-Security-Policy of every page forbids. This page loads the
vendored copy (web/static/vendor/swagger-ui) and a static init script instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from kulisser.web.deps import AppSettings, DbSession, LoginRequired, caller
from kulisser.web.templating import render

DOCS_PATH = "/api/docs"
OPENAPI_PATH = "/api/v1/openapi.json"

router = APIRouter(include_in_schema=False)


def docs_reader(request: Request, db: DbSession,
                settings: AppSettings) -> None:
    """Let anyone read the API description in demo mode; elsewhere only a logged-in caller."""
    # The document maps every route and parameter: useful to an attacker, needed by no stranger.
    try:
        request.state.ctx = caller(request, db, settings)
    except LoginRequired:
        if settings.mode != "demo":
            raise


@router.get(OPENAPI_PATH, dependencies=[Depends(docs_reader)])
def openapi_document(request: Request) -> Response:
    """The OpenAPI document of the JSON API."""
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get(DOCS_PATH, dependencies=[Depends(docs_reader)])
def docs_page(request: Request) -> Response:
    """Swagger UI over the OpenAPI document, from vendored files under the common CSP."""
    return render(request, "web/api_docs.html", {"openapi_url": OPENAPI_PATH})
