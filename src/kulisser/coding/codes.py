"""The code systems: codes in one stored form, search by code or words, lookup on a date.

Which version serves a date: for ICD-10 the newest imported ICD-10-SE version whose year is
not after the date's year (the oldest one for an earlier date); with no ICD-10-SE import, the
WHO tree (English titles, `fallback=True`). For KVÅ the same among imported KVÅ versions
(there is no fallback). Within the version each code's own validity period counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import Select, and_, case, intersect, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

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
# What a query must look like to be searched as a code: ICD-10 a letter, then a digit and
# more ("J", "J4", "J459"); KVÅ up to three letters, then digits ("NFB", "NFB49").
_CODE_QUERY = {ICD10: re.compile(r"^[A-Z]([0-9][0-9A-Z]*)?$"),
               KVA: re.compile(r"^[A-Z]{1,3}([0-9][0-9A-Z]*)?$")}
_STORED = re.compile(r"^[0-9A-Z]+$")
MAX_QUERY = 200
_MEMO = "kulisser.coding.codes.memo"  # session.info key of memo()
_T = TypeVar("_T")


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


def _serving(system: str, on: date) -> Select[tuple[int]]:
    """The id of the version serving a date (see the module's docstring), as one query."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown code system {system!r}")
    v = CodeSystemVersion
    earlier = v.year <= on.year
    # Imported before the fallback; then the newest not after the date's year; else the oldest.
    return (select(v.id).where(v.system == system, v.source.in_((SOURCES[system], WHO)))
            .order_by(case((v.source == WHO, 1), else_=0), case((earlier, 0), else_=1),
                      case((earlier, -v.year), else_=v.year))
            .limit(1))


@contextmanager
def memo(session: Session) -> Iterator[None]:
    """Within it, the session remembers the versions and codes looked up (a month's export
    checks the same few hundred codes over and over; a table imported meanwhile is not seen)."""
    session.info[_MEMO] = {}
    try:
        yield
    finally:
        session.info.pop(_MEMO, None)


def _remembered(session: Session, key: tuple[object, ...], find: Callable[[], _T]) -> _T:
    found: dict[tuple[object, ...], Any] | None = session.info.get(_MEMO)
    if found is None:
        return find()
    if key not in found:
        found[key] = find()
    return cast(_T, found[key])


def serving_version(session: Session, *, system: str, on: date) -> CodeSystemVersion | None:
    """The version that serves a date for a system (see the module's docstring), or None."""
    def find() -> CodeSystemVersion | None:
        version_id = session.scalar(_serving(system, on))
        return session.get(CodeSystemVersion, version_id) if version_id is not None else None
    return _remembered(session, ("version", system, on.year), find)  # _serving reads the year only


def _hit(version: CodeSystemVersion, entry: CodeEntry) -> CodeHit:
    return CodeHit(system=version.system, code=entry.code, title=entry.title,
                   fallback=version.source == WHO)


def info(session: Session, *, system: str, code: str, on: date) -> CodeInfo | None:
    """A code of the version serving the date, valid on it or not; None if it has no such code."""
    stored = normalize(code)
    # Every code is letters and digits: anything else is unknown without asking the database
    # (PostgreSQL would refuse a NUL character in the query).
    if not _STORED.match(stored) or len(stored) > CODE:
        return None
    version = serving_version(session, system=system, on=on)
    if version is None:
        return None
    entry = _remembered(session, ("code", version.id, stored), lambda: session.scalars(
        select(CodeEntry).where(CodeEntry.version_id == version.id,
                                CodeEntry.code == stored)).first())
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


def _valid_on(on: date, table: type[CodeEntry] | type[CodeWord] = CodeEntry) -> ColumnElement[bool]:
    return and_(or_(table.valid_from.is_(None), table.valid_from <= on),
                or_(table.valid_to.is_(None), table.valid_to >= on))


_Row = tuple[str, str, bool, str]  # code, title, terminal, source of the version


def _by_code(version: ScalarSelect[int], prefix: str, on: date, limit: int) -> Select[_Row]:
    """Codes starting with the prefix, terminal ones first, each part in code order: two index
    range scans that stop at the limit (the typed code itself leads the non-terminal part)."""
    def part(terminal: bool) -> Select[_Row]:
        return (select(CodeEntry.code, CodeEntry.title, CodeEntry.terminal,
                       CodeSystemVersion.source)
                .join(CodeSystemVersion, CodeSystemVersion.id == CodeEntry.version_id)
                .where(CodeEntry.version_id == version, CodeEntry.terminal.is_(terminal),
                       _prefix(CodeEntry.code, prefix), _valid_on(on))
                .order_by(CodeEntry.code).limit(limit))

    both = union_all(part(True).subquery().select(), part(False).subquery().select()).subquery()
    return select(both.c.code, both.c.title, both.c.terminal, both.c.source)


def _by_words(version: ScalarSelect[int], typed: list[str], on: date,
              limit: int) -> Select[_Row]:
    """Codes with a word starting with each typed word, terminal ones first, in code order."""
    # Candidates come from the word index alone (each word a range scan of the key,
    # intersected; terminal flag and validity are stored beside each word), ranked there;
    # only the best are joined to their codes for the title.
    per_word = [select(CodeWord.code, CodeWord.terminal)
                .where(CodeWord.version_id == version, _prefix(CodeWord.word, word),
                       _valid_on(on, CodeWord))
                for word in typed]
    matching = (intersect(*per_word) if len(per_word) > 1 else per_word[0].distinct()).subquery()
    best = (select(matching.c.code).order_by(matching.c.terminal.desc(), matching.c.code)
            .limit(limit))
    return (select(CodeEntry.code, CodeEntry.title, CodeEntry.terminal, CodeSystemVersion.source)
            .join(CodeSystemVersion, CodeSystemVersion.id == CodeEntry.version_id)
            .where(CodeEntry.version_id == version, CodeEntry.code.in_(best)))


def search(session: Session, *, system: str, query: str, on: date,
           limit: int = 20) -> list[CodeHit]:
    """Codes valid on the date that start with the query (dot or not), then codes whose title
    or synonyms have a word starting with each word of the query; terminal codes first."""
    query = query.strip()[:MAX_QUERY]
    if not query or limit <= 0:
        return []
    version = _serving(system, on).scalar_subquery()
    by_code = normalize(query)
    code_like = bool(_CODE_QUERY[system].match(by_code)) and len(by_code) <= CODE
    typed = words(query)
    rows: list[_Row] = []
    # One statement each, the version chosen inside it; rows are ordered here (an ORDER BY
    # over the join would tempt SQLite to walk every code of the version in index order).
    if code_like:
        rows = sorted(session.execute(_by_code(version, by_code, on, limit)).tuples(),
                      key=lambda row: (not row[2], row[0]))[:limit]
    # A code with digits ("J45", "J45.9") is no word of a title: no word search for it.
    if typed and len(rows) < limit and not (code_like and any(c.isdigit() for c in by_code)):
        seen = {row[0] for row in rows}
        found = session.execute(_by_words(version, typed, on, limit + len(rows))).tuples()
        rows += [row for row in sorted(found, key=lambda row: (not row[2], row[0]))
                 if row[0] not in seen][:limit - len(rows)]
    return [CodeHit(system=system, code=code, title=title, fallback=source == WHO)
            for code, title, _terminal, source in rows]
