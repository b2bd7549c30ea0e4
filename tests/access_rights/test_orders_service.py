"""Access orders' service: four eyes, the profile's analysis, a leaver's order, lines carried out
through work items, and the order done only when every line is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.access_rights import order_items, orders
from kulisser.access_rights.models import AccessOrder, PersonSystemAccess
from kulisser.access_rights.order_lines import LineRequest, last_working_day
from kulisser.access_rights.service import current_access
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.staff.service import StaffAssignment, User, local_today
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Operation, TransitionError, WorkItem
from tests import factories
from tests.access_rights import orders_fixtures as fx


def _items(s: Session, order: AccessOrder) -> list[WorkItem]:
    return [i for line in order.lines
            for i in worklist.items_for_ref(s, ref_type=order_items.REF_TYPE, ref_id=line.id)]


def test_approving_ones_own_order_is_refused(db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    order = fx.by_profile(db, a.manager, p.id, fx.profile(db, world.unit_id).id)
    with pytest.raises(Forbidden) as refused:
        orders.approve_order(db, actor=a.manager, order_id=order.id)
    assert "egen beställning" in refused.value.message
    assert order.status == "awaiting_approval" and _items(db, order) == []
    # Another manager of the unit approves it; a secretary may not approve at all.
    with pytest.raises(Forbidden):
        orders.approve_order(db, actor=a.secretary, order_id=order.id)
    orders.approve_order(db, actor=a.manager2, order_id=order.id, note="OK")
    assert order.status == "approved" and order.decided_by == a.manager2.user_id


def test_nobody_approves_an_order_about_themselves(db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    me = fx.person(db, a.manager, username=db.get(User, a.manager2.user_id).username)
    order = fx.by_profile(db, a.secretary, me.id, fx.profile(db, world.unit_id).id)
    with pytest.raises(Forbidden, match="gäller dig själv"):
        orders.approve_order(db, actor=a.manager2, order_id=order.id)


@pytest.mark.parametrize("expired", [False, True], ids=["no-analysis", "expired-analysis"])
def test_a_profile_without_a_current_analysis_cannot_be_ordered(
        db: Session, world: factories.World, expired: bool) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    bare = fx.profile(db, world.unit_id, analysis=expired, expired=expired)
    before = db.scalar(select(func.count()).select_from(AccessOrder))
    with pytest.raises(ValidationFailed) as bad:
        fx.by_profile(db, a.secretary, p.id, bare.id)
    message = bad.value.errors["profile_id"]
    assert ("skulle ha följts upp senast" if expired else "saknar behovs- och riskanalys") in message
    assert "beställas" in message
    assert db.scalar(select(func.count()).select_from(AccessOrder)) == before


def test_an_order_by_profile_relies_on_its_analysis_and_lists_its_systems(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    prof = fx.profile(db, world.unit_id)
    order = fx.by_profile(db, a.secretary, p.id, prof.id)
    assert order.analysis_id == prof.analyses[0].id
    assert [line.title for line in order.lines] == [
        "Lägg upp i HSA", "Beställ SITHS-kort", "Behörighet i journalsystemet: profil Läkare"]
    assert {line.status for line in order.lines} == {"pending"}
    assert order.due_on < order.effective_on and order.due_on >= local_today()
    assert [e.type for e in order.events] == ["ordered"]


def test_approval_opens_one_unassigned_item_per_line_due_on_the_due_day(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    order = fx.by_profile(db, a.secretary, fx.newcomer(db, a.manager).id,
                          fx.profile(db, world.unit_id).id)
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    items = _items(db, order)
    assert len(items) == 3 and {i.kind for i in items} == {order_items.LINE.code}
    assert {(i.owner_id, i.unit_id, i.status) for i in items} == {(None, world.unit_id, "requested")}
    assert {i.due_at.date() for i in items} == {order.due_on}
    hsa = next(i for i in items if i.title.startswith("Lägg upp i HSA"))
    assert "Utförs av: HSA-administratör" in hsa.description


def test_the_order_is_done_only_when_every_line_is(db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    order = fx.by_profile(db, a.secretary, p.id, fx.profile(db, world.unit_id).id)
    with pytest.raises(TransitionError):  # nothing to carry out before approval
        orders.complete_line(db, actor=a.secretary, order_id=order.id,
                             line_id=order.lines[0].id, note="Klart")
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    first, second, third = order.lines
    with pytest.raises(ValidationFailed):
        orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=first.id, note=" ")
    orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=first.id,
                         note="Upplagd i HSA, id SE-1.")
    orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=second.id,
                         note="Kort beställt.")
    assert order.status == "approved" and order.done_at is None
    with pytest.raises(TransitionError):  # a line is done once
        orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=first.id,
                             note="Igen")
    orders.complete_line(db, actor=a.manager, order_id=order.id, line_id=third.id,
                         note="Profil Läkare tilldelad.")
    assert order.status == "done" and order.done_at is not None
    assert [e.type for e in order.events] == ["ordered", "approved", "line_done", "line_done",
                                              "line_done", "done"]
    assert {i.status for i in _items(db, order)} == {"completed"}
    has = {x.system_id: x.access_profile for x in current_access(db, person_id=p.id,
                                                                 unit_id=world.unit_id)}
    assert has == {line.system_id: line.access_profile for line in order.lines}


def test_a_leavers_order_lists_every_system_the_person_had(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager, start=date(2025, 1, 1))
    cat = fx.systems(db, world.unit_id)
    for code in ("hsa", "record", "phone", "kulisser"):
        fx.give(db, p.id, cat[code], "Sekreterare" if code == "record" else "")
    # Access of another unit and access already removed are not this order's.
    other = fx.systems(db, world.other_unit_id)["record"]
    fx.give(db, p.id, other)
    db.add(PersonSystemAccess(person_id=p.id, unit_id=world.unit_id, system_id=cat["printer"].id,
                              since=date(2025, 1, 1), ended_on=date(2025, 6, 1)))
    saturday = date(2027, 3, 6)
    order = orders.create_order(db, actor=a.secretary, unit_id=world.unit_id, person_id=p.id,
                                kind="leaver", effective_on=saturday, note="Slutar")
    assert order.effective_on == order.due_on == date(2027, 3, 5) == last_working_day(saturday)
    assert sorted((line.system.code, line.action) for line in order.lines) == sorted(
        [("hsa", "remove"), ("record", "remove"), ("phone", "remove"), ("kulisser", "remove"),
         ("siths", "remove")])
    assert "Spärra SITHS-kort" in [line.title for line in order.lines]
    with pytest.raises(ValidationFailed, match="redan en öppen avslutsbeställning"):
        orders.create_order(db, actor=a.secretary, unit_id=world.unit_id, person_id=p.id,
                            kind="leaver", effective_on=saturday)
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    [line] = db.scalars(select(StaffAssignment).where(StaffAssignment.person_id == p.id))
    assert line.valid_to == date(2027, 3, 5)
    assert "assignment_ended" in [e.type for e in p.events]
    assert {i.priority for i in _items(db, order)} == {"high"}
    for row in order.lines:
        orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=row.id,
                             note="Borttaget")
    assert order.status == "done"
    assert [x.unit_id for x in current_access(db, person_id=p.id)] == [world.other_unit_id]


def test_by_system_checks_the_catalogue_and_a_newcomer_only_gets_grants(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    cat = fx.systems(db, world.unit_id)
    theirs = fx.systems(db, world.other_unit_id)["hsa"]
    for lines, message in [
        ([], "Välj minst ett system."),
        ([LineRequest(theirs.id, "grant")], "enhetens katalog"),
        ([LineRequest(cat["hsa"].id, "remove")], "bara få behörigheter upplagda"),
        ([LineRequest(cat["hsa"].id, "grant"), LineRequest(cat["hsa"].id, "grant")], "en gång"),
    ]:
        with pytest.raises(ValidationFailed) as bad:
            orders.create_order(db, actor=a.secretary, unit_id=world.unit_id, person_id=p.id,
                                kind="new", effective_on=local_today(), lines=lines)
        assert message in bad.value.errors["systems"]
    order = orders.create_order(
        db, actor=a.secretary, unit_id=world.unit_id, person_id=p.id, kind="new",
        effective_on=local_today() + timedelta(days=7),
        lines=[LineRequest(cat["speech"].id, "grant", "Diktat")])
    assert [x.title for x in order.lines] == ["Behörighet i taligenkänningen: profil Diktat"]


def test_clinicians_and_other_units_may_not_order(db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    p = fx.newcomer(db, a.manager)
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(Forbidden, match="sekreterare och chefer"):
        orders.create_order(db, actor=clinician, unit_id=world.unit_id, person_id=p.id,
                            kind="new", effective_on=local_today(), profile_id=None)
    with pytest.raises(Forbidden):
        orders.create_order(db, actor=a.secretary, unit_id=world.other_unit_id, person_id=p.id,
                            kind="new", effective_on=local_today())


def test_a_rejection_needs_a_reason_and_opens_nothing(db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    order = fx.by_profile(db, a.secretary, fx.newcomer(db, a.manager).id,
                          fx.profile(db, world.unit_id).id)
    with pytest.raises(ValidationFailed):
        orders.reject_order(db, actor=a.manager, order_id=order.id, note="")
    orders.reject_order(db, actor=a.manager, order_id=order.id, note="Fel profil")
    assert (order.status, order.decision_note) == ("rejected", "Fel profil")
    assert {line.status for line in order.lines} == {"cancelled"} and _items(db, order) == []
    with pytest.raises(TransitionError):
        orders.approve_order(db, actor=a.manager2, order_id=order.id)


def test_the_worklist_cannot_close_a_line_item_behind_the_orders_back(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    order = fx.by_profile(db, a.secretary, fx.newcomer(db, a.manager).id,
                          fx.profile(db, world.unit_id).id)
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    item = _items(db, order)[0]
    for op in (Operation.COMPLETE, Operation.CANCEL, Operation.HOLD):
        with pytest.raises(TransitionError, match="beställningen"):
            worklist.perform(db, actor=a.secretary, item_id=item.id, operation=op, reason="x")
    worklist.perform(db, actor=a.secretary, item_id=item.id, operation=Operation.CLAIM)
    assert item.owner_id == a.secretary.user_id


def test_the_check_finds_an_item_whose_line_moved_on_and_a_line_without_its_item(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    order = fx.by_profile(db, a.secretary, fx.newcomer(db, a.manager).id,
                          fx.profile(db, world.unit_id).id)
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    first, second = order.lines[0], order.lines[1]

    def about(line_id: int) -> list[str]:
        found = order_items.LINE.check(db) if order_items.LINE.check else []
        return [f.problem for f in found if f.ref_id == line_id]

    assert about(first.id) == [] and about(second.id) == []
    first.status = "done"  # behind the order's back: its item stays open
    [item] = worklist.open_items(db, ref_type=order_items.REF_TYPE, ref_id=second.id)
    item.complete(actor_id=a.secretary.user_id, now=item.updated_at)  # the item closed alone
    db.flush()
    assert len(about(first.id)) == 1 and "inte väntar" in about(first.id)[0]
    assert len(about(second.id)) == 1 and "inget öppet ärende" in about(second.id)[0]


def test_a_withdrawn_order_cancels_its_open_lines_and_their_items(
        db: Session, world: factories.World) -> None:
    a = fx.actors(db, world)
    order = fx.by_profile(db, a.secretary, fx.newcomer(db, a.manager).id,
                          fx.profile(db, world.unit_id).id)
    orders.approve_order(db, actor=a.manager, order_id=order.id)
    orders.complete_line(db, actor=a.secretary, order_id=order.id, line_id=order.lines[0].id,
                         note="Upplagd")
    other = factories.actor(db, world.secretary2_id)
    with pytest.raises(Forbidden):  # neither the one who ordered nor a manager
        orders.cancel_order(db, actor=other, order_id=order.id, reason="Nej")
    with pytest.raises(ValidationFailed):
        orders.cancel_order(db, actor=a.secretary, order_id=order.id, reason="")
    orders.cancel_order(db, actor=a.secretary, order_id=order.id, reason="Började aldrig")
    assert order.status == "cancelled"
    assert [x.status for x in order.lines] == ["done", "cancelled", "cancelled"]
    assert sorted(i.status for i in _items(db, order)) == ["cancelled", "cancelled", "completed"]
    assert order_items.LINE.check is not None
    assert [f for f in order_items.LINE.check(db) if f.ref_id in {x.id for x in order.lines}] == []
    with pytest.raises(TransitionError):
        orders.cancel_order(db, actor=a.manager, order_id=order.id, reason="Igen")
