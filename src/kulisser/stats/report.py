"""The monthly report to leadership, "Sekreterarnas arbete, <månad>": made, kept, read back.

A report is one PDF for a care unit or for the region (every unit together and side by
side), laid out by WeasyPrint from the sections of ``report_sections`` (aggregates only, SVG
charts inline) and the manager's text. Each one made is kept: the PDF under its sha256 in
``<data_dir>/stats_reports/`` (as the project stores files elsewhere, ``kulisser.files``) and
a ``stats_report`` row with its month, scope, version, text, who made it (or the monthly job)
and when; making the month again adds the next version and keeps the old. The manager writes
the text on the reports page before making the report (``stats_report_text``); the report
keeps the text as printed. Sending is in ``report_send``, the monthly job in ``report_jobs``.

Who: a unit's secretaries and managers read its reports; managers (and administrators) write
the text and make and send them; the region's report is for administrators. A report holds
no patient data, but another unit's report is refused like any unit record, with a denied
audit row (``audit.service.require_unit``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit import service as audit
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.files import content_path, place
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor, CareUnit, Role, User
from kulisser.stats import charts
from kulisser.stats import report_sections as sections
from kulisser.stats.report_models import MonthlyReport, ReportText
from kulisser.stats.report_sections import Scope, add_months, month_name

TEMPLATES = Path(__file__).resolve().parent / "templates"
FOLDER = "stats_reports"
OBJECT_TYPE = "stats_report"
TEXT_MAX = 4000
READERS = (Role.SECRETARY, Role.MANAGER, Role.ADMIN, Role.REGION_ADMIN)
# The region's report: administrators and the region administrator (who sees only the region's).
REGION_ROLES = (Role.ADMIN, Role.REGION_ADMIN)
HIDDEN = N_("Rapporten finns inte.")


# -- months and scopes --------------------------------------------------------------------------

def parse_month(text: str) -> date:
    """The first day of a month typed as YYYY-MM; a Swedish error otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if match and 1900 <= int(match[1]) <= 2999 and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise ValidationFailed({"manad": _("Ange månaden som ÅÅÅÅ-MM, t.ex. 2026-11.")})


def last_month(now: datetime | None = None) -> date:
    """The month before this one (Swedish calendar): the one a report is made for by default."""
    return add_months(workdays.local_today(now).replace(day=1), -1)


def check_ended(month: date, *, now: datetime | None = None) -> None:
    """Refuse a month that has not ended yet (its figures are still coming in)."""
    if month > last_month(now):
        raise ValidationFailed({"manad": _("Månaden är inte slut än: välj en avslutad månad.")})


def may_read(actor: Actor) -> bool:
    """Whether the actor's role reads reports (secretaries and managers of their unit)."""
    return actor.role in READERS


def may_make(actor: Actor, *, region: bool = False) -> bool:
    """Whether the actor writes the text and makes and sends reports of the scope."""
    return actor.role in REGION_ROLES if region else actor.is_manager


def scope_for(session: Session, *, actor: Actor, region: bool = False) -> Scope:
    """The actor's unit, or the region (administrators only); Forbidden (Swedish) otherwise."""
    if not may_read(actor):
        raise Forbidden(_("Rapporterna är till för sekreterare och enhetschefer."))
    if region or actor.role is Role.REGION_ADMIN:  # her unit is only where her login sits
        if actor.role not in REGION_ROLES:
            raise Forbidden(_("Regionens rapport är till för administratörer."))
        return region_scope()
    unit = session.get(CareUnit, actor.unit_id)
    return Scope(unit_id=actor.unit_id, name=unit.name if unit else str(actor.unit_id))


def region_scope() -> Scope:
    """The region: every unit together and side by side."""
    return Scope(unit_id=None, name=_("Regionen: alla vårdenheter"))


def unit_scope(session: Session, unit_id: int) -> Scope:
    """One unit's scope by id (the monthly job)."""
    unit = session.get(CareUnit, unit_id)
    return Scope(unit_id=unit_id, name=unit.name if unit else str(unit_id))


