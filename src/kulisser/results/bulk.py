"""The import itself: a batch of incoming results matched, stored and routed with set-based SQL.

Every import (the FHIR API, a CSV upload or drop, JSON lines) comes here, one result or a
hundred thousand. Per batch of up to BATCH results it runs a fixed number of statements
whatever the batch size: which sender ids are already known, the patients by identity
number, the unit's clinicians, the care relations, then the rows in bulk: the results, their
values, their work items with their first events, and one audit row per result (multi-row
INSERTs on SQLite; COPY on PostgreSQL, with the ids taken from the sequences first).
The work items and audit rows are written here rather than through worklist.create_item and
audit.check_access because one ORM round trip per row would not reach thousands of results a
second (benchmarks/results_import.py); the rows are the same ones those functions write.

Rules (README, "Results"):
- idempotent by the sender's id: a (sender system, id) already stored creates nothing; the
  unique constraint decides when two imports race (ON CONFLICT DO NOTHING);
- the patient is matched by exact identity number (personnummer, samordningsnummer, or a
  reservnummer the sender marked as one); an unknown patient or a bad number makes the result
  `unmatched`, in the unit's queue as a `result-unmatched` item with the raw data: never dropped;
- a matched result goes to the ordering clinician (a clinician of the unit, by username or
  HSA-id) as a `result-review` item, or to the unit's queue when the orderer is unknown;
- abnormal values make the items high priority, critical ones acute;
- the unit gets a care relation with a matched patient if it has none, for the reason "result
  received", flagged for the log review (patients.start_relations, in bulk).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from psycopg.errors import UniqueViolation
from sqlalchemy import ARRAY, String, cast, func, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.i18n import N_, _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.results import items
from kulisser.results.formats import Incoming, RowError
from kulisser.results.models import Result, ResultObservation
from kulisser.results.rows import (
    allocate_ids,
    copy_rows,
    insert_skipping_duplicates,
    table_of,
    write,
)
from kulisser.results.states import ResultStatus
from kulisser.staff.service import Actor, Role, UnitMembership, User
from kulisser.worklist import service as worklist

BATCH = 1000

IMPORTED, UNMATCHED, DUPLICATE, ERROR = "imported", "unmatched", "duplicate", "error"
OUTCOME_LABELS = {IMPORTED: N_("Importerat"), UNMATCHED: N_("Importerat, att matcha"),
                  DUPLICATE: N_("Redan importerat"), ERROR: N_("Ej importerat")}


@dataclass
class Outcome:
    """What became of one incoming result (or of a row that could not be read)."""

    row: int | None
    source_id: str
    status: str  # imported, unmatched, duplicate, error
    result_id: int | None = None
    message: str = ""  # Swedish; never the identity number itself

    @property
    def label(self) -> str:
        """The status in Swedish."""
        return _(OUTCOME_LABELS[self.status])


@dataclass
class ImportReport:
    """Every outcome of an import, in the order the results came."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many outcomes have the status."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def created(self) -> int:
        """How many results were stored (routed or unmatched)."""
        return self.count(IMPORTED) + self.count(UNMATCHED)

    def summary(self) -> str:
        """The report in Swedish, for a command's output."""
        lines = [_("Importerade provsvar: {created} (varav {count} att matcha i enhetens kö)",
                   created=self.created, count=self.count(UNMATCHED)),
                 _("Redan importerade, inget nytt: {count}", count=self.count(DUPLICATE)),
                 _("Kunde inte importeras: {count}", count=self.count(ERROR))]
        lines += [f"  Rad {o.row}: {o.message}" for o in self.outcomes
                  if o.status in (ERROR, UNMATCHED) and o.row is not None]
        return "\n".join(lines)


@dataclass
class _Routed:
    inc: Incoming
    index: int
    patient_id: int | None = None
    clinician_id: int | None = None
    notes: list[str] = field(default_factory=list)


def import_batch(session: Session, *, actor: Actor, incoming: Sequence[Incoming | RowError],
                 now: datetime) -> list[Outcome]:
    """Store and route incoming results (never commits); one outcome per entry, in order."""
    outcomes: list[Outcome | None] = [None] * len(incoming)
    for start in range(0, len(incoming), BATCH):
        chunk = incoming[start:start + BATCH]
        for offset, outcome in _import_chunk(session, actor=actor, chunk=chunk, now=now):
            outcomes[start + offset] = outcome
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _known(session: Session, chunk: Iterable[Incoming]) -> dict[tuple[str, str], tuple[int, int]]:
    """(sender system, id) -> (result id, unit id) of those already stored."""
    by_system: dict[str, set[str]] = {}
    for inc in chunk:
        by_system.setdefault(inc.source_system, set()).add(inc.source_id)
    cols = (Result.source_system, Result.source_id, Result.id, Result.unit_id)
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for system, ids in by_system.items():
        if session.get_bind().dialect.name == "postgresql":
            # A join with the ids as one array: linear whatever the plan. A long IN list of
            # parameters is compared element by element on every row of a sequential scan,
            # which PostgreSQL picks while the table's statistics are stale (during a large
            # import): measured 2 s per 1,000 ids at 50,000 results.
            wanted = func.unnest(cast(sorted(ids), ARRAY(String))).table_valued("sid").render_derived()
            stmt = select(*cols).join(wanted, Result.source_id == wanted.c.sid)
        else:
            stmt = select(*cols).where(Result.source_id.in_(ids))
        rows = session.execute(stmt.where(Result.source_system == system))
        found.update({(s, i): (rid, uid) for s, i, rid, uid in rows.tuples()})
    return found


