"""One access check (issue 11): no module outside kulisser/audit/ builds an audit row or a
refusal by hand. Domains call audit.service (check, check_access, require_unit, log_listing,
log_system, log_many); catching AccessDenied and reading the log stay allowed."""

from __future__ import annotations

import ast
from pathlib import Path

import kulisser

SRC = Path(kulisser.__file__).parent

# Calling these outside audit/ builds an audit row or a refusal.
BUILT = {"AuditEvent", "AccessDenied", "DeniedNotFound"}
# Handing the audit table to these writes audit rows without the audit package.
WRITERS = {"insert", "table_of", "bulk_insert_mappings", "bulk_save_objects", "copy_rows",
           "write"}


def _names(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The audit class a name or attribute refers to (through import aliases), if any."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id if node.id in BUILT else None)
    if isinstance(node, ast.Attribute) and node.attr in BUILT:
        return node.attr
    return None


def _callee(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def offences(path: Path) -> list[str]:
    """Where a module builds an AuditEvent, AccessDenied or DeniedNotFound, or writes the
    audit table itself ("file:line what")."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in BUILT:
                    aliases[alias.asname or alias.name] = alias.name
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            built = _names(node.func, aliases)
            if built is not None:
                found.append(f"{path}:{node.lineno} {built}(...)")
            elif _callee(node) in WRITERS:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    table = isinstance(arg, ast.Attribute) and arg.attr == "__table__"
                    target = arg.value if isinstance(arg, ast.Attribute) and table else arg
                    if _names(target, aliases) == "AuditEvent":
                        found.append(f"{path}:{node.lineno} {_callee(node)}(AuditEvent)")
        elif (isinstance(node, ast.Attribute) and node.attr == "__table__"
              and _names(node.value, aliases) == "AuditEvent"):
            found.append(f"{path}:{node.lineno} AuditEvent.__table__")
    return sorted(set(found))


def outside_audit(root: Path) -> list[Path]:
    """Every module under root but those of the audit package."""
    return [p for p in sorted(root.rglob("*.py")) if "audit" not in p.relative_to(root).parts[:1]]


def test_no_module_outside_audit_builds_an_audit_row_or_a_refusal() -> None:
    modules = outside_audit(SRC)
    assert len(modules) > 50  # the walk really reads the package
    found = [o for path in modules for o in offences(path)]
    assert not found, "use kulisser.audit.service instead: " + "; ".join(found)


def test_the_walk_finds_a_deliberate_offender(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    offender = tmp_path / "domain" / "service.py"
    offender.write_text(
        "from sqlalchemy import insert\n"
        "from kulisser.audit import service as audit\n"
        "from kulisser.audit.models import AuditEvent as Row\n"
        "from kulisser.audit.service import DeniedNotFound\n"
        "from kulisser.results.rows import table_of, write\n"
        "def f(session, actor):\n"
        "    session.add(Row(username='x', outcome='allowed'))\n"
        "    session.execute(insert(Row), [])\n"
        "    write(session, table_of(Row), [])\n"
        "    raise audit.AccessDenied({'outcome': 'denied'})\n"
        "def g():\n"
        "    raise DeniedNotFound('Hittades inte.', {})\n",
        encoding="utf-8")
    found = {o.split(" ", 1)[1] for o in offences(offender)}
    assert found == {"AuditEvent(...)", "insert(AuditEvent)", "table_of(AuditEvent)",
                     "AccessDenied(...)", "DeniedNotFound(...)"}
    assert outside_audit(tmp_path) == [offender]


def test_catching_a_refusal_and_reading_the_log_are_no_offence(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text(
        "from sqlalchemy import select\n"
        "from kulisser.audit.models import AuditEvent\n"
        "from kulisser.audit.service import AccessDenied\n"
        "def f(session):\n"
        "    try:\n"
        "        return session.scalars(select(AuditEvent).where(AuditEvent.id == 1))\n"
        "    except AccessDenied:\n"
        "        raise\n",
        encoding="utf-8")
    assert offences(module) == []


def test_the_audit_package_itself_may_build_rows(tmp_path: Path) -> None:
    (tmp_path / "audit").mkdir()
    inside = tmp_path / "audit" / "access.py"
    inside.write_text("from kulisser.audit.models import AuditEvent\nAuditEvent()\n",
                      encoding="utf-8")
    assert offences(inside) and outside_audit(tmp_path) == []
