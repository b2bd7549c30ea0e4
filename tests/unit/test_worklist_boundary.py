"""Domains move work items only through `kulisser.worklist.service` (DESIGN rule 3a).

An AST walk of every module under src/kulisser outside worklist/: none constructs a
`WorkItem(` or `WorkItemEvent(` (by name or as an attribute), and none imports
`kulisser.worklist.models` (nor `worklist.records`, whose functions the service re-exports),
except the modules listed below with the reason they need it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"
WORKLIST = SRC / "worklist"
MODELS = {"WorkItem", "WorkItemEvent"}
PRIVATE = ("kulisser.worklist.models", "kulisser.worklist.records")

# Module (relative to src/kulisser) -> why it may import the worklist's models.
# Modules allowed past worklist.service, each with its reason (none since the packages declare
# their own models: kulisser/packages.py loads the worklist's tables through its declaration).
EXCEPTIONS: dict[str, str] = {}


def offences(source: str) -> list[str]:
    """What in a module's source reaches past worklist.service: constructions and imports."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else None)
            if name in MODELS:
                found.append(f"line {node.lineno}: constructs {name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PRIVATE):
                found.append(f"line {node.lineno}: imports {node.module}")
            elif node.module == "kulisser.worklist":
                found += [f"line {node.lineno}: imports kulisser.worklist.{a.name}"
                          for a in node.names if f"kulisser.worklist.{a.name}" in PRIVATE]
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names
                      if a.name.startswith(PRIVATE)]
    return found


def _modules() -> dict[str, list[str]]:
    return {path.relative_to(SRC).as_posix(): offences(path.read_text(encoding="utf-8"))
            for path in sorted(SRC.rglob("*.py")) if WORKLIST not in path.parents}


def test_no_module_outside_the_worklist_builds_or_imports_its_models() -> None:
    walked = _modules()
    assert len(walked) > 100  # the walk saw the domain packages
    bad = {module: found for module, found in walked.items()
           if found and module not in EXCEPTIONS}
    assert bad == {}, "use kulisser.worklist.service (open_item, close_items ...) instead"


def test_every_listed_exception_still_needs_to_be_one() -> None:
    walked = _modules()
    assert {module for module in EXCEPTIONS if not walked.get(module)} == set()


def test_the_walk_catches_a_deliberate_offender() -> None:
    offender = '''
from kulisser.worklist.models import WorkItem
from kulisser.worklist import models as worklist_models, service
import kulisser.worklist.records
from kulisser.worklist.service import WorkItem as Item  # naming the type is allowed

def chase(session):
    item = WorkItem(kind="task", title="x")
    event = worklist_models.WorkItemEvent(type="created")
    return item, event, Item
'''
    assert offences(offender) == [
        "line 2: imports kulisser.worklist.models",
        "line 3: imports kulisser.worklist.models",
        "line 4: imports kulisser.worklist.records",
        "line 8: constructs WorkItem",
        "line 9: constructs WorkItemEvent",
    ]


def test_the_service_way_is_no_offence() -> None:
    clean = '''
from kulisser.worklist import service as worklist
from kulisser.worklist.service import WorkItem

def close(session, items: list[WorkItem]) -> None:
    worklist.close_items(session, items=items, actor_id=None, now=None, reason="klart")
'''
    assert offences(clean) == []