def _match_patients(session: Session, routed: list[_Routed]) -> None:
    wanted: dict[int, tuple[str, str]] = {}
    for r in routed:
        if not r.inc.identifier:
            r.notes.append(_("Patientens identitetsnummer saknas."))
            continue
        try:
            ident = parse_identifier(r.inc.identifier, kind=r.inc.identifier_kind)
        except InvalidIdentifier as exc:
            r.notes.append(_("Ogiltigt identitetsnummer: {message}", message=exc.message))
            continue
        wanted[r.index] = (ident.kind.value, ident.value)
    if not wanted:
        return
    found = {(k, v): pid for pid, k, v in session.execute(
        select(Patient.id, Patient.id_kind, Patient.id_value)
        .where(Patient.id_value.in_({v for _k, v in wanted.values()}))).tuples()}
    for r in routed:
        key = wanted.get(r.index)
        if key is None:
            continue
        r.patient_id = found.get(key)
        if r.patient_id is None:
            r.notes.append(_("Ingen patient med identitetsnumret finns registrerad."))


def unit_clinicians(session: Session, *, unit_id: int) -> dict[str, int]:
    """Active clinicians of a unit by lower-cased username and upper-cased HSA-id."""
    found: dict[str, int] = {}
    for uid, username, hsa in session.execute(
            select(User.id, User.username, User.hsa_id)
            .join(UnitMembership, UnitMembership.user_id == User.id)
            .where(UnitMembership.unit_id == unit_id, User.active.is_(True),
                   User.role == Role.CLINICIAN.value)).tuples():
        found[username.lower()] = uid
        if hsa:
            found[hsa.upper()] = uid
    return found


def find_clinician(clinicians: dict[str, int], text: str | None) -> int | None:
    """The clinician a sender named (username or HSA-id), or None."""
    if not text:
        return None
    return clinicians.get(text.strip().lower()) or clinicians.get(text.strip().upper())


def _import_chunk(session: Session, *, actor: Actor, chunk: Sequence[Incoming | RowError],
                  now: datetime) -> list[tuple[int, Outcome]]:
    done: list[tuple[int, Outcome]] = []
    fresh: list[_Routed] = []
    incoming = [i for i in chunk if isinstance(i, Incoming)]
    known = _known(session, incoming) if incoming else {}
    seen: set[tuple[str, str]] = set()
    for n, inc in enumerate(chunk):
        if isinstance(inc, RowError):
            done.append((n, Outcome(inc.row, inc.source_id, ERROR, message=inc.message)))
            continue
        key = (inc.source_system, inc.source_id)
        if key in known or key in seen:
            rid, uid = known.get(key, (None, None))
            done.append((n, Outcome(inc.row, inc.source_id, DUPLICATE,
                                    result_id=rid if uid == actor.unit_id else None,
                                    message=_("Svaret är redan importerat; inget nytt skapades."))))
            continue
        seen.add(key)
        fresh.append(_Routed(inc=inc, index=n, notes=list(inc.notes)))
    if not fresh:
        return done
    _match_patients(session, fresh)
    clinicians = unit_clinicians(session, unit_id=actor.unit_id)
    for r in fresh:
        r.clinician_id = find_clinician(clinicians, r.inc.clinician)
        if r.patient_id is not None and r.clinician_id is None:
            r.notes.append(_("Beställaren ”{clinician}” är inte läkare/vårdpersonal på enheten; svaret "
                             "ligger i enhetens kö.", clinician=r.inc.clinician) if r.inc.clinician else
                           _("Beställare saknas; svaret ligger i enhetens kö."))
    # The order implies care: the unit that ordered the test takes part in the patient's care
    # (PDL), so it gets a care relation if it has none; otherwise nobody could read the result.
    patients.start_relations(
        session, actor=actor, now=now,
        patient_ids={r.patient_id for r in fresh if r.patient_id is not None},
        reason=patients.reason_label(patients.RelationReason.RESULT_RECEIVED))
    ids = _insert_results(session, actor=actor, routed=fresh, now=now)
    stored = [r for r in fresh if (r.inc.source_system, r.inc.source_id) in ids]
    for r in fresh:
        rid = ids.get((r.inc.source_system, r.inc.source_id))
        if rid is None:  # another import stored it between our check and our insert
            done.append((r.index, Outcome(r.inc.row, r.inc.source_id, DUPLICATE,
                                          message=_("Svaret är redan importerat; inget nytt skapades."))))
            continue
        status = IMPORTED if r.patient_id is not None else UNMATCHED
        done.append((r.index, Outcome(r.inc.row, r.inc.source_id, status, result_id=rid,
                                      message=" ".join(r.notes))))
    if stored:
        _insert_values(session, stored, ids)
        _insert_items(session, actor=actor, routed=stored, ids=ids, now=now)
        _insert_audit(session, actor=actor, routed=stored, ids=ids, now=now)
    return done


