"""A contact's codes: set them (the old ones kept in the history), check them, mark it coded;
the unit's favourites, the patient's last codes and the suggestion figures.

The checks are checks.check (the same as POST /api/v1/coding/validate). A contact is coded
only with no error; its coding item closes then. Codes changed on a coded contact that now
fail the checks put it back in the queue with a new item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import checks, codes, items
from kulisser.coding.models import CareContact, ContactCode, Suggestion
from kulisser.coding.states import ContactStatus, Role
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.identity.numbers import Identifier, IdKind
from kulisser.patients import service as patients
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

MAX_CODES = 40  # codes on one contact; far beyond any real contact
CODE_MAX = 16


@dataclass(frozen=True)
class CodeEntry:
    """One code as the form or the API gives it (the code in any accepted form)."""

    role: str
    code: str
    procedure_date: date | None = None
    from_suggestion: bool = False

    @property
    def system(self) -> str:
        """The code system of the role: KVÅ for a procedure, ICD-10 for the rest."""
        return codes.KVA if self.role == Role.PROCEDURE else codes.ICD10


@dataclass
class Coding:
    """A contact's codes and what the checks say about them."""

    contact: CareContact
    result: checks.CheckResult
    changed: bool = False
    errors_by_code: dict[str, list[str]] = field(default_factory=dict)


def _clean(entries: list[CodeEntry], contact: CareContact) -> list[tuple[CodeEntry, str]]:
    """The entries with their normalized codes; ValidationFailed (Swedish) for a wrong one."""
    errors: dict[str, str] = {}
    roles = {r.value for r in Role}
    found: list[tuple[CodeEntry, str]] = []
    if len(entries) > MAX_CODES:
        raise ValidationFailed({"codes": _("Högst {n} koder på en vårdkontakt.", n=MAX_CODES)})
    for i, entry in enumerate(entries):
        key = f"codes.{i}"
        code = codes.normalize(entry.code or "")
        if entry.role not in roles:
            errors[key] = _("Okänd roll för koden.")
        elif not code:
            errors[key] = _("Ange en kod.")
        elif len(code) > CODE_MAX or not code.isalnum():
            errors[key] = _("{code} är ingen kod.", code=entry.code.strip()[:20])
        elif entry.role != Role.PROCEDURE and entry.procedure_date is not None:
            errors[key] = _("Bara en åtgärd har ett datum.")
        elif entry.procedure_date is not None and entry.procedure_date < contact.contact_date:
            errors[key] = _("Åtgärden kan inte vara gjord före vårdkontakten.")
        found.append((entry, code))
    if sum(1 for e, _c in found if e.role == Role.MAIN) > 1:
        errors["codes"] = _("En vårdkontakt har en enda huvuddiagnos.")
    if errors:
        raise ValidationFailed(errors)
    return found


def _snapshot(contact: CareContact) -> list[str]:
    return [f"{c.role}:{codes.display(c.code, c.system)}"
            + (f"@{c.procedure_date.isoformat()}" if c.procedure_date else "")
            for c in sorted(contact.codes, key=lambda c: (c.role, c.position))]


def _patient_facts(session: Session, patient_id: int, on: date) -> tuple[str | None, int | None]:
    """Legal sex ("M"/"F") and age on a day from the identity number (None: unknown)."""
    patient = session.get(patients.Patient, patient_id)
    if patient is None or patient.id_kind == IdKind.RESERVNUMMER:
        return None, None
    ident = Identifier(IdKind(patient.id_kind), patient.id_value)
    born, sex = ident.birth_date(), ident.sex()
    age = None
    if born is not None:
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return ({"male": "M", "female": "F"}.get(sex or ""), age)


def run_checks(session: Session, *, contact: CareContact) -> checks.CheckResult:
    """The checks on the contact's codes (the first diagnosis given is the main one)."""
    by_role: dict[str, list[str]] = {r.value: [] for r in Role}
    for c in sorted(contact.codes, key=lambda c: c.position):
        by_role[c.role].append(c.code)
    sex, age = _patient_facts(session, contact.patient_id, contact.contact_date)
    # Without a main diagnosis the checks see none: "missing_main" says so first.
    diagnoses = [*by_role[Role.MAIN], *by_role[Role.SECONDARY]] if by_role[Role.MAIN] else []
    return checks.check(session, contact_date=contact.contact_date, sex=sex, age=age,
                        diagnoses=diagnoses, procedures=by_role[Role.PROCEDURE],
                        must_code=contact.must_code, external_causes=by_role[Role.EXTERNAL])


