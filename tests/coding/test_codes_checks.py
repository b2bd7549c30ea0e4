"""Table tests of every coding check (rule names of issue 14), dotted and undotted forms, on the
WHO fallback and on our own ICD-10-SE/KVÅ test tables; the rule file and its replacement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser.coding import checks
from kulisser.db import Database
from tests.coding.codes_fixtures import swedish_tables

DAY = date(2026, 3, 1)


@pytest.fixture()
def swedish(database: Database) -> Iterator[Session]:
    """A session that sees our ICD-10-SE and KVÅ test tables (rolled back at the end)."""
    yield from swedish_tables(database)


def found(result: checks.CheckResult) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (rule, code) pairs of the errors and of the warnings."""
    return ({(f.rule, f.code) for f in result.errors}, {(f.rule, f.code) for f in result.warnings})


def run(session: Session, diagnoses: list[str], *, procedures: list[str] | None = None,
        sex: str | None = "F", age: int | None = 40, on: date = DAY, must_code: bool = True,
        external_causes: list[str] | None = None) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The findings of one contact."""
    return found(checks.check(session, contact_date=on, sex=sex, age=age, diagnoses=diagnoses,
                              procedures=procedures or [], must_code=must_code,
                              external_causes=external_causes))


# -- the WHO fallback (the suite's database has no ICD-10-SE table) ------------------------------

@pytest.mark.parametrize(("diagnoses", "errors"), [
    (["J45.9"], set()),
    (["J459"], set()),
    (["j45.9", "I10"], set()),
    (["J45.X"], {("unknown", "J45X")}),
    (["ZZ9"], {("unknown", "ZZ9")}),
    (["J45"], {("non_terminal", "J45")}),
    (["G01"], {("asterisk", "G01")}),                   # asterisk (WHO: "classified elsewhere")
    (["A39.0", "G01"], set()),                          # after its cause
    (["A390", "G01"], set()),
    (["G01", "A39.0"], {("asterisk", "G01")}),
    (["I10", "H36.8"], set()),                          # any non-asterisk code before it
    (["H36.8", "I10"], {("asterisk", "H368")}),
    (["F54"], set()),                                    # an exception in the rule file
    (["W19"], {("not_main", "W19")}),                    # external causes never main (rule file)
    (["J45.9", "J459"], {("duplicate", "J459")}),
    (["J459", "I10", "j45.9"], {("duplicate", "J459")}),
    ([], {("missing_main", "")}),
    ([""], {("missing_main", ""), ("unknown", "")}),
])
def test_checks_on_the_who_tree(db: Session, diagnoses: list[str],
                                errors: set[tuple[str, str]]) -> None:
    assert run(db, diagnoses)[0] == errors


def test_missing_main_only_where_the_contact_must_be_coded(db: Session) -> None:
    assert run(db, [], must_code=False) == (set(), set())


@pytest.mark.parametrize(("diagnoses", "causes", "warnings"), [
    (["S72.0"], [], {("external_cause", "S720")}),
    (["S720", "T36.0"], [], {("external_cause", "S720"), ("external_cause", "T360")}),
    (["S72.0", "W19"], [], set()),
    (["S720"], ["W19"], set()),
    (["S72.0"], ["X59.9"], set()),
    (["J45.9"], [], set()),
])
def test_injury_without_external_cause_is_a_warning(db: Session, diagnoses: list[str],
                                                    causes: list[str],
                                                    warnings: set[tuple[str, str]]) -> None:
    errors, found_warnings = run(db, diagnoses, external_causes=causes)
    assert found_warnings == warnings
    assert not {rule for rule, _code in errors} & {"external_cause"}


@pytest.mark.parametrize(("diagnoses", "sex", "age", "errors"), [
    (["O80.0"], "F", 30, set()),
    (["O800"], "M", 30, {("sex", "O800")}),
    (["O80.0"], "F", 70, {("age", "O800")}),
    (["O80.0"], "M", 8, {("sex", "O800"), ("age", "O800")}),
    (["N40"], "M", 70, set()),
    (["N40"], "F", 70, {("sex", "N40")}),
    (["C61"], "F", 70, {("sex", "C61")}),
    (["N76.0"], "M", 30, {("sex", "N760")}),
    (["C53.9"], "M", 50, {("sex", "C539")}),
    (["D07.5"], "F", 50, {("sex", "D075")}),
    (["R54"], "F", 40, {("age", "R54")}),
    (["R54"], "F", 80, set()),
    (["O80.0"], None, None, set()),                     # unknown sex and age: nothing to say
])
def test_sex_and_age_limits_from_the_default_rule_file(db: Session, diagnoses: list[str],
                                                       sex: str | None, age: int | None,
                                                       errors: set[tuple[str, str]]) -> None:
    assert run(db, diagnoses, sex=sex, age=age)[0] == errors


def test_procedures_without_a_kva_table_are_not_checked_but_said_so(db: Session) -> None:
    errors, warnings = run(db, ["J45.9"], procedures=["NFB49"])
    assert errors == set() and warnings == {("unknown", "")}


def test_messages_are_swedish_and_show_the_dotted_code(db: Session) -> None:
    result = checks.check(db, contact_date=DAY, sex="M", age=30, diagnoses=["o80.0", "J45"],
                          procedures=[])
    messages = {f.rule: f.message for f in result.errors}
    assert messages["sex"] == "O80.0 (graviditet, förlossning och barnsängstid) gäller bara kvinnor."
    assert messages["non_terminal"] == "J45 har underkoder: välj en mer detaljerad kod."


# -- the ICD-10-SE and KVÅ test tables -----------------------------------------------------------

@pytest.mark.parametrize(("diagnoses", "on", "errors"), [
    (["J45.9"], DAY, set()),
    (["J45"], DAY, {("non_terminal", "J45")}),
    (["I10"], DAY, {("unknown", "I10")}),               # its row was bad: not imported
    (["U04.9"], date(2026, 6, 30), set()),
    (["U049"], date(2026, 7, 1), {("not_valid", "U049")}),
    (["U07.1"], date(2026, 6, 30), {("not_valid", "U071")}),
    (["B96.2"], DAY, {("not_main", "B962")}),           # the table's "not as main" flag
    (["J459", "B962"], DAY, set()),
    (["G01"], DAY, {("asterisk", "G01")}),
    (["A17.0", "G01"], DAY, set()),                      # dagger before the asterisk
    (["A170", "G01"], DAY, set()),
    (["J45.9", "G01"], DAY, {("asterisk", "G01")}),     # no dagger before it
    (["G01", "A17.0"], DAY, {("asterisk", "G01")}),
])
def test_checks_on_the_swedish_table(swedish: Session, diagnoses: list[str], on: date,
                                     errors: set[tuple[str, str]]) -> None:
    assert run(swedish, diagnoses, on=on)[0] == errors


@pytest.mark.parametrize(("procedures", "errors"), [
    (["NFB49", "AF021"], set()),
    (["nfb49"], set()),
    (["NFB99"], {("unknown", "NFB99")}),
    (["XS100"], {("not_valid", "XS100")}),
    (["DT016", "dt016"], {("duplicate", "DT016")}),
])
def test_procedures_on_the_kva_table(swedish: Session, procedures: list[str],
                                     errors: set[tuple[str, str]]) -> None:
    assert run(swedish, ["J45.9"], procedures=procedures) == (errors, set())


# -- the rule file -------------------------------------------------------------------------------

def test_an_operator_rule_file_replaces_the_default(db: Session, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[limit]]\ncodes = ["J45-J46"]\nlabel = "astma"\nmin_age = 18\n'
                     '[asterisk]\nwho_not_asterisk = ["G01"]\n', encoding="utf-8")
    monkeypatch.setenv("KULISSER_CODING_RULES", str(rules))
    assert run(db, ["J45.9"], age=10)[0] == {("age", "J459")}
    assert run(db, ["G01"])[0] == set()
    assert run(db, ["O80.0"], sex="M")[0] == set()      # the default's limits are gone
    monkeypatch.delenv("KULISSER_CODING_RULES")
    assert run(db, ["O80.0"], sex="M")[0] == {("sex", "O800")}


@pytest.mark.parametrize("text", [
    '[[limit]]\ncodes = ["O99-O00"]\n',
    '[[limit]]\ncodes = "O00-O99"\n',
    '[[limit]]\ncodes = ["O00"]\nsex = "K"\n',
    '[[limit]]\ncodes = ["O00"]\nmin_age = -1\n',
    "[[limit]\n",
])
def test_a_bad_rule_file_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(checks.RuleFileError):
        checks.parse_rules(text)


def test_ranges_cover_their_codes_and_subcodes() -> None:
    assert checks.Range.parse("O00-O99").covers("O800")
    assert checks.Range.parse("D07.4-D07.6").covers("D075")
    assert not checks.Range.parse("D07.4-D07.6").covers("D073")
    assert checks.Range.parse("R95").covers("R950") and not checks.Range.parse("R95").covers("R96")
