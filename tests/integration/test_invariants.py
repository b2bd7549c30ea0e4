"""The invariant check on the seeded demo: it finds nothing; every kind's broken invariant is found,
once, as an "Ärende utan ägare" item in the unit's queue."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kulisser import demo
from kulisser.booking import service as booking
from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment
from kulisser.db import Database, utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import Patient
from kulisser.staff import service as staff
from kulisser.staff.actor import Actor
from kulisser.staff.models import CareUnit, User
from kulisser.worklist import invariants
from kulisser.worklist import service as worklist
from kulisser.worklist.kinds import all_kinds, get_kind
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import OPEN_STATUSES, Operation, Priority, Status, TransitionError
from tests.access_rights import orders_fixtures as access_orders
from tests.conftest import migrated_database_url
from tests.dictation.audio import unique_tone

OPEN = [s.value for s in OPEN_STATUSES]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh database with the demo seeded as `make demo` seeds it (today's date)."""
    url, drop = migrated_database_url(tmp_path_factory.mktemp("invariants"), "invariants")
    database = Database(url)
    with database.session() as s:
        demo.seed(s)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


@pytest.fixture()
def s(demo_db: Database) -> Iterator[Session]:
    """A session whose changes are thrown away: every test starts from the seeded demo."""
    session = demo_db.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _actor(s: Session, username: str) -> Actor:
    user = s.scalar(select(User).where(User.username == username))
    assert user is not None
    unit = s.scalar(select(CareUnit).where(CareUnit.hsa_id == demo.UNIT_HSA))
    assert unit is not None
    return staff.make_actor(user, unit_id=unit.id)


def _findings(s: Session, code: str) -> list[invariants.Finding]:
    return invariants.find(s, kinds=[get_kind(code)])[code]


def _close_behind_its_back(item: WorkItem) -> None:
    """What the worklist's own "Klarmarkera" used to do: the item closes, its record stays."""
    if item.status == Status.ON_HOLD:
        item.resume(actor_id=item.owner_id or 1, now=utcnow())
    item.complete(actor_id=item.owner_id or 1, now=utcnow(), reason="Klar")


def _open_item(s: Session, code: str) -> WorkItem:
    item = s.scalar(select(WorkItem).where(WorkItem.kind == code, WorkItem.status.in_(OPEN))
                    .order_by(WorkItem.id).limit(1))
    assert item is not None, f"the demo seeds an open {code} item"
    return item


def _dictation(s: Session, tmp_path: Path, status: str) -> Dictation:
    """A dictation of the demo's clinician, brought to a status along the normal path."""
    clinician, secretary = _actor(s, "lakare"), _actor(s, "sekreterare")
    patient = s.scalar(select(Patient.id).join(WorkItem, WorkItem.patient_id == Patient.id)
                       .where(WorkItem.unit_id == clinician.unit_id).limit(1))
    assert patient is not None
    d = dictations.upload_dictation(s, actor=clinician, store=AudioStore(data_dir=tmp_path),
                                    audio=io.BytesIO(unique_tone()), filename="d.wav",
                                    patient_id=patient, note_type="visit")
    if status == "returned":
        dictations.return_to_author(s, actor=secretary, dictation_id=d.id, question="Vilken dos?")
    elif status == "awaiting_signature":
        dictations.save_text(s, actor=secretary, dictation_id=d.id, text="Patienten mår bra.")
        dictations.send_for_signature(s, actor=secretary, dictation_id=d.id)
    elif status == "unusable":
        dictations.mark_audio_unusable(s, actor=secretary, dictation_id=d.id, reason="Brus")
    return d


Make = Callable[[Session, Path], WorkItem]
Break = Callable[[Session, WorkItem], None]


def _dictation_case(status: str, kind: str) -> tuple[Make, Break]:
    def make(s: Session, tmp_path: Path) -> WorkItem:
        d = _dictation(s, tmp_path, status)
        [item] = [i for i in _items(s, "dictation", d.id) if i.kind == kind and i.status in OPEN]
        return item

    def break_(s: Session, item: WorkItem) -> None:
        if status == "unusable":
            # The redo item outlives the unusable dictation; a dictation moved on must not keep it.
            s.execute(update(Dictation).where(Dictation.id == item.ref_id).values(status="signed"))
            s.expire_all()
        else:
            _close_behind_its_back(item)
    return make, break_