def set_codes(session: Session, *, actor: Actor, contact_id: int, entries: list[CodeEntry],
              finish: bool = False, expected_version: int | None = None,
              now: datetime) -> Coding:
    """Replace the contact's codes (the old ones kept in the history) and check them.

    finish: mark it coded when the checks find no error (its item closes). A coded contact
    whose new codes have an error waits again, with a new coding item.
    """
    from kulisser.coding.service import for_change  # the service re-exports this module

    contact = for_change(session, actor=actor, contact_id=contact_id, now=now)
    if expected_version is not None and expected_version != contact.version:
        raise TransitionError(_("Vårdkontakten har ändrats av någon annan sedan du öppnade den. "
                                "Ladda om sidan."), code="stale")
    cleaned = _clean(entries, contact)
    before = _snapshot(contact)
    contact.codes.clear()
    session.flush()
    positions: dict[str, int] = {}
    for entry, code in cleaned:
        pos = positions[entry.role] = positions.get(entry.role, -1) + 1
        day = entry.procedure_date or (contact.contact_date if entry.role == Role.PROCEDURE else None)
        contact.codes.append(ContactCode(system=entry.system, code=code, role=entry.role,
                                         procedure_date=day, position=pos,
                                         from_suggestion=entry.from_suggestion,
                                         created_at=now, created_by_id=actor.user_id))
    _mark_taken(contact, cleaned, now)
    after = _snapshot(contact)
    coded = contact.status == ContactStatus.CODED
    changed = before != after
    if changed:
        contact.record("recoded" if coded else "codes_set", actor_id=actor.user_id, now=now,
                       before=before, after=after)
    session.flush()
    result = run_checks(session, contact=contact)
    if result.errors and coded and changed:
        contact.move(ContactStatus.UNCODED, type_="reopened", actor_id=actor.user_id, now=now)
        if items.waits(contact):
            items.open_for(session, actor=actor, contact=contact, now=now,
                           patient_name=_patient_name(session, contact))
    elif finish and not result.errors and not coded:
        contact.move(ContactStatus.CODED, type_="coded", actor_id=actor.user_id, now=now,
                     warnings=[f.rule for f in result.warnings] or None)
        items.close_for(session, actor=actor, contact=contact, now=now)
    session.flush()
    return Coding(contact=contact, result=result, changed=changed,
                  errors_by_code=_by_code(result))


def mark_coded(session: Session, *, actor: Actor, contact_id: int, now: datetime) -> Coding:
    """Mark the contact coded with the codes it has; an error refuses it (409, in Swedish)."""
    from kulisser.coding.service import for_change  # the service re-exports this module

    contact = for_change(session, actor=actor, contact_id=contact_id, now=now)
    result = run_checks(session, contact=contact)
    if result.errors:
        raise TransitionError(_("Vårdkontakten kan inte markeras som kodad: {errors}",
                                errors=" ".join(f.message for f in result.errors)),
                              code="coding_errors")
    if contact.status != ContactStatus.CODED:
        contact.move(ContactStatus.CODED, type_="coded", actor_id=actor.user_id, now=now)
        items.close_for(session, actor=actor, contact=contact, now=now)
    session.flush()
    return Coding(contact=contact, result=result)


def _mark_taken(contact: CareContact, cleaned: list[tuple[CodeEntry, str]], now: datetime) -> None:
    """A suggestion the secretary chose is counted as taken (never the other way round)."""
    chosen = {(e.system, code) for e, code in cleaned if e.from_suggestion}
    for s in contact.suggestions:
        if (s.system, s.code) in chosen and not s.taken:
            s.taken, s.taken_at = True, now


def _by_code(result: checks.CheckResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in [*result.errors, *result.warnings]:
        found.setdefault(codes.normalize(f.code or ""), []).append(f.message)
    return found


def _patient_name(session: Session, contact: CareContact) -> str:
    patient = session.get(patients.Patient, contact.patient_id)
    return patient.full_name if patient is not None else ""


# -- what the page offers beside the search ----------------------------------------------------

FAVOURITE_DAYS = 365


def favourites(session: Session, *, unit_id: int, role: str, on: date,
               limit: int = 10) -> list[tuple[str, str, int]]:
    """The unit's most used codes in a role over the last year: (system, code, times)."""
    stmt = (select(ContactCode.system, ContactCode.code, func.count().label("n"))
            .join(CareContact, CareContact.id == ContactCode.contact_id)
            .where(CareContact.unit_id == unit_id, ContactCode.role == role,
                   CareContact.contact_date >= on - timedelta(days=FAVOURITE_DAYS))
            .group_by(ContactCode.system, ContactCode.code)
            .order_by(func.count().desc(), ContactCode.code).limit(limit))
    return [(r.system, r.code, int(r.n)) for r in session.execute(stmt)]


def patient_codes(session: Session, *, contact: CareContact, limit: int = 10) -> list[ContactCode]:
    """The codes of the patient's earlier contacts at the unit, newest first (the caller has
    checked access to the patient through the contact)."""
    stmt = (select(ContactCode).join(CareContact, CareContact.id == ContactCode.contact_id)
            .where(CareContact.unit_id == contact.unit_id,
                   CareContact.patient_id == contact.patient_id, CareContact.id != contact.id)
            .order_by(CareContact.contact_date.desc(), ContactCode.role, ContactCode.position)
            .limit(limit * 3))
    seen: set[tuple[str, str]] = set()
    found = []
    for c in session.scalars(stmt):
        if (c.system, c.code) not in seen:
            seen.add((c.system, c.code))
            found.append(c)
    return found[:limit]


def suggestion_figures(session: Session, *, unit_id: int, months: int = 12,
                       today: date) -> list[dict[str, Any]]:
    """Per month (the suggestion's), how many codes were suggested and how many were taken."""
    first = date(today.year, today.month, 1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = session.execute(select(Suggestion.made_at, Suggestion.taken).where(
        Suggestion.unit_id == unit_id,
        Suggestion.made_at >= datetime(first.year, first.month, 1, tzinfo=workdays.TZ)))
    per: dict[str, dict[str, Any]] = {}
    for made_at, taken in rows:
        month = f"{made_at.astimezone(workdays.TZ):%Y-%m}"
        m = per.setdefault(month, {"month": month, "suggested": 0, "taken": 0})
        m["suggested"] += 1
        m["taken"] += int(bool(taken))
    for m in per.values():
        m["share"] = round(m["taken"] / m["suggested"], 3) if m["suggested"] else 0.0
    return [per[k] for k in sorted(per, reverse=True)]
