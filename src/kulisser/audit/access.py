"""The one access check for unit-scoped records and patient data, and the audit rows it writes
(PDL). Other packages reach it through kulisser.audit.service; nothing outside audit/ builds an
audit row or a refusal (tests/unit/test_one_access_check.py). The rows of a care relation's
start are written here too; their follow-up is in relation_starts.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Integer, Table, bindparam, event, func, insert, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from kulisser.audit.dedupe import first_time
from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor, Role


class PatientRecord(Protocol):
    """A unit-scoped record that holds a patient's data (a dictation, a referral, a visit...):
    its id, the care unit it belongs to, and its patient (None: not matched to one yet)."""

    @property
    def id(self) -> int: ...

    @property
    def unit_id(self) -> int | None: ...

    @property
    def patient_id(self) -> int | None: ...


class AccessDenied(Exception):
    """No care relation and no emergency access; carries the denied audit row to write."""

    def __init__(self, row: dict[str, object]) -> None:
        super().__init__("access denied")
        self.row = row
        self.patient_id = row.get("patient_id")


class DeniedNotFound(NotFound):
    """Another unit's record, answered as not found so that its existence stays hidden;
    carries the denied audit row to write, like AccessDenied."""

    def __init__(self, message: str, row: dict[str, object]) -> None:
        super().__init__(message)
        self.row = row
        self.patient_id = row.get("patient_id")


@dataclass(frozen=True)
class Access:
    """An allowed access: plain (care relation) or under emergency access."""

    patient_id: int
    emergency: bool


@dataclass(frozen=True)
class SystemActor:
    """Who a system act on patient data (a job, an escalation, a check) is logged as: no user."""

    username: str = "kulisser-system"
    role: str = "system"


SYSTEM = SystemActor()
# Why a region administrator is refused: her role shows aggregates, never a patient's data.
REGION_REFUSED = N_("En regionadministratör har ingen åtkomst till patientuppgifter.")
SYSTEM_USER = SYSTEM.username  # the name system acts are logged under


def _row(actor: Actor, **fields: object) -> dict[str, object]:
    return {
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role.value,
        "unit_id": actor.unit_id,
        "ip": actor.ip[:64] or None,
        "login_method": actor.login_method[:200] or None,
        **fields,
    }


def has_care_relation(session: Session, *, unit_id: int, patient_id: int) -> bool:
    """Whether the unit has an open care relation with the patient (patients owns the relations
    and keeps what it found for the rest of the transaction)."""
    # Imported at first use: patients imports audit.service, which imports this module.
    from kulisser.patients import service as patients

    return patients.has_care_relation(session, unit_id=unit_id, patient_id=patient_id)


# One INSERT, built once: an allowed row goes straight to the transaction's connection, with
# no ORM object and no flush of its own (a booking with its letter writes three).
_INSERT_ROW = insert(cast(Table, AuditEvent.__table__))


def _add_once(session: Session, row: dict[str, object]) -> None:
    if first_time(session, row):
        session.connection().execute(_INSERT_ROW, row)


def active_emergency_access(
    session: Session, *, actor: Actor, patient_id: int, now: datetime | None = None
) -> EmergencyAccess | None:
    """The actor's unexpired emergency access to the patient, if any."""
    now = now or utcnow()
    return session.scalar(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.user_id == actor.user_id,
            EmergencyAccess.patient_id == patient_id,
            EmergencyAccess.expires_at > now,
        )
        .order_by(EmergencyAccess.expires_at.desc())
        .limit(1)
    )


def check_access(
    session: Session,
    *,
    actor: Actor,
    patient_id: int,
    action: str,
    object_type: str,
    object_id: object = None,
    now: datetime | None = None,
) -> Access:
    """Allow or deny the actor's access to a patient's data, writing the audit row either way.

    Allowed rows go into the caller's transaction; a denial raises AccessDenied, whose row
    the request handler writes in a transaction of its own (the caller's work is rolled back).
    """
    now = now or utcnow()
    oid = None if object_id is None else str(object_id)
    if actor.role is Role.REGION_ADMIN:  # aggregates only: no care relation opens a patient
        raise AccessDenied(_row(actor, at=now, patient_id=patient_id, action=action,
                                object_type=object_type, object_id=oid, outcome="denied",
                                reason=_(REGION_REFUSED)))
    if has_care_relation(session, unit_id=actor.unit_id, patient_id=patient_id):
        _add_once(session, _row(actor, at=now, patient_id=patient_id, action=action,
                                object_type=object_type, object_id=oid, outcome="allowed"))
        return Access(patient_id=patient_id, emergency=False)
    grant = active_emergency_access(session, actor=actor, patient_id=patient_id, now=now)
    if grant is not None:
        _add_once(session, _row(actor, at=now, patient_id=patient_id, action=action,
                                object_type=object_type, object_id=oid, outcome="emergency",
                                reason=grant.reason, emergency_access_id=grant.id))
        return Access(patient_id=patient_id, emergency=True)
    raise AccessDenied(_row(actor, at=now, patient_id=patient_id, action=action,
                            object_type=object_type, object_id=oid, outcome="denied"))


