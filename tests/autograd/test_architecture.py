"""The engine's imports flow one way (ARCHITECTURE.md): no import cycle among the modules of
`autograd/`, and each of them can be the first one a fresh interpreter imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "autograd"


def module_names(package_dir: Path, package: str) -> dict[str, Path]:
    """Every module of the package (the package's own __init__ left out), by dotted name."""
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names[".".join((package, *parts))] = path
    return names


def _is_type_checking_block(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _module_level_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run at import time: the top level, into `if`/`try` blocks (not
    `if TYPE_CHECKING:`), never into functions or classes."""
    found = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If) and not _is_type_checking_block(node):
            found += _module_level_statements(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            found += _module_level_statements(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                found += _module_level_statements(handler.body)
    return found


def import_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports at import time (`from pkg import mod` counts
    as importing `pkg.mod` when that is a module; the package __init__ is not a node)."""
    modules = module_names(package_dir, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in _module_level_statements(tree.body):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                submodules = [name for name in submodules if name in modules]
                targets = submodules or [node.module]  # `from pkg import mod` needs mod, not pkg's __init__
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph[child])))
    return None


def test_no_import_cycle_among_the_engine_modules():
    graph = import_graph(ROOT / PACKAGE, PACKAGE)
    assert len(graph) > 20 and "autograd.tensor" in graph and "autograd.ops.arithmetic" in graph
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_tensor_is_a_leaf_of_the_engine():
    graph = import_graph(ROOT / PACKAGE, PACKAGE)
    assert graph["autograd.tensor"] == set(), graph["autograd.tensor"]  # numpy only (ARCHITECTURE.md, layer 1)
    assert "autograd.tensor" in graph["autograd.bind"] and "autograd.backward" in graph["autograd.bind"]


def test_the_cycle_check_catches_a_planted_cycle(tmp_path):
    package = tmp_path / "planted"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("from planted.tensor import Tensor\n")
    (package / "tensor.py").write_text("import numpy\nclass Tensor: ...\nfrom planted.ops import add  # noqa: E402\n")
    (package / "ops" / "__init__.py").write_text("")
    (package / "ops" / "add.py").write_text("from typing import TYPE_CHECKING\nfrom planted import function\n")
    (package / "function.py").write_text(
        "if TYPE_CHECKING:\n    from planted.ops import add\n"
        "try:\n    from planted.tensor import Tensor\nexcept ImportError:\n    pass\n"
    )
    cycle = find_cycle(import_graph(package, "planted"))
    assert cycle == ["planted.function", "planted.tensor", "planted.ops.add", "planted.function"]
    # An import inside a function, or under TYPE_CHECKING only, is no edge: no cycle.
    (package / "tensor.py").write_text("class Tensor:\n    def f(self):\n        from planted.ops import add\n")
    assert find_cycle(import_graph(package, "planted")) is None


# Each module imported first, with the package's __init__ replaced by an empty package, so that
# its own imports (not the order in autograd/__init__.py) must bring in what it needs.
_IMPORT_FIRST = """
import importlib, sys, types
package = types.ModuleType({package!r})
package.__path__ = [{path!r}]
sys.modules[{package!r}] = package
importlib.import_module({module!r})
"""


def _import_first(module: str) -> tuple[str, int, str]:
    code = _IMPORT_FIRST.format(package=PACKAGE, path=str(ROOT / PACKAGE), module=module)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return module, done.returncode, done.stderr[-2000:]


def test_each_engine_module_can_be_imported_first_in_a_fresh_interpreter():
    modules = sorted(module_names(ROOT / PACKAGE, PACKAGE))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_import_first, modules))
    failed = [f"{module}:\n{stderr}" for module, code, stderr in results if code != 0]
    assert not failed, "\n".join(failed)


def test_operators_are_the_ops_apply_itself():
    """bind.py binds `Tensor.__mul__` to `Mul.apply` directly: no extra call on the hot path."""
    import autograd as ag
    from autograd.ops.arithmetic import Add, Mul
    from autograd.ops.elementwise import Tanh

    assert ag.Tensor.__mul__ is Mul.apply and ag.Tensor.__add__ is Add.apply and ag.Tensor.tanh is Tanh.apply
    assert ag.Tensor.sum.__qualname__ == "Tensor.sum" and ag.Tensor.__radd__.__qualname__ == "Tensor.__radd__"
