"""Access orders (behörighetsbeställningar): ordered by a secretary or manager of the unit,
approved by a manager who did not order it (four eyes), carried out line by line through work
items, each line done with a note; the order is done when every line is.

A leaver's order lists every system the person has at the unit and the SITHS card, and its
approval ends the person's assignments at the unit on the last working day. Every step is in
the order's history (`access_order_event`); what the person has follows the lines carried out
(`person_system_access`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights import order_items
from kulisser.access_rights.models import (
    AccessOrder,
    AccessOrderEvent,
    AccessOrderLine,
    PersonSystemAccess,
)
from kulisser.access_rights.order_lines import LineRequest as LineRequest
from kulisser.access_rights.order_lines import (
    current_analysis,
    last_working_day,
    leaver_lines,
    profile_lines,
    system_lines,
)
from kulisser.access_rights.service import (
    current_access,
    is_manager_of,
    require_manager,
    require_member,
)
from kulisser.access_rights.states import (
    OPEN_ORDER_STATUSES,
    LineAction,
    LineStatus,
    OrderKind,
    OrderStatus,
    next_order_status,
)
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role
from kulisser.workdays import local_today, parse_day
from kulisser.worklist.service import Priority, TransitionError

NO_ORDER = N_("Beställningen finns inte.")
ORDERERS_ONLY = N_("Behörigheter beställs och utförs av enhetens sekreterare och chefer.")
OWN_ORDER = N_("Du kan inte godkänna din egen beställning: en annan chef godkänner den "
               "(fyra ögon).")
OWN_ACCESS = N_("Du kan inte godkänna en beställning som gäller dig själv.")
MAX_NOTE = 4000


def require_orderer(actor: Actor, unit_id: int) -> None:
    """Forbidden unless the actor is a secretary or manager of the unit (or an administrator)."""
    require_member(actor, unit_id)
    if actor.role not in (Role.SECRETARY, Role.MANAGER, Role.ADMIN):
        raise Forbidden(ORDERERS_ONLY)


def get_order(session: Session, *, actor: Actor, order_id: int, action: str = "read") -> AccessOrder:
    """One order with its lines and history; another unit's is not found (and logged)."""
    order = session.scalar(select(AccessOrder).where(AccessOrder.id == order_id).options(
        selectinload(AccessOrder.lines).selectinload(AccessOrderLine.system),
        selectinload(AccessOrder.events)))
    if order is None:
        raise NotFound(NO_ORDER)
    if actor.role != Role.ADMIN:
        audit.require_unit(actor=actor, object_type="access_order", object_id=order.id,
                           unit_id=order.unit_id, hidden=_(NO_ORDER), action=action)
    require_orderer(actor, order.unit_id)
    return order


def _event(order: AccessOrder, *, actor_id: int | None, type_: str, now: datetime,
           from_status: str | None = None, reason: str | None = None, **data: object) -> None:
    order.events.append(AccessOrderEvent(
        actor_id=actor_id, type=type_, at=now, from_status=from_status, to_status=order.status,
        reason=reason, data={k: v for k, v in data.items() if v is not None}))


def _note(text: str, field: str, errors: dict[str, str], *, required: str = "") -> str:
    text = text.strip()
    if required and not text:
        errors[field] = required
    elif len(text) > MAX_NOTE:
        errors[field] = _("Texten får vara högst {n} tecken.", n=MAX_NOTE)
    return text


def _person(session: Session, actor: Actor, person_id: int | None,
            errors: dict[str, str]) -> staff.StaffPerson | None:
    if person_id is None:
        errors["person_id"] = _("Välj en person i personalregistret.")
        return None
    try:
        return staff.get_person(session, actor=actor, person_id=person_id)
    except NotFound as missing:
        if isinstance(missing, audit.DeniedNotFound):
            raise  # another unit's person: refused as not found, with its denied audit row
        errors["person_id"] = _("Personen finns inte i personalregistret.")
        return None


def _due_on(kind: str, effective_on: date, today: date) -> date:
    # A newcomer's access is in place the working day before the first day (not before today);
    # a leaver's is closed by the last working day itself.
    if kind == OrderKind.LEAVER:
        return effective_on
    return max(last_working_day(effective_on - timedelta(days=1)), today)


