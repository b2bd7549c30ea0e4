"""The code systems: codes in one stored form, search by code or words, lookup on a date.

Which version serves a date: for ICD-10 the newest imported ICD-10-SE version whose year is
not after the date's year (the oldest one for an earlier date); with no ICD-10-SE import, the
WHO tree (English titles, `fallback=True`). For KVÅ the same among imported KVÅ versions
(there is no fallback). Within the version each code's own validity period counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from kulisser.coding.code_models import CODE, WORD, CodeEntry, CodeSystemVersion, CodeWord
from kulisser.names import search_key

ICD10 = "icd10"   # diagnoses: ICD-10-SE when imported, else the WHO tree (fallback)
KVA = "kva"       # procedures
SYSTEMS = (ICD10, KVA)
# The source of each system's imported files; "who" is the ICD-10 fallback.
SOURCES = {ICD10: "icd10se", KVA: "kva"}
WHO = "who"

_NOT_CODE = re.compile(r"[\s.†*+]")
_WORD = re.compile(r"[0-9a-z]+")
# What a query must look like to be searched as a code: a letter, then digits and letters.
_CODE_QUERY = re.compile(r"^[A-Z][0-9A-Z]*$")
MAX_QUERY = 200


def normalize(code: str) -> str:
    """The stored form of a typed code: "j45.9 " -> "J459" (upper case; no dot, space or mark)."""
    # A dagger or asterisk typed after the code ("G01*") is the table's mark, not the code.
    return _NOT_CODE.sub("", code).upper()


def display(code: str, system: str) -> str:
    """The code as people write it: ICD-10 "J459" -> "J45.9" (a dot after 3 characters)."""
    code = normalize(code)
    if system == ICD10 and len(code) > 3:
        return f"{code[:3]}.{code[3:]}"
    return code


def fold(text: str) -> str:
    """Text folded for search: lower case, accents and rings dropped ("Övre" -> "ovre")."""
    return search_key(text)


def words(text: str) -> list[str]:
    """The distinct folded words of a text, in order, each cut to the indexed length."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        seen.setdefault(word[:WORD], None)
    return list(seen)


@dataclass(frozen=True)
class CodeHit:
    """A code found: its system, stored code, title; fallback means WHO (English) titles."""

    system: str
    code: str
    title: str
    fallback: bool


@dataclass(frozen=True)
class CodeInfo:
    """Everything the checks need to know about one code in the version serving a date."""

    hit: CodeHit
    valid_from: date | None
    valid_to: date | None
    terminal: bool
    mark: str
    not_main: bool

    def valid_on(self, on: date) -> bool:
        """Whether the code is valid on the date."""
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to))


def serving_version(session: Session, *, system: str, on: date) -> CodeSystemVersion | None:
    """The version that serves a date for a system (see the module's docstring), or None."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown code system {system!r}")
    versions = session.scalars(
        select(CodeSystemVersion).where(CodeSystemVersion.system == system,
                                        CodeSystemVersion.source == SOURCES[system])
        .order_by(CodeSystemVersion.year)).all()
    if versions:
        earlier = [v for v in versions if v.year <= on.year]
        return earlier[-1] if earlier else versions[0]
    if system == ICD10:
        return session.scalars(
            select(CodeSystemVersion).where(CodeSystemVersion.system == ICD10,
                                            CodeSystemVersion.source == WHO)
            .order_by(CodeSystemVersion.year.desc()).limit(1)).first()
    return None


def _hit(version: CodeSystemVersion, entry: CodeEntry) -> CodeHit:
    return CodeHit(system=version.system, code=entry.code, title=entry.title,
                   fallback=version.source == WHO)


def info(session: Session, *, system: str, code: str, on: date) -> CodeInfo | None:
    """A code of the version serving the date, valid on it or not; None if it has no such code."""
    version = serving_version(session, system=system, on=on)
    stored = normalize(code)
    if version is None or not stored or len(stored) > CODE:
        return None
    entry = session.scalars(select(CodeEntry).where(CodeEntry.version_id == version.id,
                                                    CodeEntry.code == stored)).first()
    if entry is None:
        return None
    return CodeInfo(hit=_hit(version, entry), valid_from=entry.valid_from,
                    valid_to=entry.valid_to, terminal=entry.terminal, mark=entry.mark,
                    not_main=entry.not_main)


def lookup(session: Session, *, system: str, code: str, on: date) -> CodeHit | None:
    """A code (dotted or not) in the version serving the date; None if that version lacks it.

    A code outside its validity period is still found (to show its title); the checks call
    it `not_valid`.
    """
    found = info(session, system=system, code=code, on=on)
    return found.hit if found is not None else None


def _after(prefix: str) -> str:
    """The first string after every string that starts with the prefix (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix(column: InstrumentedAttribute[str], prefix: str) -> ColumnElement[bool]:
    # A range, not LIKE: an index range scan on both databases, no escaping of "%" or "_".
    return and_(column >= prefix, column < _after(prefix))


def search(session: Session, *, system: str, query: str, on: date,
           limit: int = 20) -> list[CodeHit]:
    """Codes valid on the date whose code starts with the query (dot or not) or whose title
    and synonyms have a word starting with each word of the query; terminal codes first."""
    version = serving_version(session, system=system, on=on)
    query = query.strip()[:MAX_QUERY]
    if version is None or not query or limit <= 0:
        return []
    by_code = normalize(query)
    conditions = []
    if _CODE_QUERY.match(by_code) and len(by_code) <= CODE:
        conditions.append(_prefix(CodeEntry.code, by_code))
    typed = words(query)
    if typed:
        conditions.append(and_(*(
            CodeEntry.code.in_(select(CodeWord.code).where(CodeWord.version_id == version.id,
                                                           _prefix(CodeWord.word, word)))
            for word in typed)))
    if not conditions:
        return []
    exact = case((CodeEntry.code == by_code, 0), else_=1)
    rows = session.scalars(
        select(CodeEntry)
        .where(CodeEntry.version_id == version.id, or_(*conditions),
               or_(CodeEntry.valid_from.is_(None), CodeEntry.valid_from <= on),
               or_(CodeEntry.valid_to.is_(None), CodeEntry.valid_to >= on))
        .order_by(CodeEntry.terminal.desc(), exact, CodeEntry.code)
        .limit(limit)).all()
    return [_hit(version, entry) for entry in rows]
