"""Work item operations: create, act on, and the due-time rules. Queries live in queries.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.history import history_values, insert_history
from kulisser.i18n import _
from kulisser.inserts import add_new
from kulisser.staff.service import Actor, UnitMembership
from kulisser.worklist.closed_items import ClosedItem as ClosedItem  # a unit's past, in bulk
from kulisser.worklist.closed_items import DueChange as DueChange
from kulisser.worklist.closed_items import HandOver as HandOver
from kulisser.worklist.closed_items import add_closed_items as add_closed_items
from kulisser.worklist.concurrency import check_version, compare_and_set
from kulisser.worklist.invariants import compare as compare  # the usual check of a kind
from kulisser.worklist.kinds import ALL_OPERATIONS as ALL_OPERATIONS
from kulisser.worklist.kinds import GENERIC_OPERATIONS as GENERIC_OPERATIONS
from kulisser.worklist.kinds import TASK as TASK
from kulisser.worklist.kinds import Finding as Finding
from kulisser.worklist.kinds import KindSpec as KindSpec  # what a domain registers its kinds with
from kulisser.worklist.kinds import all_kinds as all_kinds  # stats lists every kind (staffing)
from kulisser.worklist.kinds import get_kind as get_kind  # stats names kinds by their labels
from kulisser.worklist.kinds import record_link
from kulisser.worklist.kinds import register as register
from kulisser.worklist.kinds import register_record_page as register_record_page
from kulisser.worklist.models import OWNER_EVENTS as OWNER_EVENTS  # read by stats' team load
from kulisser.worklist.models import DeadlineRule
from kulisser.worklist.models import WorkItem as WorkItem  # the type domains name their items by
from kulisser.worklist.models import WorkItemEvent as WorkItemEvent  # read by stats' aggregate
from kulisser.worklist.queries import deadline_flags as deadline_flags
from kulisser.worklist.queries import patient_items as patient_items
from kulisser.worklist.records import NewItem as NewItem
from kulisser.worklist.records import (  # what domains do to their records' items, re-exported
    close_items as close_items,
)
from kulisser.worklist.records import deadline_hours as deadline_hours
from kulisser.worklist.records import hold_items as hold_items
from kulisser.worklist.records import items_for_ref as items_for_ref
from kulisser.worklist.records import move_item as move_item
from kulisser.worklist.records import open_items as open_items
from kulisser.worklist.records import open_items_bulk as open_items_bulk
from kulisser.worklist.records import open_items_for as open_items_for
from kulisser.worklist.records import open_items_of_patients as open_items_of_patients
from kulisser.worklist.records import open_items_subquery as open_items_subquery
from kulisser.worklist.records import resume_items as resume_items
from kulisser.worklist.records import rule_due as rule_due
from kulisser.worklist.records import set_owner as set_owner
from kulisser.worklist.records import start_items as start_items
from kulisser.worklist.records import update_details as update_details
from kulisser.worklist.schemas import PatientRef as PatientRef  # for domains' API bodies
from kulisser.worklist.schemas import RecordRef as RecordRef
from kulisser.worklist.schemas import UserRef as UserRef
from kulisser.worklist.states import PRIORITY_LABELS as PRIORITY_LABELS  # statuses, priorities
from kulisser.worklist.states import PRIORITY_ORDER as PRIORITY_ORDER
from kulisser.worklist.states import Operation as Operation
from kulisser.worklist.states import OwnedByRecord as OwnedByRecord
from kulisser.worklist.states import Priority as Priority
from kulisser.worklist.states import Status as Status
from kulisser.worklist.states import TransitionError as TransitionError
from kulisser.worklist.states import is_open as is_open
from kulisser.worklist.states import operation_verb


def rule_table(session: Session, *, unit_id: int) -> list[dict[str, object]]:
    """Every kind x priority with its hours and whether the unit overrides the default."""
    overrides = {
        (r.kind, r.priority): r.hours
        for r in session.scalars(select(DeadlineRule).where(DeadlineRule.unit_id == unit_id))
    }
    rows: list[dict[str, object]] = []
    for spec in all_kinds():
        for prio in Priority:
            default = spec.default_hours[prio]
            rows.append({"kind": spec.code, "kind_label": _(spec.label), "priority": prio.value,
                         "default": default, "hours": overrides.get((spec.code, prio.value), default),
                         "overridden": (spec.code, prio.value) in overrides})
    return rows


def set_rule(session: Session, *, actor: Actor, kind: str, priority: str, hours: int | None) -> None:
    """Set (or with None, remove) the unit's own due-time rule for a kind and priority."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra tidsregler."))
    # A form posts these as text: an unknown value is the user's error, not a server error.
    errors: dict[str, str] = {}
    if kind not in {spec.code for spec in all_kinds()}:
        errors["kind"] = _("Okänd ärendetyp.")
    if priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    if hours is not None and not 0 < hours <= 24 * 365:
        errors["hours"] = _("Ange ett antal timmar mellan 1 och 8760.")
    if errors:
        raise ValidationFailed(errors)
    row = session.scalar(select(DeadlineRule).where(
        DeadlineRule.unit_id == actor.unit_id, DeadlineRule.kind == kind,
        DeadlineRule.priority == priority))
    if hours is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(DeadlineRule(unit_id=actor.unit_id, kind=kind, priority=priority, hours=hours))
    else:
        row.hours = hours
    session.flush()  # deadline_hours reads the table without autoflush


