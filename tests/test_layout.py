"""The layout holds: each package imports only what its docstring allows, lazy imports say why, there is no
import circle, and no module of the product passes 400 lines.

A package's rule is the sentence "May import: `a`, `b`." in its `__init__` docstring (a sub-package
without one follows its parent's); a package may always import itself. Imports under `TYPE_CHECKING`
count too: a type is a dependency.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PRODUCT = ("tracker", "dashboard")
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    """One import of a product module: its line, what it names, whether it runs later (inside a function)
    and whether a comment says why."""

    line: int
    target: str
    lazy: bool
    commented: bool


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules(root: Path) -> dict[str, Path]:
    modules = {}
    for top in PRODUCT:
        for path in sorted((root / top).rglob("*.py")):
            modules[module_name(path, root)] = path
    return modules


def _target(base: str, name: str, modules: dict[str, Path]) -> str:
    """`from a.b import c`: the module `a.b.c` if it is one, else `a.b`."""
    return f"{base}.{name}" if f"{base}.{name}" in modules else base


def imports_of(path: Path, root: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a product module in this file, with whether it is lazy (inside a function)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [_target(child.module, alias.name, modules) for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level:
                raise AssertionError(
                    f"{path.relative_to(root)}:{child.lineno}: relative import; name the module"
                )
            for name in names:
                if name.split(".")[0] in PRODUCT:
                    commented = _commented(lines, child.lineno)
                    found.append(Import(child.lineno, name, in_function, commented))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def _commented(lines: list[str], lineno: int) -> bool:
    """Whether an import says why: a comment on its line, or above the imports it stands among."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    # Up through the imports (and the names of parenthesized ones) standing right above this one.
    while above >= 0 and (
        lines[above].strip().startswith(("from ", "import ", ")")) or lines[above].endswith(",")
    ):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def parse_rule(docstring: str | None) -> tuple[str, ...] | None:
    """The packages a "May import: `a`, `b`." sentence names, or None when the docstring has none."""
    if not docstring:
        return None
    match = re.search(r"May import:(.*?)(?:\.\s|\.$|\n\n)", docstring, flags=re.S)
    if not match:
        return None
    return tuple(re.findall(r"`([\w.]+)`", match.group(1)))


def rules_of(modules: dict[str, Path]) -> dict[str, tuple[str, ...]]:
    """Each package that states a rule, with the packages it may import."""
    stated = {
        name: parse_rule(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))
        for name, path in modules.items()
        if path.name == "__init__.py"
    }
    return {name: rule for name, rule in stated.items() if rule is not None}


def package_of(module: str, rules: dict[str, tuple[str, ...]]) -> str:
    """The package whose rule a module follows: the nearest enclosing package with a rule."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in rules:
            return ".".join(parts[:n])
    raise AssertionError(f"{module}: no enclosing package says what it may import ('May import: ...')")


def within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == prefix or target.startswith(prefix + ".") for prefix in prefixes)


def rule_breaks(root: Path) -> list[str]:
    """One line per import that its package's rule rules out, or lazy without a comment saying why."""
    modules = product_modules(root)
    rules = rules_of(modules)
    broken: dict[str, None] = {}  # ordered, each line once (`from m import a, b` names m twice)
    for module, path in modules.items():
        package = package_of(module, rules)
        allowed = (package, *rules[package])
        for found in imports_of(path, root, modules):
            where = f"{path.relative_to(root)}:{found.line}"
            if not within(found.target, allowed):
                broken[f"{where}: imports {found.target}, which {package} may not"] = None
            elif found.lazy and not found.commented and not within(found.target, (package,)):
                broken[f"{where}: lazy import of {found.target} without a comment saying why"] = None
    return list(broken)


def circles(root: Path) -> list[list[str]]:
    """Import circles between product modules, counting module-level imports (lazy ones run later)."""
    modules = product_modules(root)
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for module, path in modules.items():
        for found in imports_of(path, root, modules):
            if not found.lazy and found.target in modules and found.target != module:
                graph[module].add(found.target)
    # A package's __init__ importing its own modules is how Python packages work, not a circle.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    found_circles, state = [], {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found_circles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [])
    return found_circles


def long_modules(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}: {count} lines"
        for path in product_modules(root).values()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]


def test_every_package_imports_only_what_its_docstring_allows() -> None:
    assert rule_breaks(ROOT) == []


def test_no_import_circle() -> None:
    assert [" -> ".join(circle) for circle in circles(ROOT)] == []


