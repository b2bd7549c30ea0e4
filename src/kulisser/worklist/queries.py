"""The worklist's read side: filters, keyset pagination, counts and computed deadlines."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import BindParameter, Select, and_, bindparam, case, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from kulisser import bounds
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.identity import InvalidIdentifier, looks_like_identity_number, parse_identifier
from kulisser.names import search_key
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, Role
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import CLOSED_STATUSES, OPEN_STATUSES, Status

Scope = Literal["mine_queue", "mine", "queue", "unit"]
SCOPES: dict[str, str] = {
    "mine_queue": N_("Mina och enhetens kö"),
    "mine": N_("Mina ärenden"),
    "queue": N_("Enhetens kö (ej tilldelade)"),
    "unit": N_("Hela enheten"),
}
STATUS_FILTERS: dict[str, str] = {
    "open": N_("Öppna"),
    "closed": N_("Avslutade"),
    "all": N_("Alla"),
    **{s.value: label for s, label in (
        (Status.REQUESTED, N_("Ny")), (Status.ACCEPTED, N_("Mottagen")), (Status.IN_PROGRESS, N_("Pågår")),
        (Status.ON_HOLD, N_("Vilande")), (Status.COMPLETED, N_("Klar")), (Status.CANCELLED, N_("Makulerad")),
        (Status.ENTERED_IN_ERROR, N_("Felregistrerad")))},
}


@dataclass(frozen=True)
class WorklistFilter:
    """What the user asked to see."""

    scope: str = "mine_queue"
    kind: str = ""
    status: str = "open"
    owner_id: int | None = None
    unit_id: int | None = None
    overdue: bool = False
    q: str = ""
    cursor: str = ""
    limit: int = 50

    def as_params(self, **changes: Any) -> dict[str, str]:
        """The filter as query parameters (for links), with changes applied."""
        f = replace(self, **changes)
        params = {"scope": f.scope, "kind": f.kind, "status": f.status,
                  "owner_id": "" if f.owner_id is None else str(f.owner_id),
                  "unit_id": "" if f.unit_id is None else str(f.unit_id),
                  "overdue": "1" if f.overdue else "", "q": f.q, "cursor": f.cursor}
        return {k: v for k, v in params.items() if v}


@dataclass
class Row:
    """A work item as the list shows it, with computed deadline flags."""

    item: WorkItem
    patient: Patient | None
    overdue: bool
    due_soon: bool


@dataclass
class Page:
    """One page of the worklist."""

    rows: list[Row]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def encode_cursor(due_at: datetime, item_id: int) -> str:
    """An opaque keyset cursor after (due_at, id)."""
    return base64.urlsafe_b64encode(f"{due_at.isoformat()}|{item_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Read a cursor; ValidationFailed for one that was not made by encode_cursor."""
    try:
        due, _sep, item_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        number = bounds.parse_id(item_id)
        if number is None:
            raise ValueError(item_id)
        when = datetime.fromisoformat(due)
        if when.tzinfo is None or not bounds.in_range(when.date()):
            raise ValueError(due)
        return when, number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": _("Ogiltig sidmarkör.")}) from None


def deadline_flags(item: WorkItem, *, now: datetime, due_soon_hours: int) -> tuple[bool, bool]:
    """(overdue, due soon) for an item: computed from its due time, never stored."""
    if Status(item.status) not in OPEN_STATUSES:
        return False, False
    overdue = item.due_at < now
    return overdue, (not overdue and item.due_at < now + timedelta(hours=due_soon_hours))


def _unit(actor: Actor, f: WorklistFilter) -> int:
    if f.unit_id is None:
        return actor.unit_id
    if f.unit_id not in actor.unit_ids:
        raise ValidationFailed({"unit_id": _("Du arbetar inte på den vårdenheten.")})
    return f.unit_id


def _filtered(stmt: Select[Any], actor: Actor, f: WorklistFilter, now: datetime,
              wi: Any) -> Select[Any]:
    """Apply every filter except scope and cursor."""
    if f.status == "open":
        stmt = stmt.where(is_open_clause(wi))
    elif f.status == "closed":
        stmt = stmt.where(wi.status.in_([s.value for s in CLOSED_STATUSES]))
    elif f.status != "all":
        try:
            stmt = stmt.where(wi.status == Status(f.status).value)
        except ValueError:
            raise ValidationFailed({"status": _("Okänd status.")}) from None
    if f.kind:
        stmt = stmt.where(wi.kind == bindparam("kind", f.kind))
    if f.owner_id is not None:
        stmt = stmt.where(wi.owner_id == bindparam("owner", f.owner_id))
    if f.overdue:
        stmt = stmt.where(wi.due_at < bindparam("now", now), is_open_clause(wi))
    q = f.q.strip()
    if q:
        pat = aliased(Patient)
        stmt = stmt.join(pat, pat.id == wi.patient_id)
        if looks_like_identity_number(q):
            try:
                stmt = stmt.where(pat.id_value == parse_identifier(q).value)
            except InvalidIdentifier:
                stmt = stmt.where(pat.id_value.contains("".join(c for c in q if c.isdigit())))
        elif q.replace("-", "").isdigit():
            stmt = stmt.where(pat.id_value.contains(q.replace("-", "")))
        else:
            for term in search_key(q).split():
                # autoescape: a typed "%" or "_" is a character, not a LIKE wildcard.
                stmt = stmt.where(or_(pat.search_name.startswith(term, autoescape=True),
                                      pat.search_name.contains(" " + term, autoescape=True)))
    return stmt


