"""The access log's read side for log review: filters, keyset pages, counts and samples.

Everything here is scoped to the manager's own care units (AuditEvent.unit_id in unit_ids).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, load_only

from kulisser import bounds
from kulisser.audit.labels import ACTIONS, OUTCOMES, action_label, outcome_label
from kulisser.audit.models import AuditEvent, AuditReview
from kulisser.audit.service import require_unit
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, CareUnit, UnitMembership, User

TZ = ZoneInfo("Europe/Stockholm")
PAGE_SIZE = 50
BATCH_MAX = 1000

# Only the columns a log review needs: a patient's address is never loaded (protected identity).
PATIENT_COLUMNS = load_only(Patient.id, Patient.id_kind, Patient.id_value, Patient.given_name,
                             Patient.family_name, raiseload=True)


@dataclass(frozen=True)
class AuditFilter:
    """What the manager asked to see in the log.

    An ``identifier`` still set after resolve() names no patient (or another one than
    ``patient_id``), so the filter matches no rows.
    """

    user_id: int | None = None
    patient_id: int | None = None
    identifier: str = ""
    date_from: date | None = None
    date_to: date | None = None
    outcome: str = ""
    action: str = ""
    unreviewed: bool = False
    cursor: str = ""
    limit: int = PAGE_SIZE
    # The review page's view (issue 10): list views ("Visad i lista") left out unless asked
    # for, rows grouped per user, patient and day unless "rows" is asked for. The API and a
    # filter built in code see every row, ungrouped.
    hide_lists: bool = False
    view: str = "rows"
    group_page: int = 1

    def as_params(self, **changes: Any) -> dict[str, str]:
        """The filter as query parameters (for links and hidden fields), with changes applied."""
        f = replace(self, **changes)
        params = {"user_id": "" if f.user_id is None else str(f.user_id),
                  "patient_id": "" if f.patient_id is None else str(f.patient_id),
                  "identifier": f.identifier,
                  "date_from": f.date_from.isoformat() if f.date_from else "",
                  "date_to": f.date_to.isoformat() if f.date_to else "",
                  "outcome": f.outcome, "action": f.action,
                  "unreviewed": "1" if f.unreviewed else "", "cursor": f.cursor,
                  # Links carry the view only where it is not the page's default.
                  "listor": "" if f.hide_lists else "1", "visa": "rader" if f.view == "rows" else "",
                  "sida": str(f.group_page) if f.group_page > 1 else ""}
        return {k: v for k, v in params.items() if v}


@dataclass
class Review:
    """A documented review of an audit row, with the reviewer's name."""

    review: AuditReview
    reviewer_name: str


@dataclass
class LogRow:
    """An audit row as the review pages show it."""

    event: AuditEvent
    user_name: str
    unit_name: str
    patient: Patient | None
    reviews: list[Review] = field(default_factory=list)


@dataclass
class LogPage:
    """One page of the log, newest first."""

    rows: list[LogRow]
    next_cursor: str | None


def local_start(day: date) -> datetime:
    """The UTC instant a local (Europe/Stockholm) day begins."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC)


def _int(value: str, field_name: str, errors: dict[str, str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    number = bounds.parse_int(value)
    if number is None:
        errors[field_name] = _("Ogiltigt val.")
    return number


def _date(value: str, field_name: str, errors: dict[str, str]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return bounds.parse_day(value)
    except ValueError:
        errors[field_name] = _("Ange datum som ÅÅÅÅ-MM-DD.")
        return None


def filter_from_params(session: Session, params: Mapping[str, str]) -> AuditFilter:
    """Read the log filter from a form or query string; ValidationFailed lists every bad field."""
    errors: dict[str, str] = {}
    f = AuditFilter(
        user_id=_int(params.get("user_id", ""), "user_id", errors),
        patient_id=_int(params.get("patient_id", ""), "patient_id", errors),
        identifier=params.get("identifier", "").strip(),
        date_from=_date(params.get("date_from", ""), "date_from", errors),
        date_to=_date(params.get("date_to", ""), "date_to", errors),
        outcome=params.get("outcome", "").strip(),
        action=params.get("action", "").strip()[:20],
        unreviewed=params.get("unreviewed", "") not in ("", "0", "false"),
        cursor=params.get("cursor", "").strip(),
        hide_lists=params.get("listor", "") in ("", "0"),
        view="rows" if params.get("visa", "") == "rader" else "groups",
        group_page=_int(params.get("sida", ""), "sida", errors) or 1,
    )
    try:
        f = resolve(session, f)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return f


def resolve(session: Session, f: AuditFilter) -> AuditFilter:
    """Check the filter and turn a typed identity number into the patient's id."""
    errors: dict[str, str] = {}
    if f.outcome and f.outcome not in OUTCOMES:
        errors["outcome"] = _("Okänt utfall.")
    if f.date_from and f.date_to and f.date_from > f.date_to:
        errors["date_to"] = _("Slutdatumet ligger före startdatumet.")
    if f.cursor:
        try:
            decode_cursor(f.cursor)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    text = f.identifier.strip()
    if text:
        try:
            ident = parse_identifier(text)
            kind, value, message = ident.kind.value, ident.value, ""
        except InvalidIdentifier as exc:
            # Reservnummer have no common format: accept one only if it is on file exactly.
            kind, value, message = "reservnummer", text.upper(), exc.message
        pid = session.scalar(select(Patient.id).where(Patient.id_kind == kind,
                                                      Patient.id_value == value))
        if pid is None and message:
            errors["identifier"] = message
        elif pid is not None and f.patient_id in (None, pid):
            # Links carry the id from here on, so the number is not repeated in URLs.
            f = replace(f, patient_id=pid, identifier="")
    if errors:
        raise ValidationFailed(errors)
    return f