def _insert_results(session: Session, *, actor: Actor, routed: list[_Routed],
                    now: datetime) -> dict[tuple[str, str], int]:
    t = table_of(Result)
    rows = [{
        "unit_id": actor.unit_id, "patient_id": r.patient_id,
        "ordering_clinician_id": r.clinician_id, "ordering_clinician_text": r.inc.clinician,
        "source_system": r.inc.source_system, "source_id": r.inc.source_id,
        "source_format": r.inc.source_format,
        "status": (ResultStatus.TO_SIGN if r.patient_id is not None else ResultStatus.UNMATCHED).value,
        "title": r.inc.title[:200], "conclusion": r.inc.conclusion, "issued_at": r.inc.issued_at,
        "received_at": now, "received_by_id": actor.user_id, "abnormal": r.inc.abnormal,
        "critical": r.inc.critical,
        "priority": items.priority_for(abnormal=r.inc.abnormal, critical=r.inc.critical),
        "raw": r.inc.raw, "import_note": " ".join(r.notes) or None, "updated_at": now,
    } for r in routed]
    ids = allocate_ids(session, "result", len(rows))
    if ids is None:
        stmt = insert_skipping_duplicates(session, t).returning(t.c.id, t.c.source_system, t.c.source_id)
        return {(s, i): rid for rid, s, i in session.execute(stmt, rows).tuples()}
    for row, rid in zip(rows, ids, strict=True):
        row["id"] = rid
    try:
        with session.begin_nested():
            copy_rows(session, t, rows)
        return {(r.inc.source_system, r.inc.source_id): rid
                for r, rid in zip(routed, ids, strict=True)}
    except UniqueViolation:
        pass
    # Another import stored some of these since we looked: insert the rest, skipping those,
    # and ask which are ours.
    session.execute(insert_skipping_duplicates(session, t), rows)
    stored = session.execute(select(t.c.source_system, t.c.source_id, t.c.id).where(t.c.id.in_(ids)))
    return {(s, i): rid for s, i, rid in stored.tuples()}


def _insert_values(session: Session, routed: list[_Routed], ids: dict[tuple[str, str], int]) -> None:
    rows = [{"result_id": ids[(r.inc.source_system, r.inc.source_id)], "position": n,
             "code": v.code, "code_system": v.code_system, "name": v.name, "value": v.value,
             "value_num": v.value_num, "unit": v.unit, "ref_low": v.ref_low, "ref_high": v.ref_high,
             "ref_text": v.ref_text, "flag": v.flag, "abnormal": v.abnormal, "critical": v.critical,
             "note": v.note}
            for r in routed for n, v in enumerate(r.inc.values)]
    if rows:
        write(session, table_of(ResultObservation), rows)


def _insert_items(session: Session, *, actor: Actor, routed: list[_Routed],
                  ids: dict[tuple[str, str], int], now: datetime) -> None:
    new = []
    for r in routed:
        matched = r.patient_id is not None
        new.append(worklist.NewItem(
            kind=items.REVIEW.code if matched else items.UNMATCHED.code,
            priority=items.priority_for(abnormal=r.inc.abnormal, critical=r.inc.critical),
            title=(items.review_title(r.inc.title, abnormal=r.inc.abnormal, critical=r.inc.critical)
                   if matched else items.unmatched_title(r.inc.title)),
            patient_id=r.patient_id, owner_id=r.clinician_id if matched else None,
            description=" ".join(r.notes), ref_type=items.REF_TYPE,
            ref_id=ids[(r.inc.source_system, r.inc.source_id)]))
    worklist.open_items_bulk(session, actor=actor, items=new, now=now, write=write,
                             allocate_ids=allocate_ids)


def _insert_audit(session: Session, *, actor: Actor, routed: list[_Routed],
                  ids: dict[tuple[str, str], int], now: datetime) -> None:
    # One row per stored result: the import wrote that patient's data. An unmatched result
    # is logged without a patient (as an unmatched dictation is).
    audit.log_many(session, actor=actor, action="create", object_type="result", now=now,
                   records=[(ids[(r.inc.source_system, r.inc.source_id)], r.patient_id)
                            for r in routed], write=write)
