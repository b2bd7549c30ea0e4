"""Every Swedish user-facing literal in src/kulisser goes through _(), ngettext() or N_()."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"

# Swedish letters, or a common Swedish word (any case) that English text does not use.
_LETTERS = re.compile(r"[åäöÅÄÖ]")
_WORDS = re.compile(
    r"\b(och|inte|finns|saknas|ingen|inget|inga|eller|Ange|ange|Skriv|Välj|Ogiltig|Ogiltigt|"
    r"till|med|av|ett|en|det|den|Den|som|har|kan|ska|vid|om|patienten|Patienten|Patientens|"
    r"enheten|Enheten|datum|dagar|namn|Sidan|Att|Alla|Klar|Klart|Ny|Ja|Nej|jul|nationaldag|"
    r"Remiss|Remissen|Remissvar|Standardremiss|Remittentens|Diktat|Diktatet|Brev|Brevet|"
    r"Provsvar|Provsvaret|Proverna|Kritiskt|Avvikande|Matchat|Kontrollera|Automatisk|Importerar|"
    r"Utkast|Skickat|Kallelse|Bokad|Ombokad|Avbokad|Uteblev|Avbokning|Ombokning|Mottagen|"
    r"Vilande|Makulerad|Makulerade|Makulerat|Felregistrerad|Vidimerat|Importerat|Besvarad|"
    r"Besvarade|Avvisade|Antagna|Uppgift|Uppgifter|Signering|Signeringar|Eskalering|"
    r"Eskaleringar|Personnummer|Samordningsnummer|Reservnummer|Anamnes|Epikris|Bakgrund|"
    r"Inskrivningsorsak|Fortsatt|Juldagen|Julafton|Pingstdagen|Midsommardagen|Midsommarafton|"
    r"Medicinmottagningen|Blodstatus|Vidarebefordrade|Tiden|blodprover|Mottagning|"
    r"tisdag|onsdag|torsdag|fredag|tis|ons|tor|fre|januari|februari|maj|juni|juli|augusti|"
    r"oktober)\b", re.IGNORECASE)
_MARKERS = {"_", "ngettext", "N_"}
_LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# Keyword arguments that document the JSON API for developers (OpenAPI): English, not UI text.
_API_DOC_KEYWORDS = {"description", "summary", "example", "examples"}

# Modules whose Swedish literals are data, not interface text.
ALLOWED_MODULES: dict[str, str] = {
    "demo.py": "sample records written to the demo database (names, addresses, notes): data",
    "booking/demo.py": "sample records written to the demo database: data",
    "dictation/demo.py": "sample dictation texts spoken into the demo audio: data (its messages use _())",
    "letters/demo.py": "sample records written to the demo database: data",
    "referrals/demo.py": "sample referrals written to the demo database: data",
    "results/demo.py": "sample results written to the demo database: data",
    "waitlist/demo.py": "sample waiting-list entries written to the demo database: data",
    "records/demo.py": "sample record requests written to the demo database: data",
    "staff/demo.py": "sample staff register entries written to the demo database: data",
    "dictation/demo_history.py": "the demo's past months of signed note texts: data",
    "stats/demo_history.py": "the demo's year of past work items and their notes: data",
    "stats/demo_handovers.py": "the hand-over notes of the demo's history and this week: data",
    "audit/demo.py": "sample audit rows and patients written to the demo database: data",
    "coding/demo_notes.py": "sample visit notes signed in the demo database: data",
    "coding/demo_report.py": "sample visit notes signed in the demo database: data",
    "coding/suggest.py": "Swedish stop words and letters to match note text against titles: data",
    "coding/codes_cli.py": "the CLI's help is English; KVÅ is the code system's name",
    "access_rights/demo_intro.py": "sample access-rights records written to the demo database: data",
    "access_rights/demo_catalogue.py": "sample access-rights records written to the demo database: data",
    "access_rights/demo_orders.py": "sample access-rights records written to the demo database: data",
    "access_rights/demo_reviews.py": "sample access-rights records written to the demo database: data",
}

_SEEDED = "a default note type or heading, seeded into the database by the migration: data"

# Single literals that are Swedish but not interface text, with why.
ALLOWED: dict[tuple[str, str], str] = {
    ("dictation/catalog.py", "Besöksanteckning"): _SEEDED,
    ("dictation/catalog.py", "Bedömning"): _SEEDED,
    ("dictation/catalog.py", "Åtgärd"): _SEEDED,
    ("dictation/catalog.py", "Förlopp"): _SEEDED,
    ("dictation/catalog.py", "Läkemedel"): _SEEDED,
    ("dictation/catalog.py", "Uppföljning"): _SEEDED,
    ("dictation/catalog.py", "Remiss"): _SEEDED,
    ("dictation/catalog.py", "Frågeställning"): _SEEDED,
    ("dictation/catalog.py", "Anamnes"): _SEEDED,
    ("dictation/catalog.py", "Epikris"): _SEEDED,
    ("dictation/catalog.py", "Inskrivningsorsak"): _SEEDED,
    ("dictation/catalog.py", "Bakgrund"): _SEEDED,
    ("dictation/catalog.py", "Fortsatt planering"): _SEEDED,
    ("results/api.py", "Blodstatus"): "a value in the OpenAPI example body of a FHIR import",
    ("dictation/catalog.py", "Aktuella läkemedel"): _SEEDED,
    ("dictation/catalog.py", "Brev"): _SEEDED,
    ("dictation/importer.py", "personnummer_diktatör_anteckningstyp[_prioritet]"):
        "the file-name format of the dictation drop folder, an input format",
    ("dictation/importer.py", "hög"): "a priority word read from dropped file names, an input format",
    ("dictation/importer.py", "låg"): "a priority word read from dropped file names, an input format",
    ("results/formats.py", "avsändar-id"): "a CSV column name accepted on import, an input format",
    ("results/formats.py", "avsändarsystem"): "a CSV column name accepted on import, an input format",
    ("results/formats.py", "beställare"): "a CSV column name accepted on import, an input format",
    ("results/formats.py", "värde"): "a CSV column name accepted on import, an input format",
    ("results/formats.py", "utfärdad"): "a CSV column name accepted on import, an input format",
    ("results/formats.py", "NEJ"): "an abnormal-flag value read from imported results, an input format",
    ("results/formats.py", "KRITISKT"): "an abnormal-flag value read from imported results, an input format",
    ("results/formats.py", "AVVIKANDE"): "an abnormal-flag value read from imported results, an input format",
    ("results/formats.py", "JA"): "an abnormal-flag value read from imported results, an input format",
    ("letters/printing.py", "å"): "a character of the file-name transliteration table",
    ("letters/printing.py", "ä"): "a character of the file-name transliteration table",
    ("letters/printing.py", "ö"): "a character of the file-name transliteration table",
}

# Outside its functions a schemas module holds OpenAPI examples and field descriptions for API
# developers (English with Swedish sample values): not interface text. Its validators are checked.
ALLOWED_SCHEMA_MODULES = "schemas.py"

def is_swedish(text: str) -> bool:
    """Whether a literal reads as Swedish text (not a path, not an identifier)."""
    if _LETTERS.search(text):
        return True
    if text.startswith("/"):
        return False
    return bool(_WORDS.search(text)) and (" " in text.strip() or text[:1].isupper())


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _exempt_nodes(tree: ast.Module) -> set[int]:
    """Ids of nodes that may hold Swedish: docstrings, translated arguments, operator log lines."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            is_log = (name in _LOG_METHODS and isinstance(node.func, ast.Attribute)
                      and "log" in ast.unparse(node.func.value).lower())
            if name in _MARKERS or is_log:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    exempt.update(id(sub) for sub in ast.walk(arg))
            for keyword in node.keywords:
                if keyword.arg in _API_DOC_KEYWORDS:
                    exempt.update(id(sub) for sub in ast.walk(keyword.value))
    return exempt


