"""The registry of work item kinds; each domain package registers its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.worklist.states import Operation, Priority, allowed_operations

DEFAULT_HOURS = {Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 240}
# What the worklist may do to any item: who owns it and when it is started. Comments and due
# times are always allowed. Closing, cancelling and holding an item that a record owns is the
# record's domain's business: done from the worklist, the record would not move.
GENERIC_OPERATIONS: frozenset[Operation] = frozenset(
    {Operation.CLAIM, Operation.ASSIGN, Operation.HANDOVER, Operation.START})
ALL_OPERATIONS: frozenset[Operation] = frozenset(Operation)


@dataclass(frozen=True)
class Finding:
    """A record and its work items that disagree (an open record without an open item, or the
    other way round); `problem` is Swedish and names no patient."""

    unit_id: int
    ref_type: str
    ref_id: int
    problem: str
    patient_id: int | None = None


@dataclass(frozen=True)
class KindSpec:
    """What the worklist needs to know about a kind of work item."""

    code: str
    label: str  # Swedish, singular
    label_plural: str
    default_hours: dict[Priority, int] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    # The record kind this item links to, and how the item page shows it.
    ref_type: str | None = None
    detail_template: str | None = None
    # Loads the linked records for many items in one query: ref ids -> records.
    load_refs: Callable[[Session, list[int]], dict[int, Any]] | None = None
    # Whether users may create it by hand from the worklist's "new" form.
    manual: bool = False
    # Whether an open item past its due time goes to the unit manager (worklist/escalation.py).
    escalates: bool = False
    # The operations the worklist (its pages, API and `perform`) may carry out on these items;
    # a kind whose items a record owns keeps only the generic ones.
    operations: frozenset[Operation] = ALL_OPERATIONS
    # Swedish, for a refused operation: what to do on the record's page instead.
    record_hint: str = ""
    # Finds the records and items of this kind that disagree (worklist/invariants.py).
    check: Callable[[Session], list[Finding]] | None = None

    def allows(self, operation: Operation) -> bool:
        """Whether the worklist may carry out the operation on an item of this kind."""
        return operation in self.operations


_REGISTRY: dict[str, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind; registering the same code twice replaces it (module reloads in tests)."""
    _REGISTRY[spec.code] = spec
    _operations.clear()
    return spec


_operations: dict[tuple[str, str], tuple[Operation, ...]] = {}


def operations_for(kind: str, status: str) -> tuple[Operation, ...]:
    """The operations the worklist offers on an item of the kind in the status, in menu order
    (an unknown kind allows every operation its status allows)."""
    # The same for every item of a kind and status: a list of 50 items asked it 50 times.
    key = (kind, str(status))
    if key not in _operations:
        spec = _REGISTRY.get(kind)
        _operations[key] = tuple(op for op in allowed_operations(status)
                                 if spec is None or spec.allows(op))
    return _operations[key]


def get_kind(code: str) -> KindSpec:
    """Return a registered kind, or raise KeyError."""
    return _REGISTRY[code]


def all_kinds() -> list[KindSpec]:
    """Every registered kind, in registration order."""
    return list(_REGISTRY.values())


def refs_for(session: Session, items: list[Any]) -> dict[int, Any]:
    """The linked record of each item (by item id), one query per kind."""
    by_kind: dict[str, list[Any]] = {}
    for item in items:
        if item.ref_id is not None:
            by_kind.setdefault(item.kind, []).append(item)
    found: dict[int, Any] = {}
    for code, group in by_kind.items():
        spec = _REGISTRY.get(code)
        if spec is None or spec.load_refs is None:
            continue
        records = spec.load_refs(session, sorted({i.ref_id for i in group}))
        found.update({i.id: records[i.ref_id] for i in group if i.ref_id in records})
    return found


_RECORD_PAGES: dict[str, tuple[str, str]] = {}


def register_record_page(ref_type: str, *, label: str, path: str) -> None:
    """Say which page shows a record type (path with {id}), so any item linking to it links there."""
    _RECORD_PAGES[ref_type] = (label, path)


def record_link(ref_type: str | None, ref_id: int | None) -> tuple[str, str] | None:
    """The label and path of the page of an item's linked record, if its package registered one."""
    if ref_type is None or ref_id is None or ref_type not in _RECORD_PAGES:
        return None
    label, path = _RECORD_PAGES[ref_type]
    return label, path.format(id=int(ref_id))


def kind_label(code: str) -> str:
    """The Swedish label of a kind, or the code for an unknown one."""
    spec = _REGISTRY.get(code)
    return _(spec.label) if spec else code


TASK = register(
    KindSpec(code="task", label=N_("Uppgift"), label_plural=N_("Uppgifter"), manual=True)
)
