"""The import layers, proved over the source: the core (gateway/) never imports mitmproxy, addons/ or bench/,
and no modules of gateway/, addons/ and bench/ import each other in a cycle.

The graph is built from the AST of every module: every import statement, also those inside functions (a lazy
import is still a dependency), and `importlib.import_module("…")` / `__import__("…")` with a literal name.
Run this file as a script to print the graph summary (modules, upward imports, cycles).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "addons", "bench")
FORBIDDEN_IN_CORE = ("mitmproxy", "addons", "bench")

# Cycles that other work of issue 11 removes. Each entry is a cycle's members, sorted. The lead empties this
# list at merge; the test fails if a listed cycle is gone (so the list cannot go stale) or a new one appears.
KNOWN_CYCLES: list[tuple[str, ...]] = []
# Upward imports (core -> proxy side or benchmark) that other work of issue 11 removes; emptied at merge.
KNOWN_UPWARD: list[tuple[str, str]] = []


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside `if TYPE_CHECKING:` blocks: annotations only, never executed."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
                (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
                or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")):
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def imports_of(name: str, path: Path, runtime_only: bool = False) -> set[str]:
    """Absolute names of every module `name` imports (relative imports resolved); with `runtime_only`,
    without the imports under `if TYPE_CHECKING:`, which a running program never executes."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[: len(base) - (node.level - 1)]
                target = ".".join(prefix + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{alias.name}" for alias in node.names)  # `from pkg import module`
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and _dynamic_import(node.func):
            out.add(node.args[0].value)
    return out


def _dynamic_import(func: ast.expr) -> bool:
    """`importlib.import_module(...)`, `import_module(...)` or `__import__(...)`."""
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def graph() -> dict[str, set[str]]:
    """Module -> the modules of gateway/ and addons/ it imports when it runs (a type-only import of a
    module that imports this one back is an annotation, not a cycle)."""
    mods = modules()
    edges = {}
    for name, path in mods.items():
        edges[name] = {t for t in imports_of(name, path, runtime_only=True) if t in mods and t != name}
    return edges


def upward_imports() -> list[tuple[str, str]]:
    """(core module, forbidden import) for every import of mitmproxy, addons or bench from gateway/."""
    bad = []
    for name, path in modules().items():
        if not name.startswith("gateway"):
            continue
        for target in sorted(imports_of(name, path)):
            if target.split(".")[0] in FORBIDDEN_IN_CORE:
                bad.append((name, target))
    return bad


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan), each sorted; a package importing
    its own submodule through `from . import x` counts only when x imports the package back."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def package_cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Cycles once each package's __init__ re-exports are taken out: `pkg/__init__` importing its own
    submodules is how a package presents its API, not a dependency of those submodules on each other."""
    trimmed = {}
    for name, targets in edges.items():
        trimmed[name] = {t for t in targets if not (t.startswith(name + ".") and modules_is_package(name))}
    return cycles(trimmed)


_PACKAGES_CACHE: set[str] | None = None


def modules_is_package(name: str) -> bool:
    global _PACKAGES_CACHE
    if _PACKAGES_CACHE is None:
        _PACKAGES_CACHE = {n for n, p in modules().items() if p.name == "__init__.py"}
    return name in _PACKAGES_CACHE


def test_the_core_never_imports_the_proxy_side_or_the_benchmark():
    found = upward_imports()
    assert [i for i in found if i not in KNOWN_UPWARD] == []
    assert [i for i in KNOWN_UPWARD if i not in found] == [], "a known upward import is gone: remove it"


def test_the_import_graph_sees_imports_inside_functions():
    """The check would be blind if it read only top-level imports: a lazy upward import must count."""
    edges = graph()
    assert "addons.pipeline" in edges["addons.runner"]  # imported inside serve()


def test_no_import_cycles_except_the_known_ones_being_removed():
    found = package_cycles(graph())
    assert [c for c in found if c not in KNOWN_CYCLES] == [], f"new import cycles: {found}"
    assert [c for c in KNOWN_CYCLES if c not in found] == [], "a known cycle is gone: remove it from KNOWN_CYCLES"


def package_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Top-level package -> the other top-level packages it imports."""
    out: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for name, targets in edges.items():
        out[name.split(".")[0]].update(t.split(".")[0] for t in targets if t.split(".")[0] != name.split(".")[0])
    return out


def test_packages_form_layers_bench_over_addons_over_gateway():
    layers = package_graph(graph())
    assert "addons" not in layers["gateway"]
    assert "bench" not in layers["addons"]


if __name__ == "__main__":
    edges = graph()
    print(f"modules: {len(edges)}, edges: {sum(map(len, edges.values()))}")
    print("packages: " + "; ".join(f"{p} -> {', '.join(sorted(t)) or '-'}" for p, t in package_graph(edges).items()))
    print("upward imports (gateway -> mitmproxy/addons/bench):")
    for name, target in upward_imports():
        print(f"  {name} -> {target}")
    print("cycles:")
    for c in package_cycles(edges):
        print("  " + " <-> ".join(c))


def test_type_only_imports_are_left_out_of_the_cycle_graph_but_seen_by_the_layer_check():
    """session.py names the Masker only in annotations (`if TYPE_CHECKING:`): that is no runtime edge, but the
    layer check still reads it, so a type-only import of mitmproxy from the core would still be caught."""
    path = ROOT / "gateway" / "masking" / "session.py"
    assert "gateway.masking.engine" in imports_of("gateway.masking.session", path)
    assert "gateway.masking.engine" not in imports_of("gateway.masking.session", path, runtime_only=True)
    assert "gateway.masking.engine" not in graph()["gateway.masking.session"]