def _outside_functions(tree: ast.Module) -> set[int]:
    """Ids of nodes outside function bodies: a schema module's field examples and descriptions."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    return {id(node) for node in ast.walk(tree) if id(node) not in inside}


def untranslated(source: str, module: str) -> list[str]:
    """The Swedish literals of one module that no translation function receives."""
    if module in ALLOWED_MODULES:
        return []
    tree = ast.parse(source)
    exempt = _exempt_nodes(tree)
    if module.endswith(ALLOWED_SCHEMA_MODULES):
        exempt |= _outside_functions(tree)
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
        else:
            continue
        if id(node) in exempt or not is_swedish(text):
            continue
        key = (module, text)
        if key in ALLOWED:
            continue
        found.append(f"{module}:{node.lineno}: {text[:60]!r}")
    return found


def test_every_swedish_literal_is_translated() -> None:
    # Migrations are history: what they wrote stays as written (data, not text shown by code).
    offenders = [line for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts
                 for line in untranslated(path.read_text(encoding="utf-8"),
                                          path.relative_to(SRC).as_posix())]
    assert offenders == [], "Wrap these in _() (or N_() at module level):\n" + "\n".join(offenders)


def test_the_check_finds_an_offender(tmp_path: Path) -> None:
    module = tmp_path / "offender.py"
    module.write_text(
        '"""Docstring: Åtkomst är fri här."""\n'
        "from kulisser.i18n import N_, _\n"
        'LABELS = {"new": N_("Ny"), "old": "Gammal och trött"}\n'
        "def check(n: int) -> str:\n"
        '    """Ärendet är klart."""\n'
        '    if n < 0:\n'
        '        raise ValueError(_("Värdet är för litet."))\n'
        '    if n > 9:\n'
        '        return f"Högst {n} tecken."\n'
        '    return "Ange ett heltal."\n', encoding="utf-8")
    found = untranslated(module.read_text(encoding="utf-8"), "offender.py")
    assert sorted(int(line.split(":")[1]) for line in found) == [3, 9, 10], found


def test_allow_list_entries_still_exist() -> None:
    """An allow-list entry whose literal is gone is removed, so the list stays true."""
    sources = {path.relative_to(SRC).as_posix(): path.read_text(encoding="utf-8")
               for path in SRC.rglob("*.py")}
    literals = {module: {n.value for n in ast.walk(ast.parse(text))
                         if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                for module, text in sources.items()}
    stale = [key for key in ALLOWED if key[1] not in literals.get(key[0], set())]
    assert stale == []
    assert all(module in sources for module in ALLOWED_MODULES)


def import_time_translations(source: str, module: str) -> list[str]:
    """Calls of _() or ngettext() that run when the module is imported (use N_() there)."""
    tree = ast.parse(source)
    deferred: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            deferred.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
        elif isinstance(node, ast.Lambda):
            deferred.update(id(sub) for sub in ast.walk(node.body))
    return [f"{module}:{node.lineno}: {ast.unparse(node)[:60]}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "ngettext"} and id(node) not in deferred]


def test_nothing_is_translated_at_import_time() -> None:
    """A module-level label is marked with N_() and translated where it is shown."""
    found = [line for path in sorted(SRC.rglob("*.py"))
             for line in import_time_translations(path.read_text(encoding="utf-8"),
                                                  path.relative_to(SRC).as_posix())]
    assert found == []


def test_the_import_time_check_finds_a_constant() -> None:
    source = ('from kulisser.i18n import N_, _\n'
              'LABEL = _("Öppen")\n'
              'LAZY = N_("Stängd")\n'
              'def shown(text: str = _("Standard")) -> str:\n'
              '    return _(LAZY) + text\n')
    found = import_time_translations(source, "offender.py")
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 4], found
