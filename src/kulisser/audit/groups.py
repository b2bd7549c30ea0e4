"""The log review's default view: audit rows grouped per user, patient and local day.

A reviewer asks "who looked at whom, when, and how"; a day of one secretary's work on one
patient is a handful of rows, shown as one line with its count, first and last time, actions
and outcomes. The rows themselves stay one click away (the group's link), and nothing is
left out: the counts add up to the rows the filter matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.labels import action_label, object_label, outcome_label
from kulisser.audit.models import AuditEvent
from kulisser.audit.queries import PATIENT_COLUMNS, TZ, AuditFilter, conditions
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, User

GROUP_PAGE_SIZE = 50


@dataclass
class Group:
    """One user's rows on one patient (or on no patient) during one local day."""

    day: date
    user_id: int | None
    username: str
    role: str
    patient_id: int | None
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    actions: dict[str, int] = field(default_factory=dict)
    objects: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    user_name: str = ""
    patient: Patient | None = None

    def action_text(self) -> str:
        """The actions in Swedish words with their counts, most frequent first."""
        return ", ".join(f"{action_label(a)} ({n})" for a, n in _by_count(self.actions))

    def object_text(self) -> str:
        """The kinds of object in Swedish words with their counts, most frequent first."""
        return ", ".join(f"{object_label(o)} ({n})" for o, n in _by_count(self.objects))

    def outcome_text(self) -> str:
        """The outcomes in Swedish words with their counts, most frequent first."""
        return ", ".join(f"{outcome_label(o)} ({n})" for o, n in _by_count(self.outcomes))


@dataclass
class GroupPage:
    """One page of groups, newest last-time first, and how many groups there are in all."""

    groups: list[Group]
    total_groups: int
    total_rows: int
    page: int
    pages: int


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _hour_bucket(session: Session) -> Any:
    # Stockholm's UTC offset is always whole hours, so UTC hours fold exactly into local days;
    # both databases can group by the UTC hour, neither the same way by a Stockholm day.
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", AuditEvent.at), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", AuditEvent.at)


def all_groups(session: Session, *, actor: Actor, f: AuditFilter) -> list[Group]:
    """Every group the filter matches, newest last-time first (names not yet attached)."""
    bucket = _hour_bucket(session).label("bucket")
    cols = (AuditEvent.user_id, AuditEvent.username, AuditEvent.role, AuditEvent.patient_id)
    kinds = (AuditEvent.action, AuditEvent.object_type, AuditEvent.outcome)
    stmt = (select(*cols, bucket, *kinds, func.count(), func.min(AuditEvent.at),
                   func.max(AuditEvent.at))
            .where(*conditions(actor, replace(f, cursor=""))).group_by(*cols, bucket, *kinds))
    groups: dict[tuple[Any, ...], Group] = {}
    for uid, username, role, pid, hour, action, object_type, outcome, n, first, last in (
            session.execute(stmt).tuples()):
        day = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(TZ).date()
        g = groups.setdefault((day, uid, username, pid),
                              Group(day=day, user_id=uid, username=username, role=role,
                                    patient_id=pid))
        g.count += n
        g.first = first if g.first is None else min(g.first, first)
        g.last = last if g.last is None else max(g.last, last)
        g.actions[action] = g.actions.get(action, 0) + n
        g.objects[object_type] = g.objects.get(object_type, 0) + n
        g.outcomes[outcome] = g.outcomes.get(outcome, 0) + n
    return sorted(groups.values(), key=lambda g: (g.last or datetime.min.replace(tzinfo=UTC),
                                                 g.count), reverse=True)


def attach_names(session: Session, groups: list[Group]) -> list[Group]:
    """Fill in the users' names and the patients (never an address) of these groups."""
    uids = {g.user_id for g in groups if g.user_id is not None}
    pids = {g.patient_id for g in groups if g.patient_id is not None}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(uids)))
                 .tuples().all()) if uids else {}
    people = {p.id: p for p in session.scalars(
        select(Patient).where(Patient.id.in_(pids)).options(PATIENT_COLUMNS))} if pids else {}
    for g in groups:
        g.user_name = names.get(g.user_id, "") if g.user_id is not None else ""
        g.patient = people.get(g.patient_id) if g.patient_id is not None else None
    return groups


def group_page(session: Session, *, actor: Actor, f: AuditFilter,
               size: int = GROUP_PAGE_SIZE) -> GroupPage:
    """One page of the filter's groups, with names attached."""
    groups = all_groups(session, actor=actor, f=f)
    pages = max(1, -(-len(groups) // size))
    page = min(max(1, f.group_page), pages)
    shown = attach_names(session, groups[(page - 1) * size:page * size])
    return GroupPage(groups=shown, total_groups=len(groups),
                     total_rows=sum(g.count for g in groups), page=page, pages=pages)
