"""The dependency rule of docs/ARCHITECTURE.md, checked on every import: domain <- time and chance <- engine <-
broker <- edges. The layer table is read from the document itself, so the two cannot drift apart.

Fails on: an import of a module of a later layer (lazy imports inside functions count: they are dependencies too),
an import cycle between modules, a module the table does not place, and a step module importing the service
(steps start services through ``mockbroker.harness``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mockbroker"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, module: str) -> set[str]:
    """Every mockbroker module ``path`` imports, at module level or inside functions."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "mockbroker")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "mockbroker":
                target = node.module
            else:
                continue
            # ``from .market import session`` depends on the submodule, not only on the package
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
            found.update(subs or {target})
    found.discard(module)
    return found


def layer_table() -> list[tuple[str, list[str]]]:
    """``[(layer, [entries])]`` from the Layers table of docs/ARCHITECTURE.md, in order."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] not in ("layer", "") and not set(cells[0]) <= set("-: "):
            rows.append((cells[0], re.findall(r"`([^`]+)`", cells[1])))
    return rows


def layer_of() -> dict[str, int]:
    """Each mockbroker module's layer number (0 = domain)."""
    placed: dict[str, int] = {}
    for number, (_, entries) in enumerate(layer_table()):
        for entry in entries:
            if entry.endswith("/"):
                prefix = "mockbroker." + entry.rstrip("/").replace("/", ".")
                for name in MODULES:
                    if name == prefix or name.startswith(prefix + "."):
                        placed[name] = number
            elif entry.endswith(".py"):
                name = "mockbroker" if entry == "__init__.py" else "mockbroker." + entry[:-3].replace("/", ".")
                if name in MODULES:
                    placed[name] = number
    return placed


GRAPH = {name: imports_of(path, name) for name, path in MODULES.items()}


def test_the_table_places_every_module():
    placed = layer_of()
    missing = sorted(set(MODULES) - set(placed))
    assert not missing, f"docs/ARCHITECTURE.md's Layers table does not place {missing}: add each to its layer"


def test_no_import_points_to_a_later_layer():
    placed = layer_of()
    names = [name for name, _ in layer_table()]
    wrong = [f"{module} ({names[placed[module]]}) imports {target} ({names[placed[target]]})"
             for module, targets in sorted(GRAPH.items()) for target in sorted(targets)
             if target in placed and module in placed and placed[target] > placed[module]]
    assert not wrong, "imports against the layer order of docs/ARCHITECTURE.md:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    # a package's __init__ importing its own submodules is how packages are made, not a cycle between modules
    graph = {m: {t for t in targets if not (MODULES[m].name == "__init__.py" and t.startswith(m + "."))}
             for m, targets in GRAPH.items()}
    cycles = _cycles(graph)
    assert not cycles, "modules that import each other: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_loops(graph, expected):
    assert _cycles(graph) == expected


def test_the_rule_catches_an_upward_import(tmp_path):
    """The check is not vacuous: an engine module importing the broker is reported."""
    placed = layer_of()
    assert placed["mockbroker.market.generator"] < placed["mockbroker.broker"]
    fake = tmp_path / "generator.py"
    fake.write_text("def f():\n    from ..broker import MockBroker\n", encoding="utf-8")
    assert imports_of(fake, "mockbroker.market.generator") == {"mockbroker.broker"}


def test_steps_start_services_through_the_harness():
    offenders = []
    for path in sorted([*(ROOT / "steps").rglob("*.py"), ROOT / "environment.py"]):
        for target in imports_of(path, "steps"):
            if target == "mockbroker.service" or target.startswith("mockbroker.service."):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not offenders, "steps must start services through mockbroker.harness:\n" + "\n".join(offenders)