def _items(s: Session, ref_type: str, ref_id: int) -> list[WorkItem]:
    return list(s.scalars(select(WorkItem).where(WorkItem.ref_type == ref_type,
                                                 WorkItem.ref_id == ref_id)))


def _demo_item_case(code: str) -> tuple[Make, Break]:
    """One of the demo's open items of the kind, closed without moving its record."""
    def make(s: Session, _tmp: Path) -> WorkItem:
        return _open_item(s, code)

    def break_(_s: Session, item: WorkItem) -> None:
        _close_behind_its_back(item)
    return make, break_


def _rebook_make(s: Session, _tmp: Path) -> WorkItem:
    """Leave over a booked visit makes a rebook item."""
    secretary = _actor(s, "sekreterare")
    appt = s.scalar(select(Appointment).where(Appointment.status == "booked",
                                              Appointment.start_at > utcnow() + timedelta(days=1))
                    .order_by(Appointment.start_at).limit(1))
    assert appt is not None
    day = local(appt.start_at).date()
    booking.add_exception(s, actor=secretary, resource_id=appt.resource_id, kind="leave",
                          start_date=day, end_date=day, reason="Sjuk")
    [item] = [i for i in _items(s, "appointment", appt.id) if i.status in OPEN]
    return item


def _rebook_break(s: Session, item: WorkItem) -> None:
    """The visit cancelled behind its rebook item's back."""
    s.execute(update(Appointment).where(Appointment.id == item.ref_id).values(status="cancelled"))
    s.expire_all()


CASES: dict[str, tuple[Make, Break]] = {
    "dictation": _dictation_case("dictated", "dictation"),
    "signature": _dictation_case("awaiting_signature", "signature"),
    "dictation-question": _dictation_case("returned", "dictation-question"),
    "dictation-redo": _dictation_case("unusable", "dictation-redo"),
    "referral-assessment": _demo_item_case("referral-assessment"),
    "referral-chase": _demo_item_case("referral-chase"),
    "result-review": _demo_item_case("result-review"),
    "result-unmatched": _demo_item_case("result-unmatched"),
    "waitlist": _demo_item_case("waitlist"),
    "letter": _demo_item_case("letter"),
    "booking-rebook": (_rebook_make, _rebook_break),
    "record-request": _demo_item_case("record-request"),
    "record-review": _demo_item_case("record-review"),
    "intro-task": _demo_item_case("intro-task"),
    "access-order-line": (lambda s, _t: access_orders.line_item(s, _actor(s, "sekreterare"),
                                                                _actor(s, "chef")),
                          lambda _s, item: _close_behind_its_back(item)),
    "coding": _demo_item_case("coding"),
}


# Kinds whose records outlive their items' ordinary closing: the cases above move the record,
# these close the item behind the record's back (the record still waits, no item does).
ITEM_CLOSED: dict[str, tuple[Make, Break]] = {
    "dictation-redo": (CASES["dictation-redo"][0], lambda _s, item: _close_behind_its_back(item)),
    "booking-rebook": (_rebook_make, lambda _s, item: _close_behind_its_back(item)),
}
BROKEN = [pytest.param(code, *CASES[code], id=code) for code in sorted(CASES)] + [
    pytest.param(code, *ITEM_CLOSED[code], id=f"{code}-item-closed") for code in sorted(ITEM_CLOSED)]


def _about(findings: list[invariants.Finding], item: WorkItem) -> list[invariants.Finding]:
    return [f for f in findings if (f.ref_type, f.ref_id) == (item.ref_type, item.ref_id)]


def test_the_seeded_demo_has_no_finding(s: Session) -> None:
    found = invariants.find(s)
    assert {code: f for code, f in found.items() if f} == {}
    assert invariants.run(s).created == 0


def test_every_kind_with_a_check_has_a_case_here() -> None:
    # A new domain kind that registers a check gets its broken-invariant case in CASES.
    assert {k.code for k in all_kinds() if k.check is not None} <= set(CASES)