def test_no_product_module_passes_400_lines() -> None:
    assert long_modules(ROOT) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CORE = '"""Pure.\n\nMay import: nothing else of the tracker.\n"""\n'
STORAGE = '"""Writes.\n\nMay import: `tracker.core`.\n"""\n'


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tracker/core/a.py": "from tracker.core import b\n", "tracker/core/b.py": ""}, []),
        (
            {"tracker/core/a.py": "\nfrom tracker.storage import w\n"},
            ["tracker/core/a.py:2: imports tracker.storage.w, which tracker.core may not"],
        ),
        ({"tracker/storage/w.py": "from tracker.core.a import x\n"}, []),
        (
            {"tracker/storage/w.py": "def f():\n    from tracker.core import a\n"},
            ["tracker/storage/w.py:2: lazy import of tracker.core.a without a comment saying why"],
        ),
        (
            {"tracker/storage/w.py": "def f():\n    from tracker.core import a  # pandas: only when asked\n"},
            [],
        ),
        (
            {
                "tracker/storage/w.py": "def f():\n    # pandas: only when asked\n    import tracker.core\n"
                + "    import tracker.core.a\n"
            },
            [],
        ),
        (
            {
                "tracker/storage/w.py": "from typing import TYPE_CHECKING\n"
                + "if TYPE_CHECKING:\n    import dashboard.x\n"
            },
            ["tracker/storage/w.py:3: imports dashboard.x, which tracker.storage may not"],
        ),
    ],
)
def test_the_rule_test_names_the_file_and_line(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    base = {
        "tracker/__init__.py": '"""Top.\n\nMay import: `tracker.core`.\n"""\n',
        "tracker/core/__init__.py": CORE,
        "tracker/core/a.py": "",
        "tracker/storage/__init__.py": STORAGE,
        "tracker/storage/w.py": "",
        "dashboard/__init__.py": '"""UI.\n\nMay import: `tracker.core`.\n"""\n',
        "dashboard/x.py": "",
    }
    root = _tree(tmp_path, {**base, **files})
    assert rule_breaks(root) == expected


def test_circles_are_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "tracker/__init__.py": '"""Top.\n\nMay import: `tracker.core`.\n"""\n',
            "dashboard/__init__.py": '"""UI.\n\nMay import: `tracker.core`.\n"""\n',
            "tracker/core/__init__.py": CORE,
            "tracker/core/a.py": "from tracker.core import b\n",
            "tracker/core/b.py": "from tracker.core.a import x\n",
            "tracker/core/c.py": "def f():\n    from tracker.core import a  # lazy: after both loaded\n",
        },
    )
    assert circles(root) == [["tracker.core.a", "tracker.core.b", "tracker.core.a"]]


def test_long_modules_are_named(tmp_path: Path) -> None:
    root = _tree(
        tmp_path, {"tracker/__init__.py": "", "dashboard/__init__.py": "", "tracker/big.py": "x = 1\n" * 401}
    )
    assert long_modules(root) == ["tracker/big.py: 401 lines"]


# The loggers operators filter on (journalctl, log shippers): their names are the modules' names before the
# packages by stage, pinned as literals so that moving a module never renames its logger.
LOGGERS = {
    "tracker.archive",
    "tracker.archive_file",
    "tracker.backfill",
    "tracker.commands.export",
    "tracker.commands.hub",
    "tracker.commands.snapshots",
    "tracker.crawl",
    "tracker.database",
    "tracker.demo",
    "tracker.emulator",
    "tracker.emulator.real",
    "tracker.emulator.server",
    "tracker.hub",
    "tracker.migrations",
    "tracker.notices",
    "tracker.notify",
    "tracker.progress",
    "tracker.rollups",
    "tracker.scheduler",
    "tracker.snapshot",
    "tracker.store",
}


def logger_names(root: Path) -> dict[str, set[str]]:
    """Every `logging.getLogger(...)` argument in the product that names a tracker logger, by file."""
    found: dict[str, set[str]] = {}
    for path in product_modules(root).values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "getLogger" and node.args:
                arg = node.args[0]
                name = arg.value if isinstance(arg, ast.Constant) else ast.unparse(arg)
                if name == "__name__" or str(name).startswith("tracker"):
                    found.setdefault(str(path.relative_to(root)), set()).add(str(name))
    return found


def test_loggers_keep_the_names_operators_filter_on() -> None:
    used = logger_names(ROOT)
    unknown = {path: names - LOGGERS for path, names in used.items() if names - LOGGERS}
    assert unknown == {}, "a logger must be named by a literal from LOGGERS, never __name__"
    assert set().union(*used.values()) == LOGGERS
