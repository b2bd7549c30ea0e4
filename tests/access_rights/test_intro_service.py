"""Introductions on a real database: tasks with due dates, owners and work items; progress; done
with a note, the introduction done with its last task; who may; the invariant check."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.access_rights import intro_items, introduction
from kulisser.access_rights.models import Introduction
from kulisser.audit.models import AuditEvent
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.worklist import invariants
from kulisser.worklist import service as worklist
from kulisser.worklist.kinds import get_kind
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import Operation, Status, TransitionError
from tests import factories
from tests.access_rights import intro_fixtures as fx

START = date(2026, 12, 28)  # Monday after Christmas: see test_intro_dates.py
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def _items(s: Session, intro: Introduction) -> dict[int, WorkItem]:
    ids = [t.id for t in intro.tasks]
    return {i.ref_id: i for i in s.scalars(select(WorkItem).where(
        WorkItem.ref_type == intro_items.REF_TYPE, WorkItem.ref_id.in_(ids)))
        if i.ref_id is not None}


def _done_all(s: Session, intro: Introduction, actor_id: int, *, but: int = 0) -> None:
    actor = factories.actor(s, actor_id)
    for task in intro.tasks[:len(intro.tasks) - but]:
        introduction.complete_task(s, actor=actor, task_id=task.id, note="Gjort", now=NOW)


def test_every_task_gets_its_due_date_owner_and_work_item(db: Session,
                                                          world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    by_title = {t.title: t for t in intro.tasks}
    assert len(by_title) == 9
    assert by_title["Beställ behörigheter"].due_on == date(2026, 12, 23)
    assert by_title["Välkomstsamtal"].due_on == START
    assert by_title["Genomgång av journalsystemet"].due_on == date(2027, 1, 5)
    assert by_title["Uppföljningssamtal"].due_on == date(2027, 1, 28)
    # Manager: the unit's manager; mentor: the mentor; secretary: the queue; the newcomer
    # without a login at the unit: the mentor.
    assert by_title["Välkomstsamtal"].owner_id == world.manager_id
    assert by_title["Genomgång av brandskydd och larm"].owner_id == world.secretary2_id
    assert by_title["Förbered arbetsplats"].owner_id is None
    assert by_title["Sekretess och PDL: loggkontroll och behörigheter"].owner_id == world.secretary2_id
    items = _items(db, intro)
    assert set(items) == {t.id for t in intro.tasks}
    for task in intro.tasks:
        item = items[task.id]
        assert (item.kind, item.unit_id, item.owner_id, item.patient_id) == (
            "intro-task", world.unit_id, task.owner_id, None)
        assert item.due_at.astimezone(intro_items.TZ).date() == task.due_on
        assert task.title in item.title


def test_the_newcomers_own_tasks_go_to_their_login_once_it_works_at_the_unit(
        db: Session, world: factories.World) -> None:
    login = factories.make_user(db, world.unit_id)
    who = fx.newcomer(db, world, username=login.username)
    intro = introduction.start_introduction(
        db, actor=factories.actor(db, world.manager_id), person_id=who.id,
        profile_id=fx.profile(db, world).id, start_on=START, mentor_id=None)
    [own] = [t for t in intro.tasks if t.title.startswith("Sekretess och PDL")]
    assert own.owner_id == login.id
    assert [t.owner_id for t in intro.tasks if t.title == "Genomgång av journalsystemet"] == [None]


def test_progress_counts_per_phase_and_overdue(db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    secretary = factories.actor(db, world.secretary_id)
    before = [t for t in intro.tasks if t.phase == "before"]
    introduction.complete_task(db, actor=secretary, task_id=before[0].id, note="Beställt", now=NOW)
    row = introduction.progress_of(intro, today=date(2026, 12, 29))
    assert row.phases == {"before": (1, 3), "first_day": (0, 3), "first_week": (0, 2),
                          "first_month": (0, 1)}
    assert (row.done, row.total) == (1, 9)
    # On 29 December the two undone tasks before the start and the three of the first day are late.
    assert row.overdue == 5
    assert introduction.progress_of(intro, today=date(2026, 12, 1)).overdue == 0
    [listed] = [r for r in introduction.overview(db, actor=factories.actor(db, world.manager_id))
                if r.introduction.id == intro.id]
    assert (listed.done, listed.total) == (1, 9)
    assert listed.person_name.startswith("Nyanställd ")
    assert listed.mentor_name and listed.profile_name.startswith("Profil ")


def test_an_introduction_is_done_when_its_last_task_is(db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    _done_all(db, intro, world.secretary_id, but=1)
    assert intro.done_at is None
    assert introduction.overview(db, actor=factories.actor(db, world.manager_id))
    last = intro.tasks[-1]
    introduction.complete_task(db, actor=factories.actor(db, world.secretary_id), task_id=last.id,
                               note="Uppföljning gjord", now=NOW)
    assert intro.done_at == NOW
    assert all(i.status == Status.COMPLETED.value for i in _items(db, intro).values())
    assert (last.done_by, last.note) == (world.secretary_id, "Uppföljning gjord")
    ongoing = introduction.overview(db, actor=factories.actor(db, world.manager_id))
    assert intro.id not in {r.introduction.id for r in ongoing}
    everything = introduction.overview(db, actor=factories.actor(db, world.manager_id),
                                       include_done=True)
    assert intro.id in {r.introduction.id for r in everything}


def test_a_task_is_done_with_a_note_once(db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    secretary = factories.actor(db, world.secretary_id)
    task = intro.tasks[0]
    with pytest.raises(ValidationFailed) as bad:
        introduction.complete_task(db, actor=secretary, task_id=task.id, note="  ")
    assert "note" in bad.value.errors and task.done_at is None
    introduction.complete_task(db, actor=secretary, task_id=task.id, note="Klart")
    with pytest.raises(TransitionError):
        introduction.complete_task(db, actor=secretary, task_id=task.id, note="Igen")


def test_who_may_mark_a_task_done(db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(Forbidden):
        introduction.complete_task(db, actor=clinician, task_id=intro.tasks[0].id, note="Nej")
    with pytest.raises(Forbidden):  # nor may a clinician start one
        introduction.start_introduction(db, actor=clinician, person_id=fx.newcomer(db, world).id,
                                        profile_id=intro.profile_id, start_on=START)
    # A clinician who is the mentor marks the mentor's tasks, and any task's owner marks it.
    mentored = introduction.start_introduction(
        db, actor=factories.actor(db, world.manager_id), person_id=fx.newcomer(db, world).id,
        profile_id=intro.profile_id, start_on=START, mentor_id=world.clinician_id)
    [fire] = [t for t in mentored.tasks if t.title == "Genomgång av brandskydd och larm"]
    assert fire.owner_id == world.clinician_id
    introduction.complete_task(db, actor=clinician, task_id=fire.id, note="Visat larmen")
    assert fire.done_by == world.clinician_id


def test_another_units_introduction_is_not_found_and_logged(db: Session,
                                                            world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    stranger = factories.actor(db, factories.make_user(db, world.other_unit_id).id)
    for call in (lambda: introduction.get_introduction(db, actor=stranger,
                                                       introduction_id=intro.id),
                 lambda: introduction.complete_task(db, actor=stranger,
                                                    task_id=intro.tasks[0].id, note="x")):
        with pytest.raises(NotFound):
            call()


def test_bad_starts_are_refused_with_a_message_per_field(db: Session,
                                                         world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    empty = fx.profile(db, world, checklist=False)
    who = fx.newcomer(db, world)
    outsider = factories.make_user(db, world.other_unit_id)
    with pytest.raises(ValidationFailed) as bad:
        introduction.start_introduction(db, actor=secretary, person_id=who.id,
                                        profile_id=empty.id, start_on="28/12",
                                        mentor_id=outsider.id)
    assert set(bad.value.errors) == {"profile_id", "start_on", "mentor_id"}
    with pytest.raises(ValidationFailed) as missing:
        introduction.start_introduction(db, actor=secretary, person_id=None, profile_id=None,
                                        start_on="")
    assert set(missing.value.errors) == {"person_id", "profile_id", "start_on"}
    for far in ("0001-01-01", "9999-12-31"):  # the due dates would leave the calendar
        with pytest.raises(ValidationFailed) as out_of_range:
            introduction.start_introduction(db, actor=secretary, person_id=who.id,
                                            profile_id=fx.profile(db, world).id, start_on=far)
        assert set(out_of_range.value.errors) == {"start_on"}
    intro = fx.start(db, world, start_on=START)
    with pytest.raises(ValidationFailed) as twice:
        introduction.start_introduction(db, actor=secretary, person_id=intro.person_id,
                                        profile_id=intro.profile_id, start_on=START)
    assert set(twice.value.errors) == {"person_id"}


def test_the_invariant_check_finds_a_task_whose_item_was_closed_behind_its_back(
        db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    task = intro.tasks[0]

    def mine() -> list[invariants.Finding]:
        found = invariants.find(db, kinds=[get_kind("intro-task")])["intro-task"]
        return [f for f in found if f.ref_id in {t.id for t in intro.tasks}]

    assert mine() == []
    item = _items(db, intro)[task.id]
    item.cancel(actor_id=world.manager_id, reason="Fel", now=NOW)
    db.flush()
    [finding] = mine()
    assert (finding.ref_id, finding.unit_id) == (task.id, world.unit_id)
    # A done task whose item stays open is found too.
    other = intro.tasks[1]
    other.done_at = NOW
    db.flush()
    assert {f.ref_id for f in mine()} == {task.id, other.id}


def test_no_worklist_operation_strands_a_task(db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    task = intro.tasks[1]  # in the unit's queue
    item = _items(db, intro)[task.id]
    secretary = factories.actor(db, world.secretary_id)
    for op in Operation:
        savepoint = db.begin_nested()
        with contextlib.suppress(TransitionError):
            worklist.perform(db, actor=secretary, item_id=item.id, operation=op, reason="Orsak",
                             to_user_id=world.secretary2_id)
        found = invariants.find(db, kinds=[get_kind("intro-task")])["intro-task"]
        assert [f for f in found if f.ref_id == task.id] == [], op
        savepoint.rollback()


def test_no_patient_audit_rows(db: Session, world: factories.World) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.unit_id == world.unit_id, AuditEvent.patient_id.is_not(None))) or 0
    intro = fx.start(db, world, start_on=START)
    _done_all(db, intro, world.secretary_id)
    after = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.unit_id == world.unit_id, AuditEvent.patient_id.is_not(None))) or 0
    assert after == before


def test_whoever_the_worklist_hands_the_item_to_may_mark_the_task_done(
        db: Session, world: factories.World) -> None:
    intro = fx.start(db, world, start_on=START)
    [task] = [t for t in intro.tasks if t.title == "Förbered arbetsplats"]  # the unit's queue
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(Forbidden):
        introduction.complete_task(db, actor=clinician, task_id=task.id, note="Fixat")
    item = _items(db, intro)[task.id]
    worklist.perform(db, actor=factories.actor(db, world.secretary_id), item_id=item.id,
                     operation=Operation.ASSIGN, to_user_id=world.clinician_id)
    assert introduction.item_owners(db, [task]) == {task.id: world.clinician_id}
    introduction.complete_task(db, actor=clinician, task_id=task.id, note="Fixat")
    assert (task.done_by, item.status) == (world.clinician_id, Status.COMPLETED.value)
