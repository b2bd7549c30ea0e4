"""The importer on our own test tables: bad rows reported with their line, the rest imported,
marks and validity kept, the same year replaced (twice = the same result)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import cli
from kulisser.coding import codes_import
from kulisser.coding.code_models import CodeEntry, CodeSystemVersion, CodeWord
from kulisser.db import Database
from tests.coding.codes_fixtures import ICD10SE, KVA, swedish_tables
from tests.conftest import TEST_SECRET


@pytest.fixture()
def swedish(database: Database) -> Iterator[Session]:
    """A session that sees our ICD-10-SE and KVÅ test tables (rolled back at the end)."""
    yield from swedish_tables(database)


def _entries(session: Session, source: str) -> dict[str, tuple[object, ...]]:
    rows = session.execute(
        select(CodeEntry.code, CodeEntry.title, CodeEntry.parent, CodeEntry.valid_from,
               CodeEntry.valid_to, CodeEntry.level, CodeEntry.terminal, CodeEntry.mark,
               CodeEntry.not_main, CodeEntry.synonyms, CodeEntry.search_text)
        .join(CodeSystemVersion, CodeSystemVersion.id == CodeEntry.version_id)
        .where(CodeSystemVersion.source == source)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_parse_reports_each_bad_row_with_its_line_and_keeps_the_rest() -> None:
    rows, errors = codes_import.parse("icd10", ICD10SE.read_text(encoding="utf-8").splitlines())
    assert [line for line, _message in errors] == [16, 17]
    assert "J4X9" in errors[0][1] and "I10" in errors[1][1]
    assert len(rows) == 14 and {"J459", "A170", "G01", "U049"} <= {r["code"] for r in rows}


@pytest.mark.parametrize(("line", "why"), [
    ("J45.9\tAstma\t2026-02-30", "ogiltigt datum"),
    ("J45.9\tAstma\t2026-01-01\t2025-01-01", "före"),
    ("J45.9\tAstma\t\t\t#", "markering"),
    ("J45.9\tAstma\t\t\t\tkanske", "ej_huvuddiagnos"),
    ("J45.9\t\t", "titel"),
    ("45.9\tAstma", "ogiltig kod"),
    ("J45.9\tAst\x00ma", "NUL"),
])
def test_parse_names_what_is_wrong_in_a_row(line: str, why: str) -> None:
    header = "kod\ttitel\tgiltig_fran\tgiltig_till\tmarkering\tej_huvuddiagnos"
    rows, errors = codes_import.parse("icd10", [header, line])
    assert rows == [] and errors[0][0] == 2 and why in errors[0][1]


def test_parse_reports_a_code_twice_and_needs_the_header() -> None:
    _rows, errors = codes_import.parse("icd10", ["kod\ttitel", "J459\tA", "J45.9\tB"])
    assert errors == [(3, "J459 finns redan på en tidigare rad")]
    with pytest.raises(codes_import.ImportSetupError):
        codes_import.parse("icd10", ["J459\tAstma"])


def test_import_keeps_marks_validity_parents_and_computes_terminal(swedish: Session) -> None:
    rows = _entries(swedish, "icd10se")
    assert set(rows) == {"J45", "J450", "J459", "A17", "A170", "G01", "B962", "S720", "W19",
                         "N40", "O800", "M545", "U049", "U071"}
    title, parent, valid_from, valid_to, level, terminal, mark, not_main, synonyms, text = rows["J459"]
    assert (title, parent, level, terminal, mark, not_main) == (
        "Astma, ospecificerad", "J45", 2, True, "", False)
    assert valid_from == date(2010, 1, 1) and valid_to is None
    assert synonyms == "astmatisk bronkit; sen debut"
    assert text == "astma ospecificerad astmatisk bronkit sen debut"
    assert rows["J45"][5] is False                       # has subcodes
    assert rows["A170"][6] == "+" and rows["G01"][6] == "*"  # "†" stored as "+"
    assert rows["B962"][7] is True and rows["W19"][7] is True
    assert rows["U049"][3] == date(2026, 6, 30)
    assert rows["S720"][8] == "" and rows["S720"][9] == "fraktur pa larbenshals"
    kva = _entries(swedish, "kva")
    assert set(kva) == {"NFB49", "AF021", "DT016", "XS100"}


def test_importing_the_same_year_twice_gives_the_same_result(swedish: Session) -> None:
    before = _entries(swedish, "icd10se")
    words = swedish.scalar(select(func.count()).select_from(CodeWord))
    report = codes_import.import_file(swedish, source="icd10se", path=ICD10SE)
    assert report.replaced and report.imported == 14 and len(report.errors) == 2
    assert _entries(swedish, "icd10se") == before
    assert swedish.scalar(select(func.count()).select_from(CodeWord)) == words
    assert swedish.scalar(select(func.count()).select_from(CodeSystemVersion).where(
        CodeSystemVersion.source == "icd10se")) == 1


def test_the_year_comes_from_the_option_or_the_file_name(tmp_path: Path) -> None:
    assert codes_import.year_of(Path("ICD-10-SE_2027.tsv"), None) == 2027
    assert codes_import.year_of(Path("kva.tsv"), 2025) == 2025
    with pytest.raises(codes_import.ImportSetupError):
        codes_import.year_of(tmp_path / "icd.tsv", None)


def test_the_command_imports_reports_and_replaces(database: Database, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KULISSER_DATABASE_URL", database.url)
    monkeypatch.setenv("KULISSER_SECRET_KEY", TEST_SECRET)
    try:
        for _run in range(2):
            with pytest.raises(SystemExit) as exit_:
                cli.main(["codes", "import", "kva", str(KVA), "--quiet"])
            assert exit_.value.code == 1  # a row was left out
        out = capsys.readouterr().out
        assert "kva 2026: 4 koder importerade (ersatte samma års version), 1 rad utelämnad." in out
        assert 'rad 6: ogiltig kod "N1B49"' in out
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(CodeSystemVersion).where(
                CodeSystemVersion.source == "kva")) == 1
            assert len(_entries(session, "kva")) == 4
    finally:
        # The suite's database has no KVÅ table for the other tests.
        with database.session() as session:
            ids = session.scalars(select(CodeSystemVersion.id).where(
                CodeSystemVersion.source == "kva")).all()
            session.execute(CodeWord.__table__.delete().where(CodeWord.version_id.in_(ids)))
            session.execute(CodeEntry.__table__.delete().where(CodeEntry.version_id.in_(ids)))
            session.execute(CodeSystemVersion.__table__.delete().where(
                CodeSystemVersion.id.in_(ids)))


def test_reloading_the_who_tree_replaces_it_with_the_same_codes(swedish: Session) -> None:
    before = _entries(swedish, "who")
    report = codes_import.load_who(swedish)
    assert report.replaced and report.imported == len(before) > 12_000
    assert _entries(swedish, "who") == before
    assert before["J459"][:6] == ("Asthma, unspecified", "J45", None, None, 2, True)