def write_denied(session: Session, denied: AccessDenied | DeniedNotFound) -> None:
    """Store the audit row of a denied access (call in a fresh transaction)."""
    session.add(AuditEvent(**denied.row))


# Denied rows written on a path that does not raise (a lookup answered as "unknown number"):
# the request's work may still be rolled back (a form shown again with 422), and the row
# must outlive that. They are kept here until their transaction commits; the request's
# unit of work stores what is left after a rollback (write_kept_denied).
_KEPT = "kulisser.audit.kept_denied"


def add_denied(session: Session, row: dict[str, object]) -> None:
    """Add a denied audit row to the transaction, to be stored even if the work rolls back."""
    session.add(AuditEvent(**row))
    session.info.setdefault(_KEPT, []).append(row)


def write_kept_denied(session: Session) -> bool:
    """After a rollback: add the denied rows the rolled-back work held; whether there were any."""
    rows = session.info.pop(_KEPT, None)
    for row in rows or ():
        session.add(AuditEvent(**row))
    return bool(rows)


def rollback_keeping_denied(session: Session) -> None:
    """Roll the work back, then store the denied rows it held in a transaction of their own."""
    session.rollback()
    if write_kept_denied(session):
        try:
            session.commit()
        except Exception:  # the database is gone: the original error is the one to report
            session.rollback()


@event.listens_for(Session, "after_commit")
def _kept_rows_are_stored(session: Session) -> None:
    session.info.pop(_KEPT, None)


def _own(actor: Actor, unit_id: int | None, current_unit: bool) -> bool:
    if actor.role is Role.REGION_ADMIN:  # owns no unit's records, not even her own unit's
        return False
    return unit_id == actor.unit_id if current_unit else unit_id in actor.unit_ids


def _refuse(actor: Actor, *, object_type: str, object_id: object, patient_id: int | None,
            action: str, hidden: str | None, reason: str, now: datetime | None) -> Exception:
    row = _row(actor, at=now or utcnow(), patient_id=patient_id, action=action,
               object_type=object_type, object_id=None if object_id is None else str(object_id),
               outcome="denied", reason=reason or _("Posten hör till en annan vårdenhet."))
    if hidden is not None or patient_id is None:
        return DeniedNotFound(hidden or _("Hittades inte."), row)
    return AccessDenied(row)


