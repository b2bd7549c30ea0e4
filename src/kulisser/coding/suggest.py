"""Code suggestions from a signed note: a simple score that explains itself.

Two sources, added up:

- **Title words**: each code whose title contains words of the note (a note word of five
  letters or more that is a title word, or begins one: "astma" finds "astmatisk") scores one
  point per distinct word found.
- **The unit's own history**: the unit's coded contacts whose notes share words with this one
  (Jaccard similarity of their word sets, at least ``MIN_SIMILARITY``); each code chosen there
  scores ``HISTORY_WEIGHT`` times the similarity.

Suggestions are stored beside the contact (``Suggestion``) and shown as such; a code is on the
contact only when a person chose it (contact_codes.set_codes marks the suggestion taken).
Only the unit's own contacts are compared, and only their stored word sets: no other
patient's note is read.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.coding import codes
from kulisser.coding.models import CareContact, ContactCode, Suggestion
from kulisser.coding.states import ContactStatus

MIN_WORD = 4  # shorter words ("och", "med") say nothing
TITLE_WORD = 5  # a note word searched in the titles
MAX_WORDS = 300  # kept per note
SEARCH_WORDS = 30  # the longest distinct words are searched
HISTORY_NOTES = 1000  # the unit's latest coded contacts compared
MIN_SIMILARITY = 0.15
HISTORY_WEIGHT = 3.0
KEEP = 8
_WORD = re.compile(r"[^\W\d_]+")
# Common Swedish words of four letters or more that any note has.
_STOP_WORDS = """
alla andra anges annan annat arbete avser bara bedömning behandling behov besök besöket blir
detta dock efter eftersom ej enligt fortsatt fram finns flera från gäller genom god hade haft
hans hennes honom idag inga inget inte kommer kontakt kunna kvar lite mellan mycket några
nästa något också oklart patient patienten planering samt sedan sina sitt själv skall ska
status till tidigare utan vara varit vecka veckor vilket åter återbesök åtgärd över
"""
STOP = frozenset(_STOP_WORDS.split())


def _fold(word: str) -> str:
    """Lower case without accents, å, ä and ö kept (they are letters of their own in Swedish)."""
    kept = word.lower().replace("å", "\0a").replace("ä", "\0b").replace("ö", "\0c")
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", kept)
                    if not unicodedata.combining(ch))
    return plain.replace("\0a", "å").replace("\0b", "ä").replace("\0c", "ö")


def words(text: str) -> list[str]:
    """The note's distinct meaningful words, folded and sorted (what is kept for similarity)."""
    found = {_fold(w) for w in _WORD.findall(text or "")}
    return sorted(w for w in found if len(w) >= MIN_WORD and w not in STOP)[:MAX_WORDS]


def _title_words(title: str) -> set[str]:
    return {_fold(w) for w in _WORD.findall(title)}


def _from_titles(session: Session, *, note: set[str], contact: CareContact
                 ) -> dict[tuple[str, str], tuple[float, dict[str, object]]]:
    """Codes whose titles contain the note's words, with the words found."""
    searched = sorted((w for w in note if len(w) >= TITLE_WORD), key=lambda w: (-len(w), w))
    hits: dict[tuple[str, str], set[str]] = {}
    for word in searched[:SEARCH_WORDS]:
        for hit in codes.search(session, system=codes.ICD10, query=word, on=contact.contact_date,
                                limit=10):
            title = _title_words(hit.title)
            found = {w for w in note if len(w) >= TITLE_WORD
                     and any(t == w or t.startswith(w) for t in title)}
            if found:
                hits.setdefault((hit.system, hit.code), set()).update(found)
    return {key: (float(len(found)), {"words": sorted(found)}) for key, found in hits.items()}


def _from_history(session: Session, *, note: set[str], contact: CareContact
                  ) -> dict[tuple[str, str], tuple[float, dict[str, object]]]:
    """Codes the unit chose for coded contacts whose notes have similar words."""
    rows = session.execute(
        select(CareContact.id, CareContact.note_words)
        .where(CareContact.unit_id == contact.unit_id, CareContact.id != contact.id,
               CareContact.status == ContactStatus.CODED.value,
               CareContact.note_words.is_not(None))
        .order_by(CareContact.id.desc()).limit(HISTORY_NOTES))
    similar: dict[int, float] = {}
    for contact_id, other in rows:
        other_set = set(other or [])
        union = note | other_set
        sim = len(note & other_set) / len(union) if union else 0.0
        if sim >= MIN_SIMILARITY:
            similar[contact_id] = sim
    found: dict[tuple[str, str], tuple[float, dict[str, object]]] = {}
    if not similar:
        return found
    for code in session.scalars(select(ContactCode).where(ContactCode.contact_id.in_(similar))):
        key = (code.system, code.code)
        score, why = found.get(key, (0.0, {"notes": 0}))
        notes = int(why["notes"]) + 1  # type: ignore[call-overload]
        found[key] = (score + HISTORY_WEIGHT * similar[code.contact_id], {"notes": notes})
    return found


def score(session: Session, *, contact: CareContact, text: str
          ) -> list[tuple[str, str, float, dict[str, object]]]:
    """The suggested codes for the note, best first: (system, code, score, why)."""
    note = set(words(text))
    if not note:
        return []
    merged: dict[tuple[str, str], tuple[float, dict[str, object]]] = {}
    for part in (_from_titles(session, note=note, contact=contact),
                 _from_history(session, note=note, contact=contact)):
        for key, (points, why) in part.items():
            before, before_why = merged.get(key, (0.0, {}))
            merged[key] = (before + points, {**before_why, **why})
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [(system, code, round(points, 3), why)
            for (system, code), (points, why) in ranked[:KEEP]]


def make(session: Session, *, contact: CareContact, text: str, now: datetime) -> list[Suggestion]:
    """Store the note's suggestions beside the contact (replacing any not taken)."""
    kept = {(s.system, s.code) for s in contact.suggestions if s.taken}
    for s in list(contact.suggestions):
        if not s.taken:
            contact.suggestions.remove(s)
    session.flush()
    made = []
    for system, code, points, why in score(session, contact=contact, text=text):
        if (system, code) in kept:
            continue
        s = Suggestion(unit_id=contact.unit_id, system=system, code=code, score=points, why=why,
                       made_at=now, taken=False)
        contact.suggestions.append(s)
        made.append(s)
    session.flush()
    return made
