"""create_app(): routers, templates, middleware and the error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kulisser.audit.service import AccessDenied
from kulisser.bounds import DAY_RANGE_ERROR, FIRST_DAY, LAST_DAY
from kulisser.config import Settings, get_settings
from kulisser.db import Database, is_transient
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.jobs import runner as jobs_runner
from kulisser.jobs.runner import EmbeddedRunner
from kulisser.packages import INSTALLED
from kulisser.packages import routers as package_routers
from kulisser.packages import setup as setup_packages
from kulisser.web.body_limit import BodyLimit
from kulisser.web.deps import REGION_HOME, CsrfFailed, LoginRequired, RegionOnly
from kulisser.web.headers import PageHeaders
from kulisser.web.overload import Admission, busy_response, conflict_response
from kulisser.web.templating import is_htmx, make_templates, render
from kulisser.web.unit_of_work import CommitBeforeResponse
from kulisser.worklist.states import TransitionError

log = logging.getLogger("kulisser")
STATIC = Path(__file__).resolve().parent / "web" / "static"


def _is_api(request: Request) -> bool:
    # The API docs are a page: without a login they redirect to the login form.
    return request.url.path.startswith("/api/") and request.url.path != "/api/docs"


def _error(request: Request, status: int, code: str, message: str,
           extra: dict[str, Any] | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"error": code, "detail": message, **(extra or {})}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message, **(extra or {})},
                  partial="_error.html", status_code=status)


_PYDANTIC_SV = {
    "missing": N_("Värdet saknas."),
    "int_parsing": N_("Ange ett heltal."),
    "int_type": N_("Ange ett heltal."),
    "float_parsing": N_("Ange ett tal."),
    "bool_parsing": N_("Ange sant eller falskt."),
    "string_too_long": N_("Texten är för lång."),
    "string_too_short": N_("Texten är för kort."),
    "greater_than_equal": N_("Värdet är för litet."),
    "less_than_equal": N_("Värdet är för stort."),
    "json_invalid": N_("Ogiltig JSON."),
    "datetime_parsing": N_("Ogiltig tidpunkt (ISO 8601)."),
    "datetime_from_date_parsing": N_("Ogiltig tidpunkt (ISO 8601)."),
    "timezone_aware": N_("Ange tidpunkten med tidszon, t.ex. +01:00."),
    "timezone_naive": N_("Ange tiden utan tidszon (svensk tid), t.ex. 08:00."),
    "enum": N_("Ogiltigt val."),
    "literal_error": N_("Ogiltigt val."),
}


def _swedish(error: Any) -> str:
    """A Swedish message for one of Pydantic's validation errors."""
    kind = str(error.get("type"))
    if kind == DAY_RANGE_ERROR:
        return _("Ange ett datum mellan {first} och {last}.", first=FIRST_DAY, last=LAST_DAY)
    return _(_PYDANTIC_SV[kind]) if kind in _PYDANTIC_SV else _("Ogiltigt värde.")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            if exc.message:  # the login's assignment in its unit has ended (staff register)
                return JSONResponse({"error": "assignment_ended", "detail": exc.message},
                                    status_code=401)
            return JSONResponse({"error": "unauthenticated", "detail": "Log in or send a bearer token."},
                                status_code=401)
        target = "/login?next=" + quote(request.url.path) + ("&uppdrag=slut" if exc.message else "")
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        return _error(request, 403, "csrf", _("Formuläret har gått ut. Ladda om sidan och försök igen."))

    @app.exception_handler(RegionOnly)
    async def region_only(request: Request, _exc: RegionOnly) -> Response:
        # A region administrator's landing (the worklist by default) becomes the region's view.
        if request.method == "GET" and not _is_api(request) and not is_htmx(request):
            return RedirectResponse(REGION_HOME, status_code=303)
        return _error(request, 403, "forbidden",
                      _("En regionadministratör ser bara regionens översikt och enheternas summor."))

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, exc: AccessDenied) -> Response:
        return _error(request, 403, "access_denied",
                      _("Din vårdenhet har ingen vårdrelation med patienten. Åtkomsten är loggad."),
                      {"patient_id": exc.patient_id, "emergency_access": True})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "forbidden", exc.message)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "not_found", exc.message)

    @app.exception_handler(TransitionError)
    async def transition(request: Request, exc: TransitionError) -> Response:
        # A stale If-Match (worklist.concurrency.StaleItem) is 412 and names the current ETag.
        response = _error(request, getattr(exc, "status", 409), exc.code, exc.message, exc.extra)
        if getattr(exc, "etag", None):
            response.headers["ETag"] = exc.etag  # type: ignore[attr-defined]
        return response

    @app.exception_handler(ValidationFailed)
    async def validation_failed(request: Request, exc: ValidationFailed) -> Response:
        return _error(request, 422, "validation", _("Kontrollera uppgifterna."), {"errors": exc.errors})

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = {".".join(str(p) for p in e["loc"][1:]) or "body": _swedish(e) for e in exc.errors()}
        return _error(request, 422, "validation", _("Ogiltig begäran."), {"errors": errors})

    async def database_busy(request: Request, exc: Exception) -> Response:
        # No free connection in time, a lock, a database restarting: nothing was stored, and
        # the same request can succeed in a moment. Never the error's text: it may hold data.
        log.warning("database busy: %s on %s %s", type(exc).__name__, request.method,
                    request.url.path)
        return busy_response(request.url.path, request.app.state.settings.retry_after_seconds)

    async def database_error(request: Request, exc: Exception) -> Response:
        if is_transient(exc):
            return await database_busy(request, exc)
        raise exc  # a real fault: the unit of work answers 500 without the error's text

    async def changed_meanwhile(request: Request, _exc: Exception) -> Response:
        # A versioned row (a work item) changed since it was read: refuse, store nothing.
        return conflict_response(request.url.path)

    app.add_exception_handler(StaleDataError, changed_meanwhile)
    app.add_exception_handler(sa_exc.TimeoutError, database_busy)
    app.add_exception_handler(sa_exc.DBAPIError, database_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: _("Sidan finns inte."), 405: _("Metoden stöds inte."),
                    400: _("Begäran kunde inte läsas: felaktig JSON eller ett felaktigt formulär "
                           "(högst 1 MB per fält och 1000 fält eller filer).")}
        return _error(request, exc.status_code, "http", messages.get(exc.status_code, str(exc.detail)))