def check(
    session: Session,
    *,
    actor: Actor,
    record: PatientRecord,
    object_type: str,
    action: str = "read",
    hidden: str | None = None,
    current_unit: bool = False,
    reason: str = "",
    patient_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """The one access check for a unit-scoped record, with its audit row, allowed or denied.

    Another unit's record is refused with a denied audit row: DeniedNotFound (404) when
    ``hidden`` gives the not-found message (or there is no patient to ask emergency access
    for), so that its existence is not disclosed, else AccessDenied (403) with ``reason``.
    ``current_unit``: only the actor's current unit owns records, not every unit they belong
    to. A record of the actor's unit goes on to the patient's access check (care relation or
    emergency access), or, without a patient, writes an allowed row of its own. ``patient_id``
    names the patient the caller means to attach to a record that has none yet.
    """
    now = now or utcnow()
    patient_id = record.patient_id or patient_id
    if not _own(actor, record.unit_id, current_unit):
        raise _refuse(actor, object_type=object_type, object_id=record.id, patient_id=patient_id,
                      action=action, hidden=hidden, reason=reason, now=now)
    if patient_id is not None:
        check_access(session, actor=actor, patient_id=patient_id, action=action,
                     object_type=object_type, object_id=record.id, now=now)
        return
    # A record without a patient (an unmatched import) is still someone's data: logged.
    _add_once(session, _row(actor, at=now, patient_id=None, action=action,
                            object_type=object_type, object_id=str(record.id),
                            outcome="allowed"))


def require_unit(
    *,
    actor: Actor,
    object_type: str,
    object_id: object,
    unit_id: int | None,
    hidden: str,
    action: str = "read",
    current_unit: bool = False,
    now: datetime | None = None,
) -> None:
    """Refuse another unit's record that holds no patient data (a schedule, a slot, a print
    run) as not found, with a denied audit row; the actor's own pass without a row."""
    if not _own(actor, unit_id, current_unit):
        raise _refuse(actor, object_type=object_type, object_id=object_id, patient_id=None,
                      action=action, hidden=hidden, reason="", now=now)


def log_system(session: Session, *, unit_id: int, patient_id: int | None, action: str,
               object_type: str, object_id: object, reason: str, now: datetime) -> None:
    """Log a system act on patient data (a job's, an import's), under the one system actor."""
    session.add(AuditEvent(at=now, user_id=None, username=SYSTEM.username, role=SYSTEM.role,
                           unit_id=unit_id, patient_id=patient_id, action=action,
                           object_type=object_type, object_id=str(object_id), outcome="allowed",
                           reason=reason))


def log_listing(
    session: Session,
    *,
    actor: Actor,
    patient_ids: Iterable[int],
    object_type: str,
    now: datetime | None = None,
) -> None:
    """Log that a list showed these patients to the actor: one row each (once per transaction),
    one statement."""
    now = now or utcnow()
    rows = [
        row for row in (
            _row(actor, at=now, patient_id=pid, action="list", object_type=object_type,
                 object_id=None, outcome="allowed", reason=None, emergency_access_id=None)
            for pid in sorted(set(patient_ids)))
        if first_time(session, row)
    ]
    if rows:
        _insert_listing(session, rows)


def _insert_listing(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert listing rows that differ only in their patient, in one statement."""
    table = cast(Table, AuditEvent.__table__)
    if session.get_bind().dialect.name != "postgresql" or len(rows) == 1:
        # SQLite's executemany runs in C; Core's path costs a quarter less than the ORM's.
        session.execute(insert(table), rows)
        return
    # One INSERT ... SELECT over unnest(patient ids): the busiest read (the worklist) wrote 50
    # rows per page, and psycopg's executemany spent more CPU on them than the page's queries.
    fixed = {k: v for k, v in rows[0].items() if k != "patient_id"}
    ids = func.unnest(bindparam("patient_ids", [r["patient_id"] for r in rows],
                                type_=postgresql.ARRAY(Integer))).table_valued("pid").render_derived()
    values = select(*[literal(v, type_=table.c[k].type) for k, v in fixed.items()], ids.c.pid)
    session.execute(insert(table).from_select([*fixed, "patient_id"], values))


Writer = Callable[[Session, Table, list[dict[str, Any]]], None]


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(table), rows)


def log_many(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    records: Iterable[tuple[object, int | None]],
    now: datetime,
    write: Writer = _insert,
) -> None:
    """Log the actor's allowed access to many records written at once (an import): one row per
    (object id, patient id), in one statement; ``write`` stores them (e.g. COPY on PostgreSQL).

    The caller has already made the access allowed (its unit's records, care relations
    started); every row is a distinct record, so none is folded.
    """
    rows: list[dict[str, Any]] = [
        _row(actor, at=now, patient_id=patient_id, action=action, object_type=object_type,
             object_id=str(object_id), outcome="allowed", reason=None, emergency_access_id=None)
        for object_id, patient_id in records]
    if rows:
        write(session, cast(Table, AuditEvent.__table__), rows)


RELATION = "relation"  # the outcome of a flagged care-relation start
RELATION_OBJECT = "care_relation"


def log_relation_start(session: Session, *, actor: Actor, patient_id: int, relation_id: int | None,
                       reason: str, flagged: bool, now: datetime | None = None) -> None:
    """Log that the actor's unit started a care relation, with its reason.

    A flagged start (the patient was on file before) has outcome ``relation`` and waits for
    the manager's follow-up; an unflagged one (a patient registered here) is an allowed row.
    """
    session.add(AuditEvent(**_row(actor, at=now or utcnow(), patient_id=patient_id,
                                  action="create", object_type=RELATION_OBJECT,
                                  object_id=None if relation_id is None else str(relation_id),
                                  outcome=RELATION if flagged else "allowed", reason=reason)))


def log_relation_starts(session: Session, *, actor: Actor, patient_ids: Iterable[int], reason: str,
                        now: datetime) -> None:
    """Log flagged starts for many patients at once (an import): one statement."""
    rows = [_row(actor, at=now, patient_id=pid, action="create", object_type=RELATION_OBJECT,
                 object_id=None, outcome=RELATION, reason=reason, emergency_access_id=None)
            for pid in sorted(set(patient_ids))]
    if rows:
        session.execute(insert(AuditEvent), rows)


def may_open(session: Session, *, actor: Actor, patient_id: int) -> bool:
    """Whether the actor may open the patient now (care relation or emergency access); no row."""
    if actor.role is Role.REGION_ADMIN:
        return False
    return (has_care_relation(session, unit_id=actor.unit_id, patient_id=patient_id)
            or active_emergency_access(session, actor=actor, patient_id=patient_id) is not None)


def log_denied_lookup(session: Session, *, actor: Actor, patient_id: int) -> None:
    """Log a refused lookup by identity number (answered as if the number were unknown)."""
    add_denied(session, _row(actor, at=utcnow(), patient_id=patient_id, action="read",
                             object_type="identity_lookup", object_id=None, outcome="denied"))
