"""The units' own letter texts: each kind has a default, which a unit manager may replace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kulisser.db import read, utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import merge
from kulisser.letters.defaults import default_text
from kulisser.letters.models import LetterTemplate
from kulisser.letters.states import KIND_LABELS, LetterKind
from kulisser.staff.service import Actor


@dataclass(frozen=True)
class UnitText:
    """A kind's text as a unit uses it: its own, or the default."""

    kind: LetterKind
    label: str
    subject: str
    body: str
    own: bool
    updated_at: datetime | None = None
    updated_by_id: int | None = None


def _row(session: Session, *, unit_id: int, kind: LetterKind) -> LetterTemplate | None:
    return session.scalar(select(LetterTemplate).where(LetterTemplate.unit_id == unit_id,
                                                       LetterTemplate.kind == kind.value))


# Built once (values bound by name): every booking's calling letter asks it.
_UNIT_TEXT = select(LetterTemplate.subject, LetterTemplate.body).where(
    LetterTemplate.unit_id == bindparam("unit_id"), LetterTemplate.kind == bindparam("kind"))


def unit_text(session: Session, *, unit_id: int, kind: LetterKind) -> tuple[str, str]:
    """The (subject, body) a unit's new letters of a kind start from."""
    row = read(session, _UNIT_TEXT, {"unit_id": unit_id, "kind": kind.value}).first()
    return (row.subject, row.body) if row is not None else default_text(kind)


def unit_texts(session: Session, *, unit_id: int) -> list[UnitText]:
    """Every kind's text for the unit, its own marked as such."""
    rows = {r.kind: r for r in session.scalars(select(LetterTemplate).where(
        LetterTemplate.unit_id == unit_id))}
    found = []
    for kind in LetterKind:
        row = rows.get(kind.value)
        if row is None:
            subject, body = default_text(kind)
            found.append(UnitText(kind=kind, label=_(KIND_LABELS[kind]), subject=subject, body=body,
                                  own=False))
        else:
            found.append(UnitText(kind=kind, label=_(KIND_LABELS[kind]), subject=row.subject,
                                  body=row.body, own=True, updated_at=row.updated_at,
                                  updated_by_id=row.updated_by_id))
    return found


def get_text(session: Session, *, unit_id: int, kind: str) -> UnitText:
    """One kind's text for the unit; an unknown kind is refused."""
    letter_kind = parse_kind(kind)
    return next(t for t in unit_texts(session, unit_id=unit_id) if t.kind is letter_kind)


def parse_kind(kind: str) -> LetterKind:
    """A kind from a URL or form; ValidationFailed for an unknown one."""
    try:
        return LetterKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": _("Okänd brevtyp.")}) from None


def check_texts(*, kind: LetterKind, subject: str, body: str) -> tuple[str, str]:
    """Check a subject and body (syntax, known fields, a trial fill); return them cleaned."""
    return merge.check_texts(kind=kind, subject=subject, body=body)


def save_text(session: Session, *, actor: Actor, kind: str, subject: str, body: str,
              now: datetime | None = None) -> LetterTemplate:
    """Store the unit's own text for a kind; a bad text is refused and nothing is stored."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra brevmallar."))
    letter_kind = parse_kind(kind)
    subject, body = check_texts(kind=letter_kind, subject=subject, body=body)
    row = _row(session, unit_id=actor.unit_id, kind=letter_kind)
    if row is None:
        row = LetterTemplate(unit_id=actor.unit_id, kind=letter_kind.value)
        session.add(row)
    row.subject, row.body = subject, body
    row.updated_at, row.updated_by_id = now or utcnow(), actor.user_id
    session.flush()
    return row


def reset_text(session: Session, *, actor: Actor, kind: str) -> None:
    """Drop the unit's own text for a kind: new letters use the default again."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra brevmallar."))
    row = _row(session, unit_id=actor.unit_id, kind=parse_kind(kind))
    if row is not None:
        session.delete(row)
        session.flush()


def fields_of(kind: LetterKind) -> list[merge.Field]:
    """The merge fields a kind may use, for the editing page."""
    return [merge.Field(f.name, _(f.label), _(f.sample)) for f in merge.FIELDS[kind]]