_OPEN_VALUES = [s.value for s in OPEN_STATUSES]


def is_open_clause(wi: Any) -> Any:
    """status IN (open statuses), with the values written into the SQL.

    Literal values let SQLite's and PostgreSQL's planners match the partial indexes, whose
    predicate is the same list; bound parameters hide it from SQLite (a full scan).
    """
    return wi.status.in_(bindparam("open_statuses", _OPEN_VALUES, expanding=True,
                                   literal_execute=True))


def default_scope(actor: Actor) -> str:
    """The worklist a user sees first: a clinician her own work, a secretary also the queue."""
    # A clinician's items are assigned to her (signatures, assessments, results to sign); the
    # unit's queue is mostly the secretaries' call-backs and letters, noise on her first screen.
    return "mine" if actor.role == Role.CLINICIAN else "mine_queue"


def _combined(actor: Actor, f: WorklistFilter, unit_id: int, wi: Any) -> Any:
    """The scope as one where-clause (for counts): the unit first, then the owners."""
    if f.scope == "mine_queue":
        return and_(wi.unit_id == bindparam("unit", unit_id),
                    or_(wi.owner_id == bindparam("me", actor.user_id), wi.owner_id.is_(None)))
    return or_(*_scoped(actor, f, unit_id, wi))


def _scoped(actor: Actor, f: WorklistFilter, unit_id: int, wi: Any) -> list[Any]:
    """One where-clause per branch; "mine and queue" is two branches merged by due time."""
    unit: BindParameter[int] = bindparam("unit", unit_id)
    mine = and_(wi.owner_id == bindparam("me", actor.user_id), wi.unit_id == unit)
    queue = and_(wi.owner_id.is_(None), wi.unit_id == unit)
    match f.scope:
        case "mine":
            return [mine]
        case "queue":
            return [queue]
        case "unit":
            return [wi.unit_id == unit]
        case "mine_queue":
            return [mine, queue]
    raise ValidationFailed({"scope": _("Okänt urval.")})


# Statements by the shape of the filter (which filters are set, not their values), their
# values bound by name: building the page's statements and their cache keys anew on every
# request was a seventh of the worklist's CPU. A search (q) is built each time.
_BY_SHAPE: dict[tuple[Any, ...], Select[Any]] = {}


def _shape(kind: str, f: WorklistFilter) -> tuple[Any, ...] | None:
    if f.q.strip():
        return None
    return (kind, f.scope, f.status, bool(f.kind), f.owner_id is not None, f.overdue, bool(f.cursor))


def _params(actor: Actor, f: WorklistFilter, unit_id: int, now: datetime) -> dict[str, Any]:
    """The values of the named bind parameters of a statement built for this filter."""
    params: dict[str, Any] = {"me": actor.user_id, "unit": unit_id, "now": now,
                              "kind": f.kind, "owner": f.owner_id,
                              "lim": max(1, min(f.limit, 200)) + 1}
    if f.cursor:
        params["cursor_due"], params["cursor_id"] = decode_cursor(f.cursor)
    return params


def _cached(kind: str, f: WorklistFilter, build: Any) -> tuple[Select[Any], bool]:
    """The statement for the filter's shape (built now if new), and whether it was cached."""
    key = _shape(kind, f)
    if key is not None and key in _BY_SHAPE:
        return _BY_SHAPE[key], True
    stmt: Select[Any] = build()
    if key is not None:
        _BY_SHAPE[key] = stmt
    return stmt, False