@pytest.mark.parametrize(("code", "make", "break_"), BROKEN)
def test_a_broken_invariant_is_found_once(s: Session, tmp_path: Path, code: str, make: Make,
                                          break_: Break) -> None:
    item = make(s, tmp_path)
    assert item.ref_type is not None and item.ref_id is not None
    ref_type, ref_id = item.ref_type, item.ref_id
    assert _about(_findings(s, code), item) == []
    break_(s, item)
    s.flush()
    found = [f for f in _findings(s, code) if (f.ref_type, f.ref_id) == (ref_type, ref_id)]
    assert len(found) == 1, found
    first = invariants.run(s)
    second = invariants.run(s)
    assert first.created >= 1 and second.created == 0
    assert "avvikelser" in second.summary() and get_kind(code).label in second.summary()
    [unowned] = [i for i in _items(s, ref_type, ref_id) if i.kind == invariants.UNOWNED.code]
    assert (unowned.status, unowned.priority, unowned.owner_id, unowned.unit_id) == (
        Status.REQUESTED.value, Priority.HIGH.value, None, found[0].unit_id)
    assert unowned.title.startswith("Ärende utan ägare")


@pytest.mark.parametrize("code", sorted(CASES))
def test_no_worklist_operation_strands_a_real_record(s: Session, tmp_path: Path, code: str) -> None:
    # The same records as above, consistent: whatever the worklist does to the item (what it is
    # refused does not happen), its kind's check still finds nothing about the record.
    item = CASES[code][0](s, tmp_path)
    secretary = _actor(s, "sekreterare")
    s.flush()
    for op in Operation:
        savepoint = s.begin_nested()
        with contextlib.suppress(TransitionError):  # refused: nothing happened
            worklist.perform(s, actor=secretary, item_id=item.id, operation=op, reason="Orsak",
                             to_user_id=_actor(s, "sekreterare2").user_id)
        assert _about(_findings(s, code), item) == [], (code, op)
        savepoint.rollback()


def test_a_recorded_again_dictation_needs_no_redo_item(s: Session, tmp_path: Path) -> None:
    # The new recording completes the redo item; the unusable dictation waits for nothing more.
    d = _dictation(s, tmp_path, "unusable")
    assert d.patient_id is not None
    dictations.upload_dictation(s, actor=_actor(s, "lakare"), store=AudioStore(data_dir=tmp_path),
                                audio=io.BytesIO(unique_tone()), filename="igen.wav",
                                patient_id=d.patient_id, note_type="visit", replaces_id=d.id)
    s.flush()
    assert [i.status for i in _items(s, "dictation", d.id) if i.kind == "dictation-redo"] == [
        Status.COMPLETED.value]
    assert _about(_findings(s, "dictation-redo"), _items(s, "dictation", d.id)[0]) == []


def test_only_a_visit_under_the_leave_needs_a_rebook_item(s: Session) -> None:
    item = _rebook_make(s, Path())
    appt = s.get(Appointment, item.ref_id)
    assert appt is not None
    _close_behind_its_back(item)
    s.flush()
    assert len(_about(_findings(s, "booking-rebook"), item)) == 1
    # The same visit on a day without leave (its item still closed) is nothing to find.
    later = appt.start_at + timedelta(days=400)
    s.execute(update(Appointment).where(Appointment.id == appt.id).values(
        start_at=later, end_at=later + (appt.end_at - appt.start_at)))
    s.expire_all()
    assert _about(_findings(s, "booking-rebook"), item) == []


def test_the_demo_books_from_the_waiting_list_within_the_guarantee(s: Session) -> None:
    # Booked in time, a wait's "Väntar på nybesök" item closes; the demo showed four left open.
    from kulisser.waitlist.models import WaitlistEntry

    booked = list(s.scalars(select(WaitlistEntry).where(WaitlistEntry.status == "booked")))
    assert booked
    assert [e.id for e in booked
            if any(i.status in OPEN for i in _items(s, "waitlist_entry", e.id))] == []


def test_the_check_runs_hourly_as_a_job(s: Session) -> None:
    from kulisser.jobs import runner
    from kulisser.jobs.context import JobContext
    from tests.integration.conftest import JOB_SETTINGS

    assert runner._PERIODIC["worklist.check"] == 3600
    ref_type, ref_id = "letter", _open_item(s, "letter").ref_id
    _close_behind_its_back(_open_item(s, "letter"))
    runner._TASKS["worklist.check"](JobContext(s, JOB_SETTINGS))
    assert [i.kind for i in _items(s, ref_type, ref_id or 0) if i.status in OPEN] == ["unowned"]