def _require_make(actor: Actor, scope: Scope) -> None:
    if not may_make(actor, region=scope.is_region):
        raise Forbidden(_("Bara enhetschefen skapar och skickar rapporten."))


# -- the manager's text -------------------------------------------------------------------------

def clean_text(text: str) -> str:
    """The text as kept: line breaks made plain, control characters out, at most TEXT_MAX."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32).strip()
    if len(text) > TEXT_MAX:
        raise ValidationFailed({"text": _("Texten får vara högst {n} tecken (nu {m}).",
                                          n=TEXT_MAX, m=len(text))})
    return text


def draft_text(session: Session, *, scope: Scope, month: date) -> str:
    """The text written for the scope's month so far ("" when none)."""
    row = session.scalar(select(ReportText).where(ReportText.scope_key == scope.key,
                                                  ReportText.month == month))
    return row.text if row else ""


def save_text(session: Session, *, actor: Actor, scope: Scope, month: date, text: str,
              now: datetime) -> str:
    """Keep the manager's text for the month (managers; Swedish errors); return it as kept."""
    _require_make(actor, scope)
    check_ended(month, now=now)
    kept = clean_text(text)
    row = session.scalar(select(ReportText).where(ReportText.scope_key == scope.key,
                                                  ReportText.month == month))
    if row is None:
        row = ReportText(scope_key=scope.key, month=month)
        session.add(row)
    row.text, row.updated_at, row.updated_by_id = kept, now, actor.user_id
    session.flush()
    return kept


# -- the PDF ------------------------------------------------------------------------------------

def change(now: int, before: int) -> str:
    """The change from the month before: "+12 %", or "–" when there was nothing before."""
    if before == 0:
        return "–"
    pct = (now - before) / before * 100
    return ("+" if pct > 0 else "") + charts.number(pct) + " %"


def css_string(value: str) -> Markup:
    """A CSS string literal of any text (quotes, backslashes, "</style>" escaped)."""
    out = [f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 32 else ch for ch in value]
    return Markup('"' + "".join(out) + '"')  # noqa: S704 - every special character is escaped


@lru_cache(maxsize=1)
def _env() -> Environment:
    from kulisser.stats import views  # views imports this module's views (the overview section)

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.globals.update(_=_, number=charts.number, change=change, duration=views.duration)
    env.filters["css_string"] = css_string
    return env


def title_of(month: date) -> str:
    """The report's title: "Sekreterarnas arbete, november 2026"."""
    return _("Sekreterarnas arbete, {month}", month=month_name(month))


def html_of(session: Session, *, scope: Scope, month: date, text: str, version: int,
            made_by: str, made_at: datetime) -> str:
    """The report as the HTML that WeasyPrint lays out."""
    title = title_of(month)
    return _env().get_template("stats/report_pdf.html").render(
        title=title, scope_line=scope.name, version=version, made_by=made_by,
        made_at=sections.made_label(made_at), sections=sections.build(session, scope, month),
        paragraphs=[p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()],
        footer=f"{title} – {scope.name}")


def _fetcher() -> Any:
    """A URL fetcher that fetches nothing: the report loads no file and no web address."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=(), fail_on_errors=False)


def render_pdf(html: str) -> bytes:
    """Lay the report's HTML out as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_fetcher()).write_pdf()
    return pdf


def store_pdf(data_dir: Path, pdf: bytes) -> str:
    """Keep the PDF under its sha256 (once per content); return the hash."""
    sha = hashlib.sha256(pdf).hexdigest()
    root = Path(data_dir) / FOLDER
    staging = root / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=staging, prefix="report-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        place(Path(temp), content_path(root, sha), size=len(pdf))
    finally:
        Path(temp).unlink(missing_ok=True)
    return sha


def read_pdf(data_dir: Path, report: MonthlyReport) -> bytes:
    """The kept PDF of a report; NotFound when its file is gone (a restore without files)."""
    path = content_path(Path(data_dir) / FOLDER, report.sha256)
    if not path.is_file():
        raise NotFound(_("Rapportens fil saknas i lagringen."))
    return path.read_bytes()


