"""The layers hold: every import of every module under protolab/ (at module level and inside functions)
is read with ast, and the arrows the architecture forbids are looked for.

    cli -> render -> core -> sim      core never imports cli, render, typer or rich;
                                      ha/ does not import replication/; sim/ imports only the standard
                                      library, itself and protolab.errors; no module imports itself
                                      back through a chain (a cycle).

The same checks run on a made-up tree first, so a check that could never fail would show.
"""

from __future__ import annotations

import ast
import sys
from itertools import pairwise
from pathlib import Path

import protolab

# Modules that may use the terminal: the command line, the views, the tour, the entry point.
PRESENTATION = ("protolab.cli", "protolab.render", "protolab.tour", "protolab.__main__")
TERMINAL = ("protolab.cli", "protolab.render", "typer", "rich")
SIM_MAY_IMPORT = ("protolab.sim", "protolab.errors")   # errors: the one exception hierarchy, imports nothing


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def modules_of(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under root (root is the package `package`)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def imports_of(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """Module -> {imported module: line of its first import}. `from pkg import name` counts as an import of
    pkg.name when that is a module of the tree, of pkg otherwise; relative imports are resolved. In a module
    that calls importlib's import_module, a string naming a module of the tree is an import too (a registry
    that loads its entries by name must not hide an arrow)."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges: dict[str, int] = {}
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        by_name = any(isinstance(n, ast.Name) and n.id == "import_module"
                      or isinstance(n, ast.Attribute) and n.attr == "import_module" for n in ast.walk(tree))
        for node in ast.walk(tree):
            targets: list[str] = []
            if by_name and isinstance(node, ast.Constant) and node.value in modules:
                targets = [node.value]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                edges.setdefault(target, node.lineno)
        edges.pop(name, None)
        graph[name] = edges
    return graph


def forbidden(graph: dict[str, dict[str, int]]) -> list[str]:
    """Every import that goes against the layers, as 'module:line imports target (rule)'."""
    stdlib = sys.stdlib_module_names
    out = []
    for module, edges in sorted(graph.items()):
        for target, line in sorted(edges.items()):
            where = f"{module}:{line} imports {target}"
            if not _within(module, PRESENTATION) and _within(target, TERMINAL):
                out.append(f"{where} (a core module uses the terminal layers)")
            if _within(module, ("protolab.ha",)) and _within(target, ("protolab.replication",)):
                out.append(f"{where} (ha/ borrows from replication/: move the piece to sim/)")
            if _within(module, ("protolab.sim",)) and not (
                    _within(target, SIM_MAY_IMPORT) or target.split(".")[0] in stdlib):
                out.append(f"{where} (sim/ knows no lab and no outside package)")
    return out


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan), as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:   # iterative: a deep chain of imports must not hit the recursion limit
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_path_through(group, graph) for group in groups]


def _path_through(group: set[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest cycle from the group's first module back to itself (breadth-first inside the group)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for child in sorted(graph[v]):
                if child == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if child in group and child not in came_from:
                    came_from[child] = v
                    nxt.append(child)
        frontier = nxt
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover  (Tarjan said there was one)


def _shown(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in pairwise(cycle)) + f" -> {cycle[-1]}"


def _protolab_graph() -> dict[str, dict[str, int]]:
    return imports_of(modules_of(Path(protolab.__file__).parent, "protolab"))


# -- the checks, first on a made-up tree --------------------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> dict[str, dict[str, int]]:
    for rel, text in files.items():
        path = root / "fake" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return imports_of(modules_of(root / "fake", "protolab"))


def test_the_checks_find_bad_arrows_and_cycles_in_a_made_up_tree(tmp_path):
    graph = _write(tmp_path, {
        "__init__.py": "",
        "sim/__init__.py": "",
        "sim/kernel.py": "import heapq\nimport numpy\nfrom protolab.errors import BadInput\n",
        "ha/__init__.py": "",
        "ha/model.py": "def f():\n    from ..replication import runner\n    import rich.table\n",
        "replication/__init__.py": "",
        "replication/runner.py": "from protolab.replication.nodes import a\n",
        "replication/nodes/__init__.py": "",
        "replication/nodes/a.py": "from . import b\n",
        "replication/nodes/b.py": "from protolab.replication import runner\n",
        "cli/__init__.py": "",
        "cli/app.py": "import typer\nfrom protolab.ha import model\n",
    })
    assert graph["protolab.ha.model"] == {"protolab.replication.runner": 2, "rich.table": 3}
    assert graph["protolab.replication.nodes.a"] == {"protolab.replication.nodes.b": 1}
    assert forbidden(graph) == [
        "protolab.ha.model:2 imports protolab.replication.runner (ha/ borrows from replication/: move the piece "
        "to sim/)",
        "protolab.ha.model:3 imports rich.table (a core module uses the terminal layers)",
        "protolab.sim.kernel:2 imports numpy (sim/ knows no lab and no outside package)",
    ]
    assert cycles(graph) == [["protolab.replication.nodes.a", "protolab.replication.nodes.b",
                              "protolab.replication.runner", "protolab.replication.nodes.a"]]


def test_a_module_that_imports_itself_back_directly_is_a_two_module_cycle(tmp_path):
    graph = _write(tmp_path, {"__init__.py": "", "x.py": "from protolab import y\n", "y.py": "import protolab.x\n"})
    assert [_shown(c, graph) for c in cycles(graph)] == [
        "protolab.x (line 1) -> protolab.y (line 1) -> protolab.x"]


# -- the checks on protolab ----------------------------------------------------------------------------
def test_every_module_is_read():
    graph = _protolab_graph()
    assert {"protolab.sim.kernel", "protolab.capture.records", "protolab.cli.app", "protolab.ha.health"} <= set(graph)
    assert "protolab.sim.kernel" in graph["protolab.replication.sim"]


def test_no_import_goes_against_the_layers():
    assert forbidden(_protolab_graph()) == []


def test_no_import_cycles():
    graph = _protolab_graph()
    assert [_shown(c, graph) for c in cycles(graph)] == []
