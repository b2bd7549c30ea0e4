"""Every action and object type the code writes into the access log has a Swedish label."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from kulisser.audit.labels import ACTIONS, OBJECT_TYPES, action_label, object_label

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"
FIELDS = {"action": ACTIONS, "object_type": OBJECT_TYPES}


def _strings(node: ast.AST | None, consts: dict[str, str]) -> Iterator[str]:
    """The string values an expression can take: a literal, a module constant, a ternary."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and node.id in consts:
        yield consts[node.id]
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body, consts)
        yield from _strings(node.orelse, consts)


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for t in node.targets if isinstance(t, ast.Name)}


def written_codes() -> dict[str, set[tuple[str, str]]]:
    """{field: {(code, where)}}: every literal action and object type passed by keyword, given
    as a parameter default or as a dict key, in the package's source."""
    found: dict[str, set[tuple[str, str]]] = {name: set() for name in FIELDS}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        consts = _module_constants(tree)
        where = str(path.relative_to(SRC))
        for node in ast.walk(tree):
            pairs: list[tuple[str, ast.AST | None]] = []
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
                    continue  # argparse's action="store_true" is no audit action
                pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                positional = a.posonlyargs + a.args
                pairs = list(zip([x.arg for x in positional[len(positional) - len(a.defaults):]],
                                 a.defaults, strict=True))
                pairs += [(x.arg, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
            elif isinstance(node, ast.Dict):
                pairs = [(k.value, v) for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name, value in pairs:
                if name in FIELDS:
                    # An empty string is a filter's "any" (a route's query default), not a code.
                    found[name].update((code, where) for code in _strings(value, consts) if code)
    return found


def test_the_walk_finds_the_codes_written_through_helpers_and_constants() -> None:
    found = {field: {code for code, _where in codes} for field, codes in written_codes().items()}
    assert {"read", "list", "create", "update", "sign", "export"} <= found["action"]
    # letter_pdf by keyword, care_relation through a module constant, booking_waitlist as a
    # parameter default, audit_log through a constant in the audit service.
    assert {"letter_pdf", "care_relation", "booking_waitlist", "audit_log", "worklist",
            "waitlist_entry", "identity_lookup"} <= found["object_type"]


def test_every_action_and_object_type_written_has_a_swedish_label() -> None:
    missing = [f"{field}={code!r} ({where})" for field, codes in written_codes().items()
               for code, where in sorted(codes) if code not in FIELDS[field]]
    assert not missing, "no Swedish label in kulisser/audit/labels.py for: " + ", ".join(missing)


def test_labels_are_swedish_words_not_codes() -> None:
    for mapping in FIELDS.values():
        for code, label in mapping.items():
            assert label != code and "_" not in label, code
    assert action_label("sign") == "Signering"
    assert object_label("letter_pdf", "55") == "Brev (PDF) nr 55"
    assert object_label("worklist") == "Arbetslista"
