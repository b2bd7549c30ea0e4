"""The import graph: a package reaches another only through its service (or its events).

DESIGN.md: a package imports another only through its ``service`` module or reacts to its
events; never ``importlib`` (the package declarations in ``kulisser/packages.py`` and the
operator's adapters in ``kulisser/adapters.py`` aside). Shared infrastructure (``web``,
``jobs``, ``identity``, ``speech`` and the top-level modules) may be imported by anyone.

The kernel packages (audit, patients, staff, worklist) are reached through their services
too: each service re-exports the types other packages name (``Actor``, ``Patient``,
``Priority``, ``KindSpec``, ``PatientRef`` ...) with explicit ``X as X`` re-exports. An edge
that truly cannot go through a service would be listed in DEBT with its reason, exact, so
that no other can appear (the test fails when a listed edge is gone, too).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"
SHARED = {"web", "jobs", "identity", "speech", "migrations"}
THROUGH = {"service", "events"}
IMPORTLIB_ALLOWED = {"packages.py", "adapters.py"}

# Edges still allowed past a service, each with its reason (none: the kernel's services are
# the public face of audit, patients, staff and the worklist since issue 11).
DEBT: set[tuple[str, str]] = set()


def _packages() -> set[str]:
    return {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()} - SHARED


def edges(source: str, own: str, packages: set[str]) -> set[tuple[str, str]]:
    """(own package, "other.module") for each import of another package's non-service module."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kulisser."):
            parts = node.module.split(".")
            names = ([f"{node.module}.{a.name}" for a in node.names] if len(parts) == 2
                     else [node.module])
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("kulisser.")]
        for name in names:
            parts = name.split(".")
            if len(parts) < 3 or parts[1] == own or parts[1] not in packages:
                continue
            if parts[2] not in THROUGH:
                found.add((own, f"{parts[1]}.{parts[2]}"))
    return found


def _graph() -> set[tuple[str, str]]:
    packages = _packages()
    found: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if len(rel.parts) >= 2 and rel.parts[0] not in SHARED:
            found |= edges(path.read_text(), rel.parts[0], packages)
    return found


def test_no_new_import_past_another_packages_service() -> None:
    new = sorted(_graph() - DEBT)
    assert not new, f"import these through the other package's service (or its events): {new}"


def test_the_listed_debt_is_still_owed() -> None:
    paid = sorted(DEBT - _graph())
    assert not paid, f"no longer imported: take these out of DEBT: {paid}"


def test_the_walk_catches_a_deliberate_offender() -> None:
    offender = (
        "from kulisser.letters.models import Letter\n"
        "from kulisser.letters import service, sms\n"
        "import kulisser.waitlist.items\n"
        "from kulisser.booking.events import AppointmentBooked\n"
        "from kulisser.results import service as results\n")
    assert edges(offender, "referrals", {"letters", "waitlist", "booking", "results", "referrals"}) == {
        ("referrals", "letters.models"), ("referrals", "letters.sms"), ("referrals", "waitlist.items")}


def test_only_the_declarations_and_the_adapters_import_by_name() -> None:
    users = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Import) and any(a.name == "importlib" for a in node.names)) or (
                    isinstance(node, ast.ImportFrom) and node.module == "importlib"
                    and any(a.name == "import_module" for a in node.names)):
                users.add(str(path.relative_to(SRC)))
    assert users == IMPORTLIB_ALLOWED