def _check_member(session: Session, *, user_id: int, unit_id: int) -> None:
    member = session.scalar(select(UnitMembership.user_id).where(
        UnitMembership.user_id == user_id, UnitMembership.unit_id == unit_id))
    if member is None:
        raise ValidationFailed({"to_user_id": _("Mottagaren arbetar inte på ärendets vårdenhet.")})


def create_item(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    title: str,
    priority: str = Priority.NORMAL.value,
    patient_id: int | None = None,
    description: str = "",
    due_at: datetime | None = None,
    owner_id: int | None = None,
    ref_type: str | None = None,
    ref_id: int | None = None,
    now: datetime | None = None,
) -> WorkItem:
    """Create a work item in the actor's unit; the due time comes from the rule table."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    try:
        get_kind(kind)
    except KeyError:
        errors["kind"] = _("Okänd ärendetyp.")
    try:
        Priority(priority)
    except ValueError:
        errors["priority"] = _("Okänd prioritet.")
    title = title.strip()
    if not title:
        errors["title"] = _("Ange en rubrik.")
    elif len(title) > 200:
        errors["title"] = _("Rubriken får vara högst 200 tecken.")
    if due_at is not None and due_at.tzinfo is None:
        errors["due_at"] = _("Ogiltig tidpunkt.")
    if errors:
        raise ValidationFailed(errors)
    if owner_id is not None:
        _check_member(session, user_id=owner_id, unit_id=actor.unit_id)
    item = WorkItem(kind=kind, title=title, priority=priority, patient_id=patient_id,
                    unit_id=actor.unit_id, description=description.strip(), ref_type=ref_type,
                    ref_id=ref_id, created_at=now, updated_at=now, created_by_id=actor.user_id,
                    due_at=due_at or now + timedelta(
                        hours=deadline_hours(session, unit_id=actor.unit_id, kind=kind,
                                             priority=priority)))
    created = history_values("created", actor_id=actor.user_id, now=now, to_status=item.status)
    if owner_id is None:
        # The usual case (every domain's new item): the item and its history row as one INSERT
        # each, no flush of the unit of work; the item is then in the session as stored.
        add_new(session, item)
        insert_history(session, WorkItemEvent.__table__, [{"work_item_id": item.id, **created}])
    else:
        session.add(item)
        item.events.append(WorkItemEvent(**created))
        item.assign(actor_id=actor.user_id, to_user_id=owner_id, now=now)
        session.flush()
    if patient_id is not None:
        audit.check_access(session, actor=actor, patient_id=patient_id, action="create",
                           object_type="work_item", object_id=item.id, now=now)
    return item


def get_item(session: Session, *, actor: Actor, item_id: int, action: str = "read",
             now: datetime | None = None) -> WorkItem:
    """Load a work item after the access check; items of other units are not found (and logged)."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(_("Ärendet finns inte."))
    if item.patient_id is not None or item.unit_id not in actor.unit_ids:
        # Another unit's item stays "not found", but the refusal is logged.
        audit.check(session, actor=actor, record=item, object_type="work_item", action=action,
                    hidden=_("Ärendet finns inte."), now=now)
    return item


