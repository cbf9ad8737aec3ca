"""Reading the shape of a package tree from its source: who imports whom (imports inside functions
included, `if TYPE_CHECKING:` blocks not), the cycles among them, each module's length, and names
a module takes from another that the other keeps private (a leading underscore).

Only the source is read (nothing is imported), so a tree that cannot even be imported because of a
cycle is still judged, and a synthetic tree in a temporary folder is judged the same way as app/.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. app.services.cases.steps
    path: Path
    is_package: bool  # an __init__.py


def modules(root: Path) -> dict[str, Module]:
    """Every module below `root` (a package folder), by dotted name; the name starts with the folder's."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if _type_checking_only(node):
            for other in node.orelse:
                yield from _import_nodes(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


def _base_of(module: Module, node: ast.ImportFrom) -> str:
    """The dotted module a `from … import` statement reads from, relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported(module: Module, known: dict[str, Module]) -> Iterator[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for each import of `module` that names a module of
    `known`: `from a import b` names a.b when b is a module, otherwise a (taking the name b)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, None
            continue
        base = _base_of(module, node)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            if full in known:
                yield full, None
            elif base in known:
                yield base, alias.name


def import_graph(known: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the modules it imports (itself left out)."""
    return {name: {target for target, _ in imported(module, known) if target != name}
            for name, module in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected group of two or more modules, sorted (Tarjan's algorithm,
    without recursion so that a deep tree cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def lengths(known: dict[str, Module]) -> dict[str, int]:
    """Each module's number of lines."""
    return {name: len(module.path.read_text(encoding="utf-8").splitlines()) for name, module in known.items()}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(known: dict[str, Module]) -> list[str]:
    """Every place a module takes a private name of another module of `known`: `from a import _x`, or
    `a._x` where `a` names an imported module. As `path:line: module._name`."""
    found = []
    for name, module in known.items():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}  # local name -> the module it stands for
        for node in _import_nodes(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in known:
                        aliases[alias.asname] = alias.name
                continue
            base = _base_of(module, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    aliases[alias.asname or alias.name] = full
                elif base in known and base != name and _private(alias.name):
                    found.append(f"{module.path}:{node.lineno}: {base}.{alias.name}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr)
                and aliases.get(node.value.id, name) != name):
                found.append(f"{module.path}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return sorted(found)