def create_order(session: Session, *, actor: Actor, unit_id: int, person_id: int | None,
                 kind: str, effective_on: date | str | None, due_on: date | None = None,
                 lines: list[LineRequest] | None = None, profile_id: int | None = None,
                 note: str = "", review_id: int | None = None,
                 now: datetime | None = None) -> AccessOrder:
    """Record an order awaiting a manager's approval, one pending line per system: by profile
    (`profile_id`, which needs a current analysis), by system (`lines`), or a leaver's (the
    lines are every system the person has at the unit and the SITHS card)."""
    require_orderer(actor, unit_id)
    now = now or utcnow()
    today = local_today(now)
    errors: dict[str, str] = {}
    if kind not in {k.value for k in OrderKind}:
        errors["kind"] = _("Välj ny medarbetare, ändring eller avslut.")
    person = _person(session, actor, person_id, errors)
    day = parse_day(effective_on, "effective_on", errors)
    if day is None and "effective_on" not in errors:
        errors["effective_on"] = _("Ange från vilken dag beställningen gäller.")
    note = _note(note, "note", errors)
    analysis_id = None
    asked: list[LineRequest] = []
    if kind == OrderKind.LEAVER:
        profile_id = None
        if person is not None:
            asked = leaver_lines(session, unit_id=unit_id, person_id=person.id)
            if not asked and not any(a.unit_id == unit_id for a in person.assignments):
                errors["person_id"] = _("Personen har inget uppdrag och ingen behörighet på "
                                        "enheten.")
            elif _open_leaver_order(session, unit_id=unit_id, person_id=person.id):
                errors["person_id"] = _("Det finns redan en öppen avslutsbeställning för "
                                        "personen.")
    elif profile_id is not None:
        asked, analysis_id = profile_lines(session, unit_id=unit_id, profile_id=profile_id,
                                           kind=kind, person_id=person.id if person else 0,
                                           on=today, errors=errors)
    else:
        asked = system_lines(session, unit_id=unit_id, kind=kind, requested=lines or [],
                             errors=errors)
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and day is not None
    if kind == OrderKind.LEAVER:
        day = last_working_day(day)
    order = AccessOrder(unit_id=unit_id, person_id=person.id, kind=kind,
                        status=OrderStatus.AWAITING_APPROVAL.value, profile_id=profile_id,
                        analysis_id=analysis_id, effective_on=day,
                        due_on=due_on or _due_on(kind, day, today), note=note,
                        ordered_by=actor.user_id, ordered_at=now, review_id=review_id)
    order.lines = [AccessOrderLine(system_id=line.system_id, action=line.action,
                                   access_profile=line.access_profile, title=line.title,
                                   status=LineStatus.PENDING.value) for line in asked]
    session.add(order)
    _event(order, actor_id=actor.user_id, type_="ordered", now=now, kind=kind,
           profile_id=profile_id, analysis_id=analysis_id, lines=len(asked),
           effective_on=day.isoformat(), review_id=review_id)
    session.flush()
    return order


def _open_leaver_order(session: Session, *, unit_id: int, person_id: int) -> bool:
    return session.scalar(select(AccessOrder.id).where(
        AccessOrder.unit_id == unit_id, AccessOrder.person_id == person_id,
        AccessOrder.kind == OrderKind.LEAVER.value,
        AccessOrder.status.in_(OPEN_ORDER_STATUSES)).limit(1)) is not None


def _decide(session: Session, *, actor: Actor, order_id: int) -> AccessOrder:
    order = get_order(session, actor=actor, order_id=order_id, action="update")
    require_manager(actor, order.unit_id)
    if order.unit_id != actor.unit_id:
        # The line items open in the actor's current unit's queue: it must be the order's.
        raise Forbidden(N_("Byt till beställningens vårdenhet för att besluta om den."))
    return order