def perform(
    session: Session,
    *,
    actor: Actor,
    item_id: int,
    operation: Operation | str,
    reason: str = "",
    to_user_id: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    as_record: bool = False,
) -> WorkItem:
    """Carry out one operation on an item; TransitionError (Swedish) if not allowed.

    Only the record's own domain (as_record=True) may do what the item's kind keeps for it.
    expected_version is the version the user saw: another one is refused (StaleItem).
    """
    now = now or utcnow()
    try:
        op = Operation(operation)
    except ValueError:
        raise TransitionError(_("Okänd åtgärd."), code="unknown_operation") from None
    item = get_item(session, actor=actor, item_id=item_id, action="update", now=now)
    if not as_record:
        check_generic(item, op)
    check_version(session, item, expected_version=expected_version, actor_id=actor.user_id,
                  claim=op is Operation.CLAIM, now=now)
    if op in (Operation.ASSIGN, Operation.HANDOVER) and to_user_id is not None:
        _check_member(session, user_id=to_user_id, unit_id=item.unit_id)
    if op is Operation.ASSIGN and to_user_id is None:
        raise TransitionError(_("Välj vem ärendet ska tilldelas."), code="target_required")
    if op is Operation.HANDOVER and to_user_id == item.owner_id:
        raise TransitionError(_("Välj någon annan än nuvarande ansvarig."), code="same_owner")
    match op:
        case Operation.CLAIM:
            item.claim(actor_id=actor.user_id, now=now)
        case Operation.ASSIGN:
            assert to_user_id is not None
            item.assign(actor_id=actor.user_id, to_user_id=to_user_id, now=now)
        case Operation.HANDOVER:
            item.hand_over(actor_id=actor.user_id, to_user_id=to_user_id, reason=reason, now=now)
        case Operation.START:
            item.start(actor_id=actor.user_id, now=now)
        case Operation.HOLD:
            item.hold(actor_id=actor.user_id, reason=reason, now=now)
        case Operation.RESUME:
            item.resume(actor_id=actor.user_id, now=now)
        case Operation.COMPLETE:
            item.complete(actor_id=actor.user_id, reason=reason, now=now)
        case Operation.CANCEL:
            item.cancel(actor_id=actor.user_id, reason=reason, now=now)
        case Operation.ENTERED_IN_ERROR:
            item.mark_entered_in_error(actor_id=actor.user_id, reason=reason, now=now)
    with compare_and_set():
        session.flush()
    return item


def owned_refusal(item: WorkItem, operation: Operation) -> OwnedByRecord | None:
    """Why the worklist may not carry out the operation on the item (its record owns it), or None."""
    spec: KindSpec | None
    try:
        spec = get_kind(item.kind)
    except KeyError:
        spec = None
    if spec is None or spec.allows(operation):
        return None
    link = record_link(item.ref_type, item.ref_id)
    record = f"{link[0][0].lower()}{link[0][1:]}" if link else _("posten det gäller")
    message = _("Det går inte att {verb} ärendet här: det följer {record}.",
                verb=operation_verb(operation), record=record)
    if spec.record_hint:
        message += " " + _(spec.record_hint)
    return OwnedByRecord(message, link=link[1] if link else None)