def create_app(settings: Settings | None = None, database: Database | None = None,
               packages: Sequence[str] = INSTALLED) -> FastAPI:
    """Build the application from the installed packages; tests pass their own settings and database."""
    settings = settings or get_settings()
    # Every package's tables, kinds, jobs and subscribers register before its routers load.
    installed = setup_packages(packages)
    # Mappers configure themselves on first use: do it now, not in the first requests' time.
    configure_mappers()
    database = database or Database(settings.database_url, **settings.pool_options)
    # Which runner carries the jobs that this process defers (procrastinate in production).
    jobs_runner.configure(jobs=settings.jobs, database_url=settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The embedded default: jobs run in a thread of this process; state is in the database,
        # so a restart resumes them. With KULISSER_JOBS=worker or procrastinate, `kulisser
        # worker` processes run them.
        # Every admitted request may need a thread (routes and dependencies that touch the
        # database are plain `def`), besides commits and file work: never fewer threads.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, settings.max_concurrent_requests + 8)
        runner = (EmbeddedRunner(database, settings=settings, lease_seconds=settings.job_lease_seconds)
                  if settings.jobs == "embedded" else None)
        if runner:
            runner.start()
        yield
        if runner:
            runner.shutdown()

    # The docs page and the OpenAPI document are kulisser.web.api_docs (behind login, vendored).
    app = FastAPI(title="Kulisser", version="0.1.0", docs_url=None, lifespan=lifespan,
                  openapi_url=None, redoc_url=None,
                  description="Kulisser's JSON API: patients, work items and the access log. "
                  "Authenticate with `Authorization: Bearer <token>` (`kulisser token create USER`) "
                  "or a browser session plus the X-CSRF-Token header.")
    app.state.settings = settings
    app.state.db = database
    app.state.templates = make_templates(reload=settings.mode == "demo")
    # Compiled now: the login page renders on the event loop and must not read files there.
    app.state.templates.env.get_template("staff/login.html")

    # The commit happens before any byte is sent.
    app.add_middleware(CommitBeforeResponse)
    # A request waits in line before anything else of it runs.
    app.add_middleware(Admission, limit=settings.max_concurrent_requests,
                       queue_seconds=settings.request_queue_seconds,
                       retry_after=settings.retry_after_seconds)
    # Outermost: a body too large is refused before it queues, before auth, before disk.
    app.add_middleware(BodyLimit, settings=settings)
    # Outside the line too: a 503 from the line and a 413 carry the same headers and log line.
    app.add_middleware(PageHeaders, hsts=settings.secure_cookies)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in package_routers(installed):
        app.include_router(router)
    return app
