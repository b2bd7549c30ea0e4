"""Waiting-list operations on a real database (SQLite and PostgreSQL): entries, offers,
excluded periods, the end of a wait, the work item that follows, limits and access."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from kulisser.audit.service import AccessDenied
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.waitlist import items, jobs
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import TZ, WaitlistEntry
from kulisser.waitlist.queries import WaitlistFilter
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.factories import World
from tests.waitlist.helpers import NOW, TODAY, D, add, audit_rows, work_items


def due(day: str) -> datetime:
    """08:00 Swedish time on the day: when a waitlist item falls due."""
    return datetime.fromisoformat(day + "T08:00").replace(tzinfo=TZ)


def test_add_entry_keeps_the_limit_and_queues_an_item_due_before_the_guarantee_date(
        db: Session, world: World) -> None:
    entry = add(db, world, clock_start=D("2026-04-01"))
    assert (entry.status, entry.unit_id, entry.limit_days) == ("waiting", world.unit_id, 90)
    fg = entry.figures(TODAY)
    assert fg.guarantee_date == D("2026-06-30") and fg.days_counted == 61 and fg.days_left == 29
    [item] = work_items(db, entry.id)
    # Due when the entry enters the 14-day risk window, in the unit's queue.
    assert (item.kind, item.owner_id, item.patient_id, item.unit_id) == (
        "waitlist", None, world.patient_ids[0], world.unit_id)
    assert item.due_at == due("2026-06-16") and item.title.startswith("Väntar på nybesök: ")
    assert [e.type for e in entry.events] == ["created"]
    assert audit_rows(db, patient_id=world.patient_ids[0], user_id=world.secretary_id,
                      action="create", object_type="waitlist_entry") == 1


def test_accepted_referral_clock_starts_on_the_issue_date_and_a_second_call_adds_nothing(
        db: Session, world: World) -> None:
    clinician = world.clinician_id
    first = add(db, world, user_id=clinician, clock_start=D("2026-03-20"),
                source_type="referral", source_id=4711)
    again = add(db, world, user_id=clinician, clock_start=D("2026-03-25"),
                source_type="referral", source_id=4711)
    assert again.id == first.id and first.clock_start == D("2026-03-20")
    assert first.figures(TODAY).guarantee_date == D("2026-06-18")
    assert len(work_items(db, first.id)) == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"wait_kind": "surgery"}, "wait_kind"),
    ({"clock_start": TODAY + timedelta(days=1)}, "clock_start"),
    ({"clock_start": D("2019-01-01")}, "clock_start"),
    ({"priority": "urgent"}, "priority"),
    ({"wait_kind": "follow_up"}, "medical_target_date"),
    ({"wait_kind": "follow_up", "medical_target_date": D("2026-03-01")}, "medical_target_date"),
    ({"medical_target_date": D("2026-07-01")}, "medical_target_date"),
    ({"note": "x" * 2001}, "note"),
])
def test_add_entry_refuses_bad_input(db: Session, world: World, changes: dict[str, object],
                                     field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        add(db, world, **changes)
    assert field in exc.value.errors


def test_follow_up_is_followed_against_its_target_date(db: Session, world: World) -> None:
    entry = add(db, world, wait_kind="follow_up", medical_target_date=D("2026-06-20"))
    fg = entry.figures(TODAY)
    assert entry.limit_days is None and fg.guarantee_date is None and fg.target_date == D("2026-06-20")
    assert (fg.days_left, fg.at_risk) == (19, False)
    assert work_items(db, entry.id)[0].due_at == due("2026-06-06")


def test_region_and_unit_limits(db: Session, world: World) -> None:
    manager = factories.actor(db, world.manager_id)
    before = add(db, world, clock_start=D("2026-05-20"))
    waitlist.set_setting(db, actor=manager, region="stockholm", at_risk_days=7)
    stockholm = add(db, world, clock_start=D("2026-05-20"), patient_id=world.patient_ids[1])
    treatment = add(db, world, wait_kind="treatment", clock_start=D("2026-05-20"))
    assert (before.limit_days, stockholm.limit_days, treatment.limit_days) == (90, 30, 90)
    # Region Stockholm: 30 days to a first visit; the margin of 7 days sets the item's due day.
    assert stockholm.figures(TODAY).guarantee_date == D("2026-06-19")
    assert work_items(db, stockholm.id)[0].due_at == due("2026-06-12")
    waitlist.set_limit(db, actor=manager, wait_kind="first_visit", days=45)
    assert add(db, world, clock_start=D("2026-05-20"), patient_id=world.patient_ids[2]).limit_days == 45
    rows = {r["kind"]: r for r in waitlist.limit_table(db, unit_id=world.unit_id)}
    assert rows["first_visit"] == {"kind": "first_visit", "label": "Nybesök", "region_days": 30,
                                   "unit_days": 45, "days": 45}
    waitlist.set_limit(db, actor=manager, wait_kind="first_visit", days=None)
    assert waitlist.limit_for(db, unit_id=world.unit_id, wait_kind="first_visit") == 30
    assert waitlist.limit_for(db, unit_id=world.unit_id, wait_kind="follow_up") is None
    # The first entry keeps the promise made when it was added.
    db.refresh(before)
    assert before.limit_days == 90


def test_only_managers_set_limits_and_bad_values_are_refused(db: Session, world: World) -> None:
    secretary, manager = factories.actor(db, world.secretary_id), factories.actor(db, world.manager_id)
    with pytest.raises(Forbidden):
        waitlist.set_limit(db, actor=secretary, wait_kind="first_visit", days=30)
    with pytest.raises(Forbidden):
        waitlist.set_limit(db, actor=manager, wait_kind="first_visit", days=30, region="stockholm")
    with pytest.raises(ValidationFailed) as exc:
        waitlist.set_limit(db, actor=manager, wait_kind="follow_up", days=30)
    assert "wait_kind" in exc.value.errors
    with pytest.raises(ValidationFailed):
        waitlist.set_limit(db, actor=manager, wait_kind="treatment", days=0)
    with pytest.raises(ValidationFailed) as exc:
        waitlist.set_setting(db, actor=manager, region="atlantis", at_risk_days=200)
    assert set(exc.value.errors) == {"region", "at_risk_days"}


def test_qualifying_decline_makes_patient_chosen_waiting_count_and_moves_the_item(
        db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-03-01"))  # guarantee date 2026-05-30: breached
    assert entry.figures(TODAY).breached
    offer = waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=D("2026-04-01"),
                                  visit_date=D("2026-04-15"), informed=True, response="declined",
                                  responded_on=D("2026-04-02"), now=NOW)
    period = waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="patient",
                                          start=D("2026-04-02"), end=D("2026-04-21"), now=NOW)
    assert period.offer_id == offer.id  # the qualifying decline was found
    fg = entry.figures(TODAY)
    assert (fg.days_patient, fg.days_counted, fg.guarantee_date, fg.breached) == (
        20, 72, D("2026-06-19"), False)
    [item] = work_items(db, entry.id)
    assert item.due_at == due("2026-06-05")
    assert [e.type for e in item.events][-1] == "due_changed"
    assert [e.type for e in entry.events] == ["created", "offer_recorded", "period_added"]


def test_patient_chosen_waiting_without_a_qualifying_decline_is_refused(
        db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-03-01"))
    with pytest.raises(ValidationFailed) as exc:
        waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="patient",
                                     start=D("2026-04-02"), now=NOW)
    assert "Inget avböjt erbjudande" in exc.value.errors["offer_id"]
    waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=D("2026-04-01"),
                          visit_date=D("2026-04-15"), informed=False, response="declined", now=NOW)
    waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=D("2026-05-25"),
                          visit_date=D("2026-06-10"), informed=True, response="declined", now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="patient",
                                     start=D("2026-05-26"), now=NOW)
    message = exc.value.errors["offer_id"]
    assert "inte fått information om vårdgarantin" in message
    assert "2026-06-10 låg efter garantidatumet 2026-05-30" in message
    assert all(p.reason != "patient" for p in entry.periods)


def test_medical_period_needs_a_reason_and_follow_ups_take_no_periods(db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world)
    with pytest.raises(ValidationFailed) as exc:
        waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="medical",
                                     start=D("2026-04-10"), end=D("2026-04-05"), now=NOW)
    assert set(exc.value.errors) == {"note", "end"}
    with pytest.raises(ValidationFailed) as exc:
        waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="medical",
                                     start=D("2026-03-01"), note="Infektion", now=NOW)
    assert "start" in exc.value.errors
    follow = add(db, world, wait_kind="follow_up", medical_target_date=D("2026-07-01"))
    with pytest.raises(ValidationFailed) as exc:
        waitlist.add_excluded_period(db, actor=secretary, entry_id=follow.id, reason="medical",
                                     start=D("2026-05-01"), note="Infektion", now=NOW)
    assert "Återbesök omfattas inte" in exc.value.errors["reason"]


def test_open_period_stops_the_clock_and_the_job_keeps_the_item_due_in_step(
        db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-04-01"))
    waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="medical",
                                 start=D("2026-05-22"), note="Opereras på annat sjukhus", now=NOW)
    fg = entry.figures(TODAY)
    assert (fg.paused, fg.days_medical, fg.days_counted, fg.guarantee_date) == (
        True, 10, 51, D("2026-07-10"))
    item = work_items(db, entry.id)[0]
    assert item.due_at == due("2026-06-26")
    db.flush()
    # The next day the guarantee date has moved one day: the periodic job moves the item.
    assert jobs.refresh_paused(db, now=NOW + timedelta(days=1)) >= 1
    assert item.due_at == due("2026-06-27")
    assert jobs.refresh_paused(db, now=NOW + timedelta(days=1)) == 0  # safe to run again
    assert audit_rows(db, patient_id=world.patient_ids[0], action="update",
                      object_type="work_item") >= 1
    waitlist.end_excluded_period(db, actor=secretary, entry_id=entry.id,
                                 period_id=entry.periods[0].id, end=D("2026-05-31"), now=NOW)
    assert not entry.figures(TODAY).paused and entry.figures(TODAY).guarantee_date == D("2026-07-10")


def test_booking_closes_open_periods_and_completes_the_item(db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-03-01"))
    waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=D("2026-04-01"),
                          visit_date=D("2026-04-10"), informed=True, response="declined", now=NOW)
    period = waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="patient",
                                          start=D("2026-04-01"), now=NOW)
    waitlist.end_wait(db, actor=secretary, entry_id=entry.id, visit_date=D("2026-06-15"), now=NOW)
    # The patient was available when the time was booked (today): the period ends yesterday.
    assert (entry.status, entry.end_date, period.end_date) == ("booked", D("2026-06-15"), D("2026-05-31"))
    fg = entry.figures(TODAY)
    assert (fg.as_of, fg.days_patient, fg.days_counted, fg.breached) == (
        D("2026-06-15"), 61, 45, False)
    assert [i.status for i in work_items(db, entry.id)] == ["completed"]
    with pytest.raises(TransitionError):
        waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=TODAY,
                              visit_date=TODAY, informed=True, now=NOW)


def test_booked_after_the_guarantee_date_keeps_the_item_open(db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-04-01"))
    waitlist.end_wait(db, actor=secretary, entry_id=entry.id, visit_date=D("2026-07-15"), now=NOW)
    assert entry.figures(TODAY).breached
    assert [i.status for i in work_items(db, entry.id)] == ["requested"]
    waitlist.end_wait(db, actor=secretary, entry_id=entry.id, visit_date=D("2026-06-25"), now=NOW)
    assert [i.status for i in work_items(db, entry.id)] == ["completed"]
    assert [e.type for e in entry.events][-2:] == ["booked", "booked"]


def test_accepted_offer_books_then_reopen_done_and_remove(db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-04-01"))
    offer = waitlist.record_offer(db, actor=secretary, entry_id=entry.id, offered_on=D("2026-05-30"),
                                  visit_date=D("2026-06-12"), informed=True, now=NOW)
    waitlist.respond_offer(db, actor=secretary, entry_id=entry.id, offer_id=offer.id,
                           response="accepted", now=NOW)
    assert (entry.status, entry.end_date) == ("booked", D("2026-06-12"))
    with pytest.raises(TransitionError):
        waitlist.respond_offer(db, actor=secretary, entry_id=entry.id, offer_id=offer.id,
                               response="declined", now=NOW)
    with pytest.raises(ValidationFailed):
        waitlist.reopen_entry(db, actor=secretary, entry_id=entry.id, reason=" ", now=NOW)
    waitlist.reopen_entry(db, actor=secretary, entry_id=entry.id, reason="Läkaren sjuk", now=NOW)
    assert (entry.status, entry.end_date) == ("waiting", None)
    assert [i.status for i in work_items(db, entry.id)] == ["completed", "requested"]
    with pytest.raises(ValidationFailed):  # a visit that took place cannot lie in the future
        waitlist.end_entry(db, actor=secretary, entry_id=entry.id, status="done",
                           visit_date=TODAY + timedelta(days=1), now=NOW)
    waitlist.end_entry(db, actor=secretary, entry_id=entry.id, status="done", visit_date=TODAY,
                       now=NOW)
    assert entry.status == "done" and entry.figures(TODAY).days_counted == 61
    with pytest.raises(TransitionError):
        waitlist.remove_entry(db, actor=secretary, entry_id=entry.id, reason="Dubblett", now=NOW)
    other = add(db, world, patient_id=world.patient_ids[1])
    waitlist.remove_entry(db, actor=secretary, entry_id=other.id, reason="Vård på annan enhet",
                          now=NOW)
    assert (other.status, other.removed_reason, other.end_date) == (
        "removed", "Vård på annan enhet", TODAY)
    assert [i.status for i in work_items(db, other.id)] == ["cancelled"]


def test_withdrawn_period_no_longer_counts(db: Session, world: World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    entry = add(db, world, clock_start=D("2026-04-01"))
    period = waitlist.add_excluded_period(db, actor=secretary, entry_id=entry.id, reason="medical",
                                          start=D("2026-04-10"), end=D("2026-04-19"),
                                          note="Feber", now=NOW)
    assert entry.figures(TODAY).days_medical == 10
    waitlist.remove_excluded_period(db, actor=secretary, entry_id=entry.id, period_id=period.id,
                                    reason="Fel patient", now=NOW)
    assert entry.figures(TODAY).days_medical == 0 and period.removed_reason == "Fel patient"
    assert work_items(db, entry.id)[0].due_at == due("2026-06-16")


def test_another_units_entry_is_refused_and_logged(db: Session, world: World) -> None:
    entry = add(db, world)
    # The other unit cares for the patient too, but the waiting list is this unit's own.
    db.add(factories.CareRelation(unit_id=world.other_unit_id, patient_id=entry.patient_id))
    stranger = factories.actor_for(factories.make_user(db, world.other_unit_id))
    with pytest.raises(AccessDenied) as exc:
        waitlist.get_entry(db, actor=stranger, entry_id=entry.id)
    assert exc.value.row["outcome"] == "denied" and exc.value.patient_id == entry.patient_id
    with pytest.raises(AccessDenied):
        waitlist.record_offer(db, actor=stranger, entry_id=entry.id, offered_on=TODAY,
                              visit_date=TODAY, informed=True, now=NOW)
    # Nor can a unit put a patient it has no care relation with on its list.
    with pytest.raises(AccessDenied):
        add(db, world, patient_id=world.stranger_patient_id)


def test_list_sorts_by_urgency_and_logs_every_patient_shown(db: Session, world: World) -> None:
    unit = factories.make_unit(db)
    secretary = factories.make_user(db, unit)
    pids = [factories.make_patient(db, unit).id for _ in range(5)]
    actor = factories.actor_for(secretary)

    def put(i: int, **kw: object) -> WaitlistEntry:
        kw.setdefault("wait_kind", "first_visit")
        return waitlist.add_entry(db, actor=actor, patient_id=pids[i], now=NOW, **kw)  # type: ignore[arg-type]

    calm = put(0, clock_start=D("2026-05-25"))                     # 83 days left
    late = put(1, clock_start=D("2026-02-01"))                     # 30 days over
    close = put(2, clock_start=D("2026-03-10"))                    # 7 days left
    later = put(3, clock_start=D("2026-02-20"))                    # 11 days over
    follow = put(4, wait_kind="follow_up", clock_start=D("2026-05-01"),
                 medical_target_date=D("2026-06-03"))              # 2 days left
    rows = waitlist.list_entries(db, actor=actor, f=WaitlistFilter(), now=NOW)
    assert [r.entry.id for r in rows] == [late.id, later.id, follow.id, close.id, calm.id]
    assert [r.figures.days_left for r in rows] == [-30, -11, 2, 7, 83]
    for pid in pids:
        assert audit_rows(db, patient_id=pid, user_id=secretary.id, action="list",
                          object_type="waitlist") == 1
    risky = waitlist.list_entries(db, actor=actor, f=WaitlistFilter(risk_days="7"), now=NOW)
    assert [r.entry.id for r in risky] == [late.id, later.id, follow.id, close.id]
    follow_ups = waitlist.list_entries(db, actor=actor, f=WaitlistFilter(kind="follow_up"), now=NOW)
    assert [r.entry.id for r in follow_ups] == [follow.id]
    with pytest.raises(ValidationFailed) as exc:
        waitlist.list_entries(db, actor=actor, f=WaitlistFilter(status="x", risk_days="-1"), now=NOW)
    assert set(exc.value.errors) == {"status", "risk_days"}
    waitlist.end_wait(db, actor=actor, entry_id=calm.id, visit_date=D("2026-06-20"), now=NOW)
    booked = waitlist.list_entries(db, actor=actor, f=WaitlistFilter(status="booked"), now=NOW)
    assert [r.entry.id for r in booked] == [calm.id]
    mine = waitlist.patient_entries(db, actor=actor, patient_id=pids[0], now=NOW)
    assert [r.entry.id for r in mine] == [calm.id]


def test_waitlist_items_show_their_entry(db: Session, world: World) -> None:
    entry = add(db, world)
    [item] = work_items(db, entry.id)
    from kulisser.worklist.kinds import get_kind, refs_for

    spec = get_kind("waitlist")
    assert spec.ref_type == items.REF_TYPE and spec.detail_template == "waitlist/_item_detail.html"
    assert refs_for(db, [item])[item.id].id == entry.id