def check_generic(item: WorkItem, operation: Operation) -> None:
    """Raise OwnedByRecord when the item's kind keeps the operation for its record's domain."""
    refusal = owned_refusal(item, operation)
    if refusal is not None:
        raise refusal


def add_comment(session: Session, *, actor: Actor, item_id: int, text: str,
                expected_version: int | None = None, now: datetime | None = None) -> WorkItem:
    """Add a comment to an item's history."""
    now = now or utcnow()
    if not text.strip():
        raise ValidationFailed({"comment": _("Skriv en kommentar.")})
    if len(text) > 4000:
        raise ValidationFailed({"comment": _("Kommentaren får vara högst 4000 tecken.")})
    item = get_item(session, actor=actor, item_id=item_id, action="update", now=now)
    check_version(session, item, expected_version=expected_version, actor_id=actor.user_id, now=now)
    item.comment(actor_id=actor.user_id, text_=text, now=now)
    with compare_and_set():
        session.flush()
    return item


def change_due(session: Session, *, actor: Actor, item_id: int, due_at: datetime, reason: str,
               expected_version: int | None = None, now: datetime | None = None) -> WorkItem:
    """Move an open item's due time, with a reason."""
    now = now or utcnow()
    if not reason.strip():
        raise ValidationFailed({"reason": _("Ange varför tiden ändras.")})
    if due_at.tzinfo is None:  # the column refuses naive times; say so instead of failing late
        raise ValidationFailed({"due_at": _("Ogiltig tidpunkt.")})
    item = get_item(session, actor=actor, item_id=item_id, action="update", now=now)
    check_version(session, item, expected_version=expected_version, actor_id=actor.user_id, now=now)
    if item.closed_at is not None:
        raise TransitionError(_("Ett avslutat ärende kan inte få ny tid."))
    item.change_due(actor_id=actor.user_id, due_at=due_at, reason=reason, now=now)
    with compare_and_set():
        session.flush()
    return item


# -- for domain packages: the items of their records ----------------------------------------

def open_item(
    session: Session,
    *,
    actor: Actor | None,
    kind: str,
    ref_type: str,
    ref_id: int,
    title: str,
    unit_id: int | None = None,
    priority: str = Priority.NORMAL.value,
    patient_id: int | None = None,
    description: str = "",
    due_at: datetime | None = None,
    owner_id: int | None = None,
    system_reason: str = "",
    now: datetime | None = None,
) -> WorkItem:
    """Open a work item about a domain's record: as create_item in the actor's unit, or, for a
    job (no actor), in unit_id, logged as the system's act with system_reason."""
    if actor is not None:
        if unit_id is not None and unit_id != actor.unit_id:
            raise ValueError("an actor opens items in their own unit")
        return create_item(session, actor=actor, kind=kind, title=title[:200], priority=priority,
                           patient_id=patient_id, description=description, due_at=due_at,
                           owner_id=owner_id, ref_type=ref_type, ref_id=ref_id, now=now)
    if unit_id is None or not system_reason:
        raise ValueError("a job's item needs its unit and the reason for the system's audit row")
    now = now or utcnow()
    get_kind(kind)  # an unknown kind is a programming error here: KeyError
    item = WorkItem(kind=kind, title=title.strip()[:200], priority=Priority(priority).value,
                    patient_id=patient_id, unit_id=unit_id, owner_id=owner_id,
                    description=description.strip(), ref_type=ref_type, ref_id=ref_id,
                    created_at=now, updated_at=now,
                    due_at=due_at or now + timedelta(hours=deadline_hours(
                        session, unit_id=unit_id, kind=kind, priority=priority)))
    session.add(item)
    item.record("created", actor_id=None, now=now, to_status=item.status)
    session.flush()
    # A system act on patient data is logged like any other, under the system's name.
    audit.log_system(session, unit_id=unit_id, patient_id=patient_id, action="create",
                     object_type="work_item", object_id=item.id, reason=system_reason, now=now)
    return item
