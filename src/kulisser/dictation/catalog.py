"""Note types per unit (with the default set) and the units' glossaries of medical terms.

Neither holds patient data: no access check, no audit row.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.dictation.models import GlossaryTerm, NoteType
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor

# The default set, seeded by the migration with unit_id NULL; code, name, headings, LOINC.
DEFAULT_NOTE_TYPES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("visit", "Besöksanteckning", ("Anamnes", "Status", "Bedömning", "Åtgärd"), "11506-3"),
    ("discharge", "Epikris",
     ("Inskrivningsorsak", "Förlopp", "Bedömning", "Läkemedel", "Uppföljning"), "18842-5"),
    ("referral", "Remiss", ("Frågeställning", "Anamnes", "Status", "Aktuella läkemedel"), "57133-1"),
    ("letter", "Brev", ("Bakgrund", "Information", "Fortsatt planering"), "34109-9"),
)
DEFAULT_NOTE_TYPE = "visit"
TERM_MAX = 100


def _fold(text: str) -> str:
    """Casefolded and without diacritics, for matching typed or file-name note types."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def note_types(session: Session, *, unit_id: int, include_inactive: bool = False) -> list[NoteType]:
    """The unit's note types: its own rows, plus the defaults it has not replaced, in order."""
    rows = list(session.scalars(select(NoteType).where(
        or_(NoteType.unit_id == unit_id, NoteType.unit_id.is_(None)))))
    own = {row.code: row for row in rows if row.unit_id == unit_id}
    chosen = [*own.values(), *(row for row in rows if row.unit_id is None and row.code not in own)]
    if not include_inactive:
        chosen = [row for row in chosen if row.active]
    return sorted(chosen, key=lambda row: (row.sort_order, row.name))


def find_note_type(session: Session, *, unit_id: int, value: str) -> NoteType | None:
    """The unit's active note type named by code or Swedish name ("epikris", "Besöksanteckning")."""
    wanted = _fold(value)
    if not wanted:
        return None
    for row in note_types(session, unit_id=unit_id):
        if wanted in (_fold(row.code), _fold(row.name)):
            return row
    return None


def default_note_type(session: Session, *, unit_id: int) -> NoteType:
    """The note type used when none is known (an unmatched import): the visit note, or the first."""
    found = find_note_type(session, unit_id=unit_id, value=DEFAULT_NOTE_TYPE)
    if found is not None:
        return found
    types = note_types(session, unit_id=unit_id)
    if not types:
        raise NotFound(_("Enheten har inga anteckningstyper."))
    return types[0]


def save_note_type(session: Session, *, actor: Actor, code: str, name: str, headings: list[str],
                   active: bool = True, sort_order: int | None = None) -> NoteType:
    """Create or change the unit's own note type (a code of the default set replaces it there)."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra anteckningstyper."))
    code, name = code.strip().lower(), name.strip()
    clean = [h.strip() for h in headings if h.strip()]
    errors: dict[str, str] = {}
    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = _("Koden får bara innehålla bokstäver, siffror, - och _ (högst 40 tecken).")
    if not name or len(name) > 100:
        errors["name"] = _("Ange ett namn (högst 100 tecken).")
    if len(clean) > 20 or any(len(h) > 60 for h in clean):
        errors["headings"] = _("Högst 20 rubriker om högst 60 tecken.")
    if errors:
        raise ValidationFailed(errors)
    row = session.scalar(select(NoteType).where(NoteType.unit_id == actor.unit_id,
                                                NoteType.code == code))
    if row is None:
        default = session.scalar(select(NoteType).where(NoteType.unit_id.is_(None),
                                                        NoteType.code == code))
        row = NoteType(unit_id=actor.unit_id, code=code,
                       loinc_code=default.loinc_code if default else None,
                       sort_order=default.sort_order if default else 100)
        session.add(row)
    row.name, row.headings, row.active = name, clean, active
    if sort_order is not None:
        row.sort_order = sort_order
    session.flush()
    return row


# -- glossary --------------------------------------------------------------------------------

def glossary(session: Session, *, unit_id: int) -> list[GlossaryTerm]:
    """The unit's medical terms, alphabetically."""
    return list(session.scalars(select(GlossaryTerm).where(GlossaryTerm.unit_id == unit_id)
                                .order_by(GlossaryTerm.term_key)))


def glossary_keys(session: Session, *, unit_id: int) -> set[str]:
    """The unit's terms casefolded, for marking words that need attention."""
    return set(session.scalars(select(GlossaryTerm.term_key).where(GlossaryTerm.unit_id == unit_id)))


def add_term(session: Session, *, actor: Actor, term: str, now: datetime | None = None) -> GlossaryTerm:
    """Add a term to the actor's unit's glossary (adding a known term returns it unchanged).

    Any member of the unit may: secretaries meet the terms in the drafts.
    """
    term = " ".join(term.split())
    if not term:
        raise ValidationFailed({"term": _("Skriv termen.")})
    if len(term) > TERM_MAX:
        raise ValidationFailed({"term": _("Högst {term_max} tecken.", term_max=TERM_MAX)})
    key = term.casefold()
    found = session.scalar(select(GlossaryTerm).where(GlossaryTerm.unit_id == actor.unit_id,
                                                      GlossaryTerm.term_key == key))
    if found is not None:
        return found
    row = GlossaryTerm(unit_id=actor.unit_id, term=term, term_key=key, added_by_id=actor.user_id,
                       added_at=now or utcnow())
    session.add(row)
    session.flush()
    return row


def remove_term(session: Session, *, actor: Actor, term_id: int) -> None:
    """Remove a term from the actor's unit's glossary."""
    row = session.get(GlossaryTerm, term_id)
    if row is None:
        raise NotFound(_("Termen finns inte."))
    audit.require_unit(actor=actor, object_type="glossary_term", object_id=row.id,
                       unit_id=row.unit_id, action="update", current_unit=True,
                       hidden=_("Termen finns inte."))
    session.delete(row)
    session.flush()