def encode_cursor(at: datetime, event_id: int) -> str:
    """An opaque keyset cursor after (at, id), newest first."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Read a cursor; ValidationFailed for one that was not made by encode_cursor."""
    try:
        at, _sep, event_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not bounds.in_range(when.date()):
            raise ValueError(at)
        number = bounds.parse_id(event_id, maximum=bounds.MAX_BIG_ID)
        if number is None:
            raise ValueError(event_id)
        return when, number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": _("Ogiltig sidmarkör.")}) from None


def conditions(actor: Actor, f: AuditFilter) -> list[ColumnElement[bool]]:
    """The where-clauses of a resolved filter, always limited to the actor's units."""
    conds: list[ColumnElement[bool]] = [AuditEvent.unit_id.in_(actor.unit_ids)]
    if f.user_id is not None:
        conds.append(AuditEvent.user_id == f.user_id)
    if f.patient_id is not None:
        conds.append(AuditEvent.patient_id == f.patient_id)
    if f.identifier:
        conds.append(false())
    if f.date_from:
        conds.append(AuditEvent.at >= local_start(f.date_from))
    if f.date_to:
        conds.append(AuditEvent.at < local_start(f.date_to + timedelta(days=1)))
    if f.outcome:
        conds.append(AuditEvent.outcome == f.outcome)
    if f.action:
        conds.append(AuditEvent.action == f.action)
    elif f.hide_lists:
        conds.append(AuditEvent.action != "list")
    if f.unreviewed:
        conds.append(~exists().where(AuditReview.audit_event_id == AuditEvent.id))
    return conds


def row_select() -> Select[Any]:
    """Select audit rows with the user's name, the unit's name and the patient (no address)."""
    return (select(AuditEvent, User.full_name, CareUnit.name, Patient)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(CareUnit, CareUnit.id == AuditEvent.unit_id)
            .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
            .options(PATIENT_COLUMNS))


def _with_reviews(session: Session, rows: list[LogRow]) -> list[LogRow]:
    by_id = {r.event.id: r for r in rows}
    if by_id:
        for review, name in session.execute(
            select(AuditReview, User.full_name).join(User, User.id == AuditReview.reviewer_id)
            .where(AuditReview.audit_event_id.in_(by_id)).order_by(AuditReview.reviewed_at)
        ).tuples():
            by_id[review.audit_event_id].reviews.append(Review(review, name))
    return rows


def log_rows(session: Session, stmt: Select[Any]) -> list[LogRow]:
    """Run a row_select() statement and attach each row's reviews."""
    rows = [LogRow(event=e, user_name=name or "", unit_name=unit or "", patient=p)
            for e, name, unit, p in session.execute(stmt).tuples()]
    return _with_reviews(session, rows)


def list_events(session: Session, *, actor: Actor, f: AuditFilter) -> LogPage:
    """One page of the filtered log, newest first (keyset pagination on time and id)."""
    limit = max(1, min(f.limit, BATCH_MAX))
    stmt = row_select().where(*conditions(actor, f))
    if f.cursor:
        at, last_id = decode_cursor(f.cursor)
        stmt = stmt.where(or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < last_id)))
    rows = log_rows(session, stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                     .limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].event if rows else None
    return LogPage(rows=rows, next_cursor=encode_cursor(last.at, last.id) if more and last else None)


