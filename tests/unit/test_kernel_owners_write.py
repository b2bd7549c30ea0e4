"""Others read, the owner writes (issue 11): the kernel's services re-export their mapped
classes (``Patient``, ``CareRelation``, ``User``, ``WorkItem`` ...) so that other packages can
name, read and join them, but only the owning package constructs one or writes its table.

An AST walk of every module under src/kulisser outside the owner: no call of the class
(``Patient(...)``, ``patients.Patient(...)``), and no statement or bulk writer handed the
class or its table (``insert(CareRelation)``, ``update(User)``, ``delete(WorkItem)``,
``table_of(Patient)``, ``Patient.__table__``). A name counts only when it was imported from
kulisser, so a FHIR ``Patient`` resource is no offence.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"

OWNED: dict[str, set[str]] = {
    "patients": {"Patient", "CareRelation"},
    "staff": {"User", "CareUnit", "UnitMembership", "UserSession", "ApiToken", "LoginAttempt"},
    "worklist": {"WorkItem", "WorkItemEvent", "DeadlineRule"},
    "audit": {"AuditEvent", "AuditReview", "AuditSample", "EmergencyAccess"},
}
OWNER = {name: package for package, names in OWNED.items() for name in names}
# Handing a class or its table to these writes rows of it.
WRITERS = {"insert", "update", "delete", "table_of", "bulk_insert_mappings", "bulk_save_objects",
           "bulk_update_mappings", "copy_rows", "write", "insert_skipping_duplicates"}


def _imports(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    """Local names bound to kernel classes imported from kulisser, and names of kulisser modules."""
    classes: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kulisser"):
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in OWNER:
                    classes[local] = alias.name
                else:
                    modules.add(local)  # a module or a name: only modules have these attributes
        elif isinstance(node, ast.Import):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names
                        if a.name.startswith("kulisser")}
    return classes, modules


def _kernel_class(node: ast.AST, classes: dict[str, str], modules: set[str]) -> str | None:
    """The kernel class a name (``Patient``) or attribute (``patients.Patient``) refers to."""
    if isinstance(node, ast.Name):
        return classes.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr in OWNER:
        base = node.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Name) and base.id in modules:
            return node.attr
    return None


def offences(source: str, package: str | None) -> list[str]:
    """Where a module of ``package`` (None: a top-level module) builds or writes another
    package's kernel class ("line N: what")."""
    tree = ast.parse(source)
    classes, modules = _imports(tree)

    def foreign(node: ast.AST) -> str | None:
        name = _kernel_class(node, classes, modules)
        return name if name is not None and OWNER[name] != package else None

    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            built = foreign(node.func)
            callee = (node.func.id if isinstance(node.func, ast.Name)
                      else node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if built is not None:
                found.append(f"line {node.lineno}: constructs {built}")
            elif callee in WRITERS:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    table = isinstance(arg, ast.Attribute) and arg.attr == "__table__"
                    written = foreign(arg.value if table and isinstance(arg, ast.Attribute) else arg)
                    if written is not None:
                        found.append(f"line {node.lineno}: {callee}({written})")
        elif isinstance(node, ast.Attribute) and node.attr == "__table__":
            name = foreign(node.value)
            if name is not None:
                found.append(f"line {node.lineno}: {name}.__table__")
    return sorted(set(found), key=lambda f: int(f.split(":")[0].split()[1]))


def _walk() -> dict[str, list[str]]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "migrations":
            continue  # a migration writes whatever table it changes
        package = rel.parts[0] if len(rel.parts) > 1 else None
        found[rel.as_posix()] = offences(path.read_text(encoding="utf-8"), package)
    return found


def test_only_the_owner_builds_or_writes_a_kernel_entity() -> None:
    walked = _walk()
    assert len(walked) > 150  # the walk read the whole package, top-level modules included
    bad = {module: found for module, found in walked.items() if found}
    assert bad == {}, "call the owner's service (patients, staff, worklist, audit) instead"


def test_the_walk_catches_a_deliberate_offender() -> None:
    offender = '''
from sqlalchemy import delete, insert, update
from kulisser.patients import service as patients
from kulisser.patients.service import CareRelation as Relation
from kulisser.staff.service import User

def f(session, rows):
    session.add(patients.Patient(id_kind="personnummer", id_value="x"))
    session.add(Relation(unit_id=1, patient_id=2))
    session.execute(insert(Relation), rows)
    session.execute(update(User).values(active=False))
    session.execute(delete(patients.CareRelation))
    return patients.Patient.__table__
'''
    assert offences(offender, "referrals") == [
        "line 8: constructs Patient",
        "line 9: constructs CareRelation",
        "line 10: insert(CareRelation)",
        "line 11: update(User)",
        "line 12: delete(CareRelation)",
        "line 13: Patient.__table__",
    ]
    assert offences(offender, "patients") == [
        "line 11: update(User)",  # patients owns its classes, not the staff's
    ]


def test_reading_joining_and_other_patients_are_no_offence() -> None:
    reader = '''
from fhir.resources.patient import Patient
from sqlalchemy import select
from kulisser.patients import service as patients
from kulisser.staff.service import User

def f(session):
    rows = session.execute(select(patients.Patient, User.full_name)
                           .join(User, User.id == patients.Patient.created_by_id))
    return rows, Patient(id="fhir-resource")
'''
    assert offences(reader, "booking") == []
