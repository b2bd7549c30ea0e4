"""Rewrite FastAPI parameter defaults (`= Depends(...)`, `= Form(...)`, ...) as `Annotated` types.

Issue 11 item 9: routes name what they need by type (`ctx: CurrentCtx`), so ruff's B008 holds.
Re-runnable on a branch merged later: `python scripts/annotated_deps.py src/kulisser tests`,
then `ruff check --fix` to merge and sort the imports it adds and drop the unused ones. Only
parameters, the `*` they may need and import lines are touched; anything it cannot rewrite is
printed for a hand edit.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

# (annotation, dependency) -> the alias in kulisser.web.deps
ALIASES = {
    ("Session", "get_db"): "DbSession",
    ("Settings", "get_settings"): "AppSettings",
    ("Ctx", "current"): "CurrentCtx",
    ("Ctx", "manager"): "ManagerCtx",
    ("FormData", "read_form"): "RequestForm",
    ("str", "Form()"): "FormStr",
}
PARAMS = {"Form", "File", "Query", "Body", "Header", "Cookie", "Path"}
DEPS_MODULE = "src/kulisser/web/deps.py"


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _seg(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node)
    assert text is not None
    return text


def _rel(source: str, base: tuple[int, int], node: ast.AST) -> int:
    """Where a node starts, counted in characters from a position (line, byte column)."""
    lines = source.splitlines(keepends=True)

    def at(lineno: int, col: int) -> int:
        line = lines[lineno - 1]
        return sum(len(x) for x in lines[:lineno - 1]) + len(line.encode()[:col].decode())

    return at(node.lineno, node.col_offset) - at(*base)  # type: ignore[attr-defined]


def _rewrite_param(source: str, arg: ast.arg, default: ast.expr) -> tuple[str, bool, set[str]] | None:
    """The new text of `name: T = Call(...)`, whether it keeps a default, and the names it needs."""
    if not isinstance(default, ast.Call) or arg.annotation is None:
        return None
    func = _name(default.func)
    ann = _seg(source, arg.annotation)
    if func in {"Depends", "Security"}:
        dep = _seg(source, default.args[0]) if default.args and not default.keywords else None
        if func == "Depends" and dep is not None and (ann, dep) in ALIASES:
            alias = ALIASES[(ann, dep)]
            return f"{arg.arg}: {alias}", False, {alias}
        return f"{arg.arg}: Annotated[{ann}, {_seg(source, default)}]", False, {"Annotated"}
    if func not in PARAMS:
        return None
    # Cut the default out of the call, keeping the rest of its text (and its line breaks) as is.
    call = _seg(source, default)
    base = (default.lineno, default.col_offset)
    items: list[ast.expr | ast.keyword] = sorted([*default.args, *default.keywords],
                                                 key=lambda n: (n.lineno, n.col_offset))
    value: ast.expr | None = None
    for i, item in enumerate(items):
        is_default = (item is default.args[0]) if default.args else False
        if isinstance(item, ast.keyword) and item.arg == "default":
            is_default = True
        if not is_default:
            continue
        value = item.value if isinstance(item, ast.keyword) else item
        start = _rel(source, base, item)
        if i + 1 < len(items):
            end = _rel(source, base, items[i + 1])
        else:
            end = len(call) - 1  # up to the closing parenthesis
            while start > 0 and call[start - 1] in " ,\n":
                start -= 1
        call = call[:start] + call[end:]
        break
    if (ann, call) in ALIASES:
        alias = ALIASES[(ann, call)]
        text, names = f"{arg.arg}: {alias}", {alias}
    else:
        text, names = f"{arg.arg}: Annotated[{ann}, {call}]", {"Annotated"}
    if value is None or (isinstance(value, ast.Constant) and value.value is Ellipsis):
        return text, False, names
    if isinstance(value, ast.List) and not value.elts:  # a fresh list each call, not a shared one
        func_text = _seg(source, default.func)
        text = text.replace(f"{func_text}(", f"{func_text}(default_factory=list, ", 1)
        return text.replace(", )", ")"), False, names
    return f"{text} = {_seg(source, value)}", True, names


def rewrite(path: Path) -> list[str]:
    """Rewrite one file in place; returns what needs a hand edit."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)

    def pos(lineno: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets
        line = lines[lineno - 1]
        return sum(len(x) for x in lines[:lineno - 1]) + len(line.encode()[:col].decode())

    edits: list[tuple[int, int, str]] = []
    needs: set[str] = set()
    problems: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        a = node.args
        positional = a.posonlyargs + a.args
        pos_defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        changed = False
        has_default: list[bool] = []
        for arg, default in zip(positional, pos_defaults, strict=True):
            new = _rewrite_param(source, arg, default) if default is not None else None
            if new is None:
                has_default.append(default is not None)
                continue
            assert default is not None
            text, keeps, names = new
            edits.append((pos(arg.lineno, arg.col_offset),
                          pos(default.end_lineno or 0, default.end_col_offset or 0), text))
            needs |= names
            has_default.append(keeps)
            changed = True
        for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            new = _rewrite_param(source, arg, kw_default) if kw_default is not None else None
            if new is None:
                continue
            assert kw_default is not None
            text, _keeps, names = new
            edits.append((pos(arg.lineno, arg.col_offset),
                          pos(kw_default.end_lineno or 0, kw_default.end_col_offset or 0), text))
            needs |= names
            changed = True
        if not changed:
            continue
        # A parameter without a default may not follow one with a default: make the rest keyword-only.
        first = next((i for i, d in enumerate(has_default) if d and not all(has_default[i:])), None)
        if first is not None:
            if a.vararg is not None or a.kwonlyargs or first < len(a.posonlyargs):
                problems.append(f"{path}:{node.lineno} {node.name}: reorder by hand")
            else:
                arg = positional[first]
                start = pos(arg.lineno, arg.col_offset)
                before = lines[arg.lineno - 1].encode()[:arg.col_offset].decode()
                # On a line of its own the star gets a line of its own too.
                star = f"*,\n{before}" if not before.strip() else "*, "
                edits.append((start, start, star))
    if not edits:
        return problems
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    imports = []
    if "Annotated" in needs:
        imports.append("from typing import Annotated\n")
    aliases = sorted(needs - {"Annotated"})
    if aliases and not path.resolve().as_posix().endswith(DEPS_MODULE):
        imports.append(f"from kulisser.web.deps import {', '.join(aliases)}\n")
    if imports:
        marker = "from __future__ import annotations\n"
        if marker not in source:
            problems.append(f"{path}: no __future__ import to put the imports after")
        else:
            source = source.replace(marker, marker + "".join(imports), 1)
    path.write_text(source, encoding="utf-8")
    return problems


def _param_texts(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str] | None:
    """Each parameter's text (with "*" where keyword-only ones start); None when not one-line each."""
    a = node.args
    if a.posonlyargs or a.vararg or a.kwarg:
        return None
    texts = []
    defaults: list[ast.expr | None] = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
    pairs = list(zip(a.args, defaults, strict=True))
    for i, (arg, default) in enumerate([*pairs, *zip(a.kwonlyargs, a.kw_defaults, strict=True)]):
        if i == len(pairs):
            texts.append("*")
        end_node = default or arg
        if end_node.end_lineno != arg.lineno:
            return None
        line = source.splitlines()[arg.lineno - 1].encode()
        texts.append(line[arg.col_offset:end_node.end_col_offset].decode())
    return texts


def reflow(path: Path, limit: int = 110) -> list[str]:
    """Re-wrap the signatures that grew past the line limit; returns the ones left for a hand edit."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    problems = []
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for node in sorted(nodes, key=lambda n: n.lineno, reverse=True):
        first, last = node.lineno - 1, node.body[0].lineno - 1  # the signature's lines
        if all(len(line.rstrip("\n")) <= limit for line in lines[first:last]):
            continue
        sig = "".join(lines[first:last])
        texts = _param_texts(source, node)
        head_end = sig.index("(", sig.index(f"def {node.name}")) + 1
        if texts is None or "#" in sig or sig[head_end:].startswith("\n"):
            problems.append(f"{path}:{node.lineno} {node.name}: wrap by hand")
            continue
        head = sig[:head_end]
        a = node.args
        end_node = (a.kw_defaults[-1] or a.kwonlyargs[-1]) if a.kwonlyargs else (
            a.defaults[-1] if a.defaults else a.args[-1])
        end_line = lines[(end_node.end_lineno or 0) - 1].encode()[:end_node.end_col_offset].decode()
        after_last = sum(len(x) for x in lines[first:(end_node.end_lineno or 0) - 1]) + len(end_line)
        tail = sig[after_last:].lstrip(" ,\n").rstrip("\n")  # ") -> Type:"
        indent = " " * len(head.rsplit("\n", 1)[-1])
        out, line = [], head
        for i, t in enumerate(texts):
            piece = t + ("," if i < len(texts) - 1 else tail)
            if not line.endswith("(") and len(line) + 1 + len(piece) > limit:
                out.append(line + "\n")
                line = indent + piece
            else:
                line = line + ("" if line.endswith("(") else " ") + piece
        out.append(line + "\n")
        new_sig = "".join(out)
        if any(len(x) > limit for x in new_sig.splitlines()):
            problems.append(f"{path}:{node.lineno} {node.name}: wrap by hand")
            continue
        lines[first:last] = [new_sig]
    path.write_text("".join(lines), encoding="utf-8")
    return problems


def main(argv: list[str]) -> int:
    """Rewrite every .py file under the given folders."""
    problems: list[str] = []
    for root in argv or ["src/kulisser"]:
        for path in sorted(Path(root).rglob("*.py")):
            if "migrations" not in path.parts:
                problems += rewrite(path)
                problems += reflow(path)
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