def _ids_statement(actor: Actor, f: WorklistFilter, unit_id: int, now: datetime,
                   limit: int) -> Select[Any]:
    lim: BindParameter[int] = bindparam("lim", limit + 1)
    branches = []
    for clause in _scoped(actor, f, unit_id, WorkItem):
        stmt = _filtered(select(WorkItem.id, WorkItem.due_at).where(clause), actor, f, now, WorkItem)
        if f.cursor:
            due, last_id = decode_cursor(f.cursor)
            due_p: BindParameter[datetime] = bindparam("cursor_due", due)
            id_p: BindParameter[int] = bindparam("cursor_id", last_id)
            stmt = stmt.where(or_(WorkItem.due_at > due_p,
                                  and_(WorkItem.due_at == due_p, WorkItem.id > id_p)))
        branches.append(stmt.order_by(WorkItem.due_at, WorkItem.id).limit(lim))
    # Each branch walks its own partial index in due order; merging the small heads is cheap.
    if len(branches) == 1:
        return branches[0]
    merged = union_all(*[b.subquery().select() for b in branches]).subquery()
    return select(merged.c.id, merged.c.due_at).order_by(merged.c.due_at, merged.c.id).limit(lim)


_ROWS = select(WorkItem, Patient).outerjoin(Patient, Patient.id == WorkItem.patient_id).where(
    WorkItem.id.in_(bindparam("ids", expanding=True)))


def list_items(session: Session, *, actor: Actor, f: WorklistFilter,
               now: datetime | None = None, due_soon_hours: int = 4) -> Page:
    """One page of the worklist, sorted by due time, with each patient shown logged."""
    now = now or utcnow()
    unit_id = _unit(actor, f)
    limit = max(1, min(f.limit, 200))
    ids_stmt, cached = _cached("ids", f, lambda: _ids_statement(actor, f, unit_id, now, limit))
    keys = session.execute(ids_stmt, _params(actor, f, unit_id, now) if cached else {}).all()
    more = len(keys) > limit
    keys = keys[:limit]
    ids = [k[0] for k in keys]
    by_id: dict[int, tuple[WorkItem, Patient | None]] = {}
    if ids:
        for item, pat in session.execute(_ROWS, {"ids": ids}).tuples():
            by_id[item.id] = (item, pat)
    rows = []
    for item_id in ids:
        item, patient = by_id[item_id]
        overdue, soon = deadline_flags(item, now=now, due_soon_hours=due_soon_hours)
        rows.append(Row(item=item, patient=patient, overdue=overdue, due_soon=soon))
    audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows if r.patient],
                      object_type="worklist", now=now)
    next_cursor = encode_cursor(keys[-1][1], keys[-1][0]) if more and keys else None
    return Page(rows=rows, next_cursor=next_cursor)


def kind_counts(session: Session, *, actor: Actor, f: WorklistFilter,
                now: datetime | None = None) -> tuple[dict[str, int], int]:
    """Items of each kind matching the filter (ignoring the kind filter), and how many of
    them are open and overdue: one query for the list's sidebar and its badge."""
    now = now or utcnow()
    unit_id = _unit(actor, f)
    g = replace(f, kind="", cursor="")

    def build() -> Select[Any]:
        late = case((and_(is_open_clause(WorkItem), WorkItem.due_at < bindparam("now", now)), 1),
                    else_=0)
        stmt = select(WorkItem.kind, func.count(), func.sum(late)).where(
            _combined(actor, g, unit_id, WorkItem))
        return _filtered(stmt, actor, g, now, WorkItem).group_by(WorkItem.kind)

    stmt, cached = _cached("counts", g, build)
    rows = session.execute(stmt, _params(actor, g, unit_id, now) if cached else {}).tuples().all()
    return {kind: n for kind, n, _late in rows}, sum(int(late_n or 0) for _k, _n, late_n in rows)


def counts_per_kind(session: Session, *, actor: Actor, f: WorklistFilter,
                    now: datetime | None = None) -> dict[str, int]:
    """How many items of each kind match the filter (ignoring the kind filter itself)."""
    return kind_counts(session, actor=actor, f=f, now=now)[0]


def overdue_count(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    """Open overdue items that are mine or in my unit's queue (for the header badge)."""
    now = now or utcnow()
    f = WorklistFilter(overdue=True)
    stmt = select(func.count()).select_from(WorkItem).where(
        _combined(actor, f, actor.unit_id, WorkItem))
    return session.scalar(_filtered(stmt, actor, f, now, WorkItem)) or 0


def patient_items(session: Session, *, patient_id: int, unit_ids: tuple[int, ...]
                  ) -> tuple[list[WorkItem], list[WorkItem]]:
    """A patient's open and closed items in the user's units (caller has checked access)."""
    items = list(session.scalars(
        select(WorkItem).where(WorkItem.patient_id == patient_id, WorkItem.unit_id.in_(unit_ids))
        .order_by(WorkItem.due_at)))
    open_ = [i for i in items if Status(i.status) in OPEN_STATUSES]
    closed = sorted((i for i in items if Status(i.status) not in OPEN_STATUSES),
                    key=lambda i: i.closed_at or i.updated_at, reverse=True)
    return open_, closed