# -- making, listing, reading -------------------------------------------------------------------

def _next_version(session: Session, scope: Scope, month: date) -> int:
    last = session.scalar(select(func.max(MonthlyReport.version)).where(
        MonthlyReport.scope_key == scope.key, MonthlyReport.month == month))
    return (last or 0) + 1


def job_key(scope: Scope, month: date) -> str:
    """The monthly job's key of a scope's month: one job-made report each."""
    return f"{scope.key}/{month:%Y-%m}"


def make(session: Session, *, data_dir: Path, scope: Scope, month: date, now: datetime,
         actor: Actor | None = None, text: str | None = None) -> MonthlyReport:
    """Make and keep the next version of a scope's report (actor None: the monthly job).

    ``text`` (a manager's, on demand) is kept as the month's text first; otherwise the text
    written for the month so far is printed.
    """
    check_ended(month, now=now)
    if actor is not None:
        _require_make(actor, scope)
        if text is not None:
            save_text(session, actor=actor, scope=scope, month=month, text=text, now=now)
    kept = draft_text(session, scope=scope, month=month)
    made_by = actor.full_name if actor is not None else _("månadsjobbet")
    for attempt in range(3):
        version = _next_version(session, scope, month)
        pdf = render_pdf(html_of(session, scope=scope, month=month, text=kept, version=version,
                                 made_by=made_by, made_at=now))
        report = MonthlyReport(scope_key=scope.key, unit_id=scope.unit_id, month=month,
                               version=version, title=title_of(month),
                               sha256=store_pdf(data_dir, pdf), size=len(pdf), text=kept,
                               created_at=now, created_by_id=actor.user_id if actor else None,
                               job_key=job_key(scope, month) if actor is None else None)
        try:
            # A savepoint: a version taken meanwhile by another manager or the monthly job
            # (PostgreSQL) costs this attempt only, and the next one takes the next number.
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            if actor is None or attempt == 2:
                raise
            continue
        return report
    raise AssertionError("unreachable")  # pragma: no cover


def list_reports(session: Session, *, scope_keys: list[str],
                 month: date | None = None) -> list[MonthlyReport]:
    """The kept reports of the scopes (optionally one month), newest month and version first."""
    stmt = select(MonthlyReport).where(MonthlyReport.scope_key.in_(scope_keys))
    if month is not None:
        stmt = stmt.where(MonthlyReport.month == month)
    return list(session.scalars(stmt.order_by(MonthlyReport.month.desc(),
                                              MonthlyReport.scope_key,
                                              MonthlyReport.version.desc())))


def readable_scopes(actor: Actor) -> list[str]:
    """The scope keys whose reports the actor reads: the unit, and the region for its roles."""
    keys = [] if actor.role is Role.REGION_ADMIN else [f"unit:{actor.unit_id}"]
    if actor.role in REGION_ROLES:
        keys.append("region")
    return keys


def get_report(session: Session, *, actor: Actor, report_id: int,
               action: str = "read") -> MonthlyReport:
    """A report the actor may read; another unit's (or the region's, for a unit's staff) is
    not found, and the refusal is logged."""
    if not may_read(actor):
        raise Forbidden(_("Rapporterna är till för sekreterare och enhetschefer."))
    report = session.get(MonthlyReport, report_id)
    if report is None:
        raise NotFound(_(HIDDEN))
    if not (report.unit_id is None and actor.role in REGION_ROLES):
        audit.require_unit(actor=actor, object_type=OBJECT_TYPE, object_id=report.id,
                           unit_id=report.unit_id, hidden=_(HIDDEN), action=action,
                           current_unit=True)
    return report


def maker_names(session: Session, reports: list[MonthlyReport]) -> dict[int, str]:
    """Who made each report: a name, or "Månadsjobbet"."""
    ids = {r.created_by_id for r in reports if r.created_by_id is not None}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
                 .tuples().all()) if ids else {}
    return {r.id: names.get(r.created_by_id, "?") if r.created_by_id else _("Månadsjobbet")
            for r in reports}