def approve_order(session: Session, *, actor: Actor, order_id: int, note: str = "",
                  now: datetime | None = None) -> AccessOrder:
    """Approve an order (a manager of the unit, never the one who ordered it): one work item
    per line; a leaver's assignments at the unit end on the last working day."""
    now = now or utcnow()
    order = _decide(session, actor=actor, order_id=order_id)
    if order.ordered_by == actor.user_id:
        raise Forbidden(OWN_ORDER)
    person = session.get(staff.StaffPerson, order.person_id)
    assert person is not None
    if person.user_id is not None and person.user_id == actor.user_id:
        raise Forbidden(OWN_ACCESS)
    errors: dict[str, str] = {}
    note = _note(note, "note", errors)
    if errors:
        raise ValidationFailed(errors)
    if order.profile_id is not None and current_analysis(
            session, profile_id=order.profile_id, on=local_today(now)) is None:
        raise TransitionError(_("Profilens behovs- och riskanalys gäller inte längre: "
                                "beställningen kan inte godkännas förrän en ny analys finns."),
                              code="analysis_expired")
    before = order.status
    order.status = next_order_status(order.status, "approve").value
    order.decided_by, order.decided_at, order.decision_note = actor.user_id, now, note
    _event(order, actor_id=actor.user_id, type_="approved", now=now, from_status=before,
           reason=note or None)
    priority = (Priority.HIGH if order.kind == OrderKind.LEAVER else Priority.NORMAL).value
    for line in order.lines:
        line.status = LineStatus.OPEN.value
        order_items.open_line_item(session, actor=actor, order=order, line=line,
                                   person_name=person.full_name,
                                   carried_by=line.system.carried_by, priority=priority, now=now)
    if order.kind == OrderKind.LEAVER:
        _end_assignments(session, actor=actor, order=order, person=person, now=now)
    _finish_if_done(order, actor_id=actor.user_id, now=now)
    session.flush()
    return order


def _end_assignments(session: Session, *, actor: Actor, order: AccessOrder,
                     person: staff.StaffPerson, now: datetime) -> None:
    ended = []
    for line in list(person.assignments):
        if line.unit_id != order.unit_id or line.valid_from > order.effective_on:
            continue
        if line.valid_to is not None and line.valid_to <= order.effective_on:
            continue
        staff.end_assignment(session, actor=actor, assignment_id=line.id,
                             last_day=order.effective_on, now=now)
        ended.append(line.id)
    _event(order, actor_id=actor.user_id, type_="assignments_ended", now=now,
           assignment_ids=ended, last_day=order.effective_on.isoformat())


def reject_order(session: Session, *, actor: Actor, order_id: int, note: str,
                 now: datetime | None = None) -> AccessOrder:
    """Reject an order awaiting approval, with the reason (a manager of the unit)."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    note = _note(note, "note", errors, required=_("Skriv varför beställningen avslås."))
    if errors:
        raise ValidationFailed(errors)
    order = _decide(session, actor=actor, order_id=order_id)
    before = order.status
    order.status = next_order_status(order.status, "reject").value
    order.decided_by, order.decided_at, order.decision_note = actor.user_id, now, note
    for line in order.lines:
        line.status = LineStatus.CANCELLED.value
    _event(order, actor_id=actor.user_id, type_="rejected", now=now, from_status=before,
           reason=note)
    session.flush()
    return order


def cancel_order(session: Session, *, actor: Actor, order_id: int, reason: str,
                 now: datetime | None = None) -> AccessOrder:
    """Withdraw an order not yet done, with the reason (whoever ordered it, or a manager of the
    unit): lines not carried out are cancelled, and so are their open work items."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    reason = _note(reason, "reason", errors, required=_("Skriv varför beställningen återkallas."))
    order = get_order(session, actor=actor, order_id=order_id, action="update")
    if order.ordered_by != actor.user_id and not is_manager_of(actor, order.unit_id):
        raise Forbidden(N_("Bara den som beställde eller en chef på enheten kan återkalla "
                           "beställningen."))
    if errors:
        raise ValidationFailed(errors)
    before = order.status
    order.status = next_order_status(order.status, "cancel").value
    for line in order.lines:
        if line.status in (LineStatus.PENDING, LineStatus.OPEN):
            line.status = LineStatus.CANCELLED.value
            order_items.close_line_items(session, actor_id=actor.user_id, line_id=line.id,
                                         now=now, reason=reason, cancel=True)
    _event(order, actor_id=actor.user_id, type_="cancelled", now=now, from_status=before,
           reason=reason)
    session.flush()
    return order