def iter_events(session: Session, *, actor: Actor, f: AuditFilter,
                batch: int = BATCH_MAX) -> Iterator[list[LogRow]]:
    """The whole filtered log in batches, so an export never holds it all in memory."""
    f = replace(f, limit=batch)
    while True:
        page = list_events(session, actor=actor, f=f)
        if page.rows:
            yield page.rows  # the session's identity map is weak: written batches are freed
        if page.next_cursor is None:
            return
        f = replace(f, cursor=page.next_cursor)


def outcome_counts(session: Session, *, actor: Actor, f: AuditFilter) -> dict[str, int]:
    """Rows per outcome under the filter, ignoring its own outcome choice."""
    g = replace(f, outcome="", cursor="")
    stmt = (select(AuditEvent.outcome, func.count()).where(*conditions(actor, g))
            .group_by(AuditEvent.outcome))
    counts = {key: 0 for key in OUTCOMES}
    counts.update({outcome: n for outcome, n in session.execute(stmt).tuples()})
    return counts


def count_events(session: Session, *, actor: Actor, f: AuditFilter) -> int:
    """How many rows the filter matches."""
    stmt = select(func.count()).select_from(AuditEvent).where(*conditions(actor, f))
    return session.scalar(stmt) or 0


def event_row(session: Session, *, actor: Actor, event_id: int) -> LogRow:
    """One audit row of the actor's units with its reviews; NotFound otherwise."""
    event_unit(session, actor=actor, event_id=event_id)
    rows = log_rows(session, row_select().where(AuditEvent.id == event_id,
                                                  AuditEvent.unit_id.in_(actor.unit_ids)))
    if not rows:
        raise NotFound(_("Loggraden finns inte."))
    return rows[0]


def describe_filter(session: Session, f: AuditFilter) -> str:
    """The filter in words for the log of log reads: a patient by id, never an identity number."""
    parts = []
    if f.user_id is not None:
        name = session.scalar(select(User.full_name).where(User.id == f.user_id))
        parts.append(_("användare {name}", name=name or f.user_id))
    if f.patient_id is not None:
        parts.append(_("patient-id {pid}", pid=f.patient_id))
    if f.identifier:
        parts.append(_("ett identitetsnummer som inte finns i registret"))
    if f.date_from:
        parts.append(_("från och med {d}", d=f.date_from.isoformat()))
    if f.date_to:
        parts.append(_("till och med {d}", d=f.date_to.isoformat()))
    if f.outcome:
        parts.append(_("utfall {o}", o=outcome_label(f.outcome).lower()))
    if f.action:
        action = action_label(f.action) if f.action in ACTIONS else f.action[:20]
        parts.append(_("åtgärd {a}", a=action.lower()))
    if f.unreviewed:
        parts.append(_("endast ogranskade"))
    if f.hide_lists and not f.action:
        parts.append(_("utan visningar i listor"))
    if f.view == "groups":
        parts.append(_("grupperat per användare, patient och dag"))
    if f.cursor or f.group_page > 1:
        parts.append(_("en senare sida"))
    return _("Filter: {parts}", parts=", ".join(parts)) if parts else _("Utan filter")


def event_unit(session: Session, *, actor: Actor, event_id: int) -> None:
    """NotFound for a missing audit row; another unit's is refused as not found and logged."""
    found = session.execute(select(AuditEvent.unit_id).where(AuditEvent.id == event_id)).first()
    if found is None:
        raise NotFound(_("Loggraden finns inte."))
    require_unit(actor=actor, object_type="audit_event", object_id=event_id, unit_id=found[0],
                 hidden=_("Loggraden finns inte."))


def staff_options(session: Session, *, actor: Actor) -> list[tuple[str, str]]:
    """The staff of the actor's units (former staff too: their rows are in the log) for a select."""
    rows = session.execute(
        select(User.id, User.full_name, User.active)
        .join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id.in_(actor.unit_ids)).distinct().order_by(User.full_name)
    ).tuples()
    return [(str(uid), name if active else _("{name} (inaktiv)", name=name))
            for uid, name, active in rows]


def form_values(session: Session, f: AuditFilter) -> dict[str, str]:
    """The filter as the form shows it: the patient by identity number, never by id."""
    values = f.as_params(cursor="", group_page=1)
    pid = values.pop("patient_id", None)
    if pid and not f.identifier:
        values["identifier"] = patient_label(session, f.patient_id)[1]
    return values


def patient_label(session: Session, patient_id: int | None) -> tuple[str, str]:
    """(name, identity number) of a patient, for labels in the log review."""
    if patient_id is None:
        return "", ""
    p = session.scalar(select(Patient).where(Patient.id == patient_id).options(PATIENT_COLUMNS))
    return (p.full_name, p.display_id) if p else ("", "")
