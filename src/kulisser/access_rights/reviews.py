"""The periodic access review (behörighetsuppföljning) of a unit, issue 13 item 5.

Every N months (the unit's `AccessPolicy`, default 6) a review starts with one line per person
and system the unit's staff have (`PersonSystemAccess`), due in 30 days, as a work item for the
unit's manager. The manager attests each line once: keep, change or remove (a note for the
last two). When all of a person's lines are attested, their changes and removals become one
access order (kind change, with the review's id); the review is done with its last line. An
overdue review escalates once. Accounts unused for the policy's days are listed for removal
in `inactive.py`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights import orders, review_items
from kulisser.access_rights.models import (
    AccessPolicy,
    AccessReview,
    AccessReviewLine,
    AccessSystem,
    PersonSystemAccess,
)
from kulisser.access_rights.service import is_manager_of, require_manager, require_member
from kulisser.access_rights.states import (
    DECISION_LABELS,
    Decision,
    LineAction,
    OrderKind,
    ReviewStatus,
)
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor, Role, StaffPerson, user_names
from kulisser.workdays import TZ, add_working_days, local_today
from kulisser.worklist.service import TransitionError

REVIEW_DAYS = 30  # a started review is due this many days later
ORDER_WORKING_DAYS = 5  # an order made by a review (or for an unused account) is due in these
NOTE_MAX = 2000
MONTHS_RANGE = (1, 36)
INACTIVE_RANGE = (14, 730)
NO_REVIEW = N_("Uppföljningen finns inte.")
STAFF_WORK_ONLY = N_("Behörighetsuppföljningen är till för enhetschefer och sekreterare.")


def require_reader(actor: Actor, unit_id: int) -> None:
    """Forbidden unless the actor manages the unit or is one of its secretaries (who order)."""
    require_member(actor, unit_id)
    if not (is_manager_of(actor, unit_id) or actor.role == Role.SECRETARY):
        raise Forbidden(STAFF_WORK_ONLY)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last (31 Jan -> 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    """Midnight after a Swedish day, as an aware time (a work item's due time)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)


# -- the policy -------------------------------------------------------------------------------

def get_policy(session: Session, *, unit_id: int) -> AccessPolicy:
    """The unit's policy; a unit without one gets the defaults (not stored until edited)."""
    policy = session.get(AccessPolicy, unit_id)
    return policy or AccessPolicy(unit_id=unit_id, review_months=6, inactive_days=90)


def _whole(value: object, field: str, bounds: tuple[int, int], errors: dict[str, str]) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not bounds[0] <= number <= bounds[1]:
        errors[field] = _("Ange ett heltal mellan {low} och {high}.", low=bounds[0],
                          high=bounds[1])
        return 0
    return number


def set_policy(session: Session, *, actor: Actor, unit_id: int, review_months: object,
               inactive_days: object) -> AccessPolicy:
    """Store how often the unit's access is reviewed and after how many days unused accounts
    are listed; a bad value is a Swedish error per field and nothing is stored."""
    require_manager(actor, unit_id)
    errors: dict[str, str] = {}
    months = _whole(review_months, "review_months", MONTHS_RANGE, errors)
    days = _whole(inactive_days, "inactive_days", INACTIVE_RANGE, errors)
    if errors:
        raise ValidationFailed(errors)
    policy = session.get(AccessPolicy, unit_id)
    if policy is None:
        policy = AccessPolicy(unit_id=unit_id)
        session.add(policy)
    policy.review_months, policy.inactive_days = months, days
    session.flush()
    return policy


# -- starting and escalating (the job) ----------------------------------------------------------

def _current_access_stmt(today: date) -> Select[tuple[PersonSystemAccess]]:
    return select(PersonSystemAccess).where(
        PersonSystemAccess.since <= today,
        PersonSystemAccess.ended_on.is_(None) | (PersonSystemAccess.ended_on > today))


def next_due(session: Session, *, unit_id: int, today: date) -> date:
    """The day the unit's next review is due to start: the last done review + N months, or
    today when none was ever done."""
    last = session.scalar(select(func.max(AccessReview.done_at)).where(
        AccessReview.unit_id == unit_id, AccessReview.status == ReviewStatus.DONE.value))
    if last is None:
        return today
    months = get_policy(session, unit_id=unit_id).review_months
    return add_months(last.astimezone(TZ).date(), months)


def start_due_reviews(session: Session, *, now: datetime | None = None,
                      unit_ids: Sequence[int] | None = None) -> list[AccessReview]:
    """Start a review in each unit that has staff access, none open, and one due; return the
    new ones. Safe to run twice: a unit with an open review is left alone."""
    now = now or utcnow()
    today = local_today(now)
    stmt = select(PersonSystemAccess.unit_id).where(
        PersonSystemAccess.since <= today,
        PersonSystemAccess.ended_on.is_(None) | (PersonSystemAccess.ended_on > today)).distinct()
    if unit_ids is not None:
        stmt = stmt.where(PersonSystemAccess.unit_id.in_(unit_ids))
    busy = set(session.scalars(select(AccessReview.unit_id).where(
        AccessReview.status == ReviewStatus.OPEN.value)))
    started = []
    for unit_id in sorted(set(session.scalars(stmt)) - busy):
        if next_due(session, unit_id=unit_id, today=today) <= today:
            started.append(_start(session, unit_id=unit_id, today=today, now=now))
    return started


def _start(session: Session, *, unit_id: int, today: date, now: datetime) -> AccessReview:
    rows = session.scalars(_current_access_stmt(today).where(
        PersonSystemAccess.unit_id == unit_id).order_by(PersonSystemAccess.since,
                                                         PersonSystemAccess.id))
    # One line per person and system: a system granted twice shows its latest profile.
    latest = {(r.person_id, r.system_id): r.access_profile for r in rows}
    review = AccessReview(unit_id=unit_id, status=ReviewStatus.OPEN.value, started_at=now,
                          due_on=today + timedelta(days=REVIEW_DAYS))
    review.lines = [AccessReviewLine(person_id=p, system_id=s, access_profile=profile)
                    for (p, s), profile in sorted(latest.items())]
    session.add(review)
    session.flush()
    review_items.open_review_item(session, review=review, due_at=end_of_day(review.due_on),
                                  people=len({p for p, _s in latest}), now=now)
    return review


def escalate_overdue(session: Session, *, now: datetime | None = None,
                     unit_ids: Sequence[int] | None = None) -> list[AccessReview]:
    """Escalate each open review past its due day once: its item's priority goes up with a
    note in the item's history, and `escalated_at` is set; return the escalated reviews."""
    now = now or utcnow()
    stmt = select(AccessReview).where(AccessReview.status == ReviewStatus.OPEN.value,
                                      AccessReview.due_on < local_today(now),
                                      AccessReview.escalated_at.is_(None))
    if unit_ids is not None:
        stmt = stmt.where(AccessReview.unit_id.in_(unit_ids))
    reviews = list(session.scalars(stmt.order_by(AccessReview.id)))
    for review in reviews:
        review.escalated_at = now
        review_items.escalate_item(session, review=review, now=now)
    session.flush()
    return reviews


# -- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewLineRow:
    """A line of a review with the names it needs on a page."""

    line: AccessReviewLine
    person_name: str
    system_name: str
    decision_label: str
    decided_by_name: str


@dataclass(frozen=True)
class ReviewSummary:
    """A review in the unit's overview: how far it has come, whether it is late."""

    review: AccessReview
    lines: int
    decided: int
    overdue: bool


def get_review(session: Session, *, actor: Actor, review_id: int, action: str = "read",
               lock: bool = False) -> AccessReview:
    """One review of the actor's units with its lines; another unit's is refused as not
    found, with a denied audit row. `lock`: hold the review's row until the transaction ends."""
    stmt = select(AccessReview).where(AccessReview.id == review_id).options(
        selectinload(AccessReview.lines))
    if lock:
        # Two managers attesting a person's last lines at once would each see the other's
        # line open and order nothing: attestations of one review take turns.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    review = session.scalar(stmt)
    if review is None:
        raise NotFound(NO_REVIEW)
    audit.require_unit(actor=actor, object_type="access_review", object_id=review.id,
                       unit_id=review.unit_id, hidden=_(NO_REVIEW), action=action)
    require_reader(actor, review.unit_id)
    return review


def is_overdue(review: AccessReview, today: date) -> bool:
    """Whether an open review is past its due day."""
    return review.status == ReviewStatus.OPEN.value and review.due_on < today


def list_reviews(session: Session, *, actor: Actor, unit_id: int, status: str = "",
                 now: datetime | None = None) -> list[ReviewSummary]:
    """The unit's reviews, newest first, with their progress."""
    require_reader(actor, unit_id)
    today = local_today(now)
    stmt = select(AccessReview).where(AccessReview.unit_id == unit_id)
    if status:
        stmt = stmt.where(AccessReview.status == ReviewStatus(status).value)
    reviews = list(session.scalars(stmt.order_by(AccessReview.started_at.desc(),
                                                 AccessReview.id.desc())
                                   .options(selectinload(AccessReview.lines))))
    return [ReviewSummary(review=r, lines=len(r.lines),
                          decided=sum(1 for x in r.lines if x.decision), overdue=is_overdue(r, today))
            for r in reviews]


def line_rows(session: Session, *, review: AccessReview) -> list[ReviewLineRow]:
    """The review's lines by person and system, with names."""
    people = dict(session.execute(select(StaffPerson.id, StaffPerson.full_name).where(
        StaffPerson.id.in_({x.person_id for x in review.lines}))).tuples().all())
    systems = {s.id: s for s in session.scalars(select(AccessSystem).where(
        AccessSystem.id.in_({x.system_id for x in review.lines})))}
    deciders = user_names(session, {x.decided_by for x in review.lines if x.decided_by})
    rows = [ReviewLineRow(line=x, person_name=people.get(x.person_id, ""),
                          system_name=systems[x.system_id].name if x.system_id in systems else "",
                          decision_label=_(DECISION_LABELS[Decision(x.decision)]) if x.decision else "",
                          decided_by_name=deciders.get(x.decided_by or 0, ""))
            for x in review.lines]
    order = {s.id: (s.position, s.id) for s in systems.values()}
    return sorted(rows, key=lambda r: (r.person_name.casefold(), r.line.person_id,
                                       order.get(r.line.system_id, (0, 0))))


# -- attesting ---------------------------------------------------------------------------------

def _open_for_attest(session: Session, *, actor: Actor, review_id: int) -> AccessReview:
    review = get_review(session, actor=actor, review_id=review_id, action="update", lock=True)
    require_manager(actor, review.unit_id)
    if review.status != ReviewStatus.OPEN.value:
        raise TransitionError(_("Uppföljningen är redan klar."), code="review_done")
    return review


def attest(session: Session, *, actor: Actor, review_id: int, line_id: int, decision: str,
           note: str = "", now: datetime | None = None) -> AccessReviewLine:
    """The manager's attestation of one line (once): keep, or change or remove with a note.
    A person's last line orders their changes; the review's last line completes it."""
    now = now or utcnow()
    review = _open_for_attest(session, actor=actor, review_id=review_id)
    line = next((x for x in review.lines if x.id == line_id), None)
    if line is None:
        raise NotFound(N_("Raden finns inte i uppföljningen."))
    if line.decision:
        raise TransitionError(_("Raden är redan attesterad."), code="already_attested")
    errors: dict[str, str] = {}
    if decision not in {d.value for d in Decision}:
        errors["decision"] = _("Välj behåll, ändra eller ta bort.")
    note = note.strip()
    if decision in (Decision.CHANGE, Decision.REMOVE) and not note:
        errors["note"] = _("Skriv vad som ska ändras eller varför behörigheten tas bort.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("Högst {n} tecken.", n=NOTE_MAX)
    if errors:
        raise ValidationFailed(errors)
    line.decision, line.note, line.decided_by, line.decided_at = decision, note, actor.user_id, now
    _after(session, actor=actor, review=review, person_id=line.person_id, now=now)
    return line


def keep_remaining(session: Session, *, actor: Actor, review_id: int, person_id: int,
                   now: datetime | None = None) -> list[AccessReviewLine]:
    """Attest every line of one person not yet attested as "keep"; return those lines."""
    now = now or utcnow()
    review = _open_for_attest(session, actor=actor, review_id=review_id)
    lines = [x for x in review.lines if x.person_id == person_id and not x.decision]
    if not any(x.person_id == person_id for x in review.lines):
        raise NotFound(N_("Personen finns inte i uppföljningen."))
    for line in lines:
        line.decision, line.decided_by, line.decided_at = Decision.KEEP.value, actor.user_id, now
    _after(session, actor=actor, review=review, person_id=person_id, now=now)
    return lines


def _after(session: Session, *, actor: Actor, review: AccessReview, person_id: int,
           now: datetime) -> None:
    """Order the person's changes once all their lines are attested; complete the review
    with its last line."""
    mine = [x for x in review.lines if x.person_id == person_id]
    if all(x.decision for x in mine):
        _order_changes(session, actor=actor, review=review, lines=mine, now=now)
    if all(x.decision for x in review.lines):
        review.status, review.done_at, review.done_by = (ReviewStatus.DONE.value, now,
                                                         actor.user_id)
        review_items.close_review_items(session, review=review, actor_id=actor.user_id, now=now)
    session.flush()


def _order_changes(session: Session, *, actor: Actor, review: AccessReview,
                   lines: list[AccessReviewLine], now: datetime) -> None:
    wanted = [x for x in lines if x.decision in (Decision.CHANGE, Decision.REMOVE)
              and x.order_id is None]
    if not wanted:
        return
    systems = {s.id: s.name for s in session.scalars(select(AccessSystem).where(
        AccessSystem.id.in_({x.system_id for x in wanted})))}
    requests = []
    for x in wanted:
        action = LineAction.REMOVE if x.decision == Decision.REMOVE else LineAction.CHANGE
        title = (_("Ta bort behörighet i {system}", system=systems.get(x.system_id, ""))
                 if action == LineAction.REMOVE
                 else _("Ändra behörighet i {system}", system=systems.get(x.system_id, "")))
        requests.append(orders.LineRequest(system_id=x.system_id, action=action.value,
                                           access_profile=x.access_profile, title=title[:200]))
    today = local_today(now)
    note = _("Från behörighetsuppföljningen {day}:", day=review.started_at.astimezone(TZ).date())
    note += "".join(f"\n{systems.get(x.system_id, '')}: {x.note}" for x in wanted)
    order = orders.create_order(
        session, actor=actor, unit_id=review.unit_id, person_id=wanted[0].person_id,
        kind=OrderKind.CHANGE.value, effective_on=today,
        due_on=add_working_days(today, ORDER_WORKING_DAYS), lines=requests, note=note,
        review_id=review.id, now=now)
    for x in wanted:
        x.order_id = order.id