def complete_line(session: Session, *, actor: Actor, order_id: int, line_id: int, note: str,
                  now: datetime | None = None) -> AccessOrder:
    """Mark one line carried out, with a note: what the person has in the system follows, the
    line's work item is completed, and the order is done when every line is."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    note = _note(note, "note", errors, required=_("Skriv en anteckning om vad som gjordes."))
    order = get_order(session, actor=actor, order_id=order_id, action="update")
    line = next((x for x in order.lines if x.id == line_id), None)
    if line is None:
        raise NotFound(N_("Raden finns inte i beställningen."))
    if errors:
        raise ValidationFailed(errors)
    if order.status != OrderStatus.APPROVED or line.status != LineStatus.OPEN:
        raise TransitionError(_("Raden kan inte markeras som utförd: den är inte att utföra "
                                "(beställningen måste vara godkänd och raden öppen)."),
                              code="line_not_open")
    line.status = LineStatus.DONE.value
    line.done_by, line.done_at, line.done_note = actor.user_id, now, note
    _carry_out(session, order=order, line=line, day=local_today(now))
    order_items.close_line_items(session, actor_id=actor.user_id, line_id=line.id, now=now,
                                 reason=_("Utförd i beställningen"))
    _event(order, actor_id=actor.user_id, type_="line_done", now=now, reason=note,
           line_id=line.id, system=line.system.name, action=line.action)
    _finish_if_done(order, actor_id=actor.user_id, now=now)
    session.flush()
    return order


def _carry_out(session: Session, *, order: AccessOrder, line: AccessOrderLine, day: date) -> None:
    """What the person has follows the line: granted or changed (the old row ends), removed."""
    held = [a for a in current_access(session, person_id=order.person_id, unit_id=order.unit_id)
            if a.system_id == line.system_id]
    for access in held:
        access.ended_on = day
    if line.action in (LineAction.GRANT, LineAction.CHANGE):
        profile = line.access_profile or (held[0].access_profile if held else "")
        session.add(PersonSystemAccess(person_id=order.person_id, unit_id=order.unit_id,
                                       system_id=line.system_id, access_profile=profile,
                                       since=day, line_id=line.id))


def _finish_if_done(order: AccessOrder, *, actor_id: int | None, now: datetime) -> None:
    if order.status != OrderStatus.APPROVED:
        return
    if any(line.status not in (LineStatus.DONE, LineStatus.CANCELLED) for line in order.lines):
        return
    order.status = next_order_status(order.status, "complete").value
    order.done_at = now
    _event(order, actor_id=actor_id, type_="done", now=now, from_status=OrderStatus.APPROVED)


def list_orders(session: Session, *, actor: Actor, status: str = "", kind: str = "",
                limit: int = 500) -> list[AccessOrder]:
    """The orders of the actor's current unit, newest first, filtered by status and kind."""
    require_orderer(actor, actor.unit_id)
    stmt = select(AccessOrder).where(AccessOrder.unit_id == actor.unit_id).options(
        selectinload(AccessOrder.lines))
    if status == "open":
        stmt = stmt.where(AccessOrder.status.in_(OPEN_ORDER_STATUSES))
    elif status:
        stmt = stmt.where(AccessOrder.status == status)
    if kind:
        stmt = stmt.where(AccessOrder.kind == kind)
    return list(session.scalars(stmt.order_by(AccessOrder.ordered_at.desc(), AccessOrder.id.desc())
                                .limit(limit)))


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names of people in the register by id (for lists)."""
    if not ids:
        return {}
    rows = session.execute(select(staff.StaffPerson.id, staff.StaffPerson.full_name)
                           .where(staff.StaffPerson.id.in_(ids))).tuples()
    return dict(rows.all())


def order_of_line(session: Session, *, line_id: int) -> int:
    """The id of the order a line belongs to; NotFound for an unknown line."""
    order_id = session.scalar(select(AccessOrderLine.order_id).where(AccessOrderLine.id == line_id))
    if order_id is None:
        raise NotFound(NO_ORDER)
    return order_id
