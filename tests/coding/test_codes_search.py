"""Code search and lookup: one stored form, search by code and by words, the WHO fallback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser.coding import codes, codes_import
from kulisser.coding.codes import ICD10, KVA
from kulisser.db import Database
from tests.coding.codes_fixtures import swedish_tables

DAY = date(2026, 3, 1)


@pytest.fixture()
def swedish(database: Database) -> Iterator[Session]:
    """A session that sees our ICD-10-SE and KVÅ test tables (rolled back at the end)."""
    yield from swedish_tables(database)


@pytest.mark.parametrize(("typed", "stored"), [
    ("j45.9 ", "J459"), ("J459", "J459"), ("J45.9", "J459"), (" s72.00", "S7200"),
    ("G01*", "G01"), ("A17.0†", "A170"), ("nfb49", "NFB49"), ("", ""),
])
def test_normalize_gives_one_stored_form(typed: str, stored: str) -> None:
    assert codes.normalize(typed) == stored


@pytest.mark.parametrize(("code", "system", "shown"), [
    ("J459", ICD10, "J45.9"), ("j45.9", ICD10, "J45.9"), ("J45", ICD10, "J45"),
    ("S7200", ICD10, "S72.00"), ("NFB49", KVA, "NFB49"),
])
def test_display_puts_the_dot_after_three_characters_in_icd(code: str, system: str,
                                                            shown: str) -> None:
    assert codes.display(code, system) == shown


def test_without_an_icd10se_import_the_who_tree_serves_in_english(db: Session) -> None:
    hit = codes.lookup(db, system=ICD10, code="J45.9", on=DAY)
    assert hit == codes.CodeHit(system=ICD10, code="J459", title="Asthma, unspecified",
                                fallback=True)
    assert codes.lookup(db, system=ICD10, code="J459", on=DAY) == hit
    assert codes.lookup(db, system=ICD10, code="J4X9", on=DAY) is None
    # KVÅ has no fallback: nothing is known until a table is imported.
    assert codes.lookup(db, system=KVA, code="NFB49", on=DAY) is None
    assert codes.search(db, system=KVA, query="höft", on=DAY) == []


@pytest.mark.parametrize("query", ["J45", "j45", "j45.", " J45 "])
def test_search_by_code_prefix_puts_terminal_codes_first(db: Session, query: str) -> None:
    found = [hit.code for hit in codes.search(db, system=ICD10, query=query, on=DAY)]
    # J45 itself (a category with subcodes) comes after its terminal codes.
    assert found == ["J450", "J451", "J458", "J459", "J45"]


def test_search_by_a_shorter_prefix_finds_every_code_under_it(db: Session) -> None:
    found = [hit.code for hit in codes.search(db, system=ICD10, query="J4", on=DAY, limit=100)]
    assert all(code.startswith("J4") for code in found) and {"J40", "J459", "J47"} <= set(found)


def test_search_by_dotted_code_finds_the_code_first(db: Session) -> None:
    assert codes.search(db, system=ICD10, query="J45.9", on=DAY)[0].code == "J459"
    assert codes.search(db, system=ICD10, query="s72.0", on=DAY)[0].code == "S720"


def test_search_by_words_every_word_a_prefix(db: Session) -> None:
    found = {hit.code for hit in codes.search(db, system=ICD10, query="fract neck fem", on=DAY)}
    assert "S720" in found
    assert all("fracture" in hit.title.lower() and "neck" in hit.title.lower()
               for hit in codes.search(db, system=ICD10, query="fract neck", on=DAY))
    assert codes.search(db, system=ICD10, query="asthm unspecif", on=DAY)[0].code == "J459"
    assert codes.search(db, system=ICD10, query="zzzqqq", on=DAY) == []


def test_search_limit_and_empty_query(db: Session) -> None:
    assert len(codes.search(db, system=ICD10, query="a", on=DAY, limit=7)) == 7
    assert codes.search(db, system=ICD10, query="   ", on=DAY) == []
    assert codes.search(db, system=ICD10, query="%_", on=DAY) == []


def test_search_in_the_swedish_table_is_accent_blind_with_synonyms(swedish: Session) -> None:
    def found(query: str, system: str = ICD10) -> list[str]:
        return [hit.code for hit in codes.search(swedish, system=system, query=query, on=DAY)]

    assert found("larbens") == ["S720"]            # "lårbenshals", typed without the ring
    assert found("LÅRBENSHALS") == ["S720"]
    assert found("astmatisk bron") == ["J459"]      # a synonym
    assert found("ryggsk") == ["M545"]
    assert found("astma") == ["J450", "J459", "J45"]  # terminal first
    assert found("hoftprot", KVA) == ["NFB49"]      # a KVÅ synonym
    assert found("nfb", KVA) == ["NFB49"]
    hit = codes.lookup(swedish, system=ICD10, code="S72.0", on=DAY)
    assert hit is not None and hit.title == "Fraktur på lårbenshals" and not hit.fallback


def test_search_shows_only_codes_valid_on_the_date(swedish: Session) -> None:
    before, after = date(2026, 6, 30), date(2026, 7, 1)
    assert [h.code for h in codes.search(swedish, system=ICD10, query="U0", on=before)] == ["U049"]
    assert [h.code for h in codes.search(swedish, system=ICD10, query="U0", on=after)] == ["U071"]
    # Lookup still finds a code outside its period (the checks call it not_valid).
    assert codes.lookup(swedish, system=ICD10, code="U04.9", on=after) is not None


def test_the_version_serving_a_date_is_the_newest_not_after_its_year(swedish: Session,
                                                                      tmp_path: Path) -> None:
    table = tmp_path / "icd.tsv"
    table.write_text("kod\ttitel\nJ459\tAstma 2028\n", encoding="utf-8")
    codes_import.import_file(swedish, source="icd10se", path=table, year=2028)

    def year(on: date) -> int:
        version = codes.serving_version(swedish, system=ICD10, on=on)
        assert version is not None and version.source == "icd10se"
        return version.year

    assert [year(date(y, 6, 1)) for y in (2020, 2026, 2027, 2028, 2031)] == [
        2026, 2026, 2026, 2028, 2028]
    assert codes.lookup(swedish, system=ICD10, code="J45.9", on=date(2029, 1, 1)) == codes.CodeHit(
        system=ICD10, code="J459", title="Astma 2028", fallback=False)
    assert codes.lookup(swedish, system=ICD10, code="S72.0", on=date(2029, 1, 1)) is None
    assert codes.lookup(swedish, system=ICD10, code="S72.0", on=date(2027, 1, 1)) is not None
