"""The package's shape: no import cycles, layers that only import downwards, a core that
never imports the terminal layer.

The graph is read from the source (ast), with every import: module-level ones, those
inside functions (deferred for start-up time, but a dependency all the same) and those
under `if TYPE_CHECKING:` (a type is a dependency too; a layer that names another's
types for mypy is coupled to it). Importing `a.b.c` runs `a/__init__.py` and
`a/b/__init__.py` first; those implicit edges are left out, as a package's `__init__`
that registers its modules (`pmfit.cli`) or re-exports them lazily (`pmfit`) would
otherwise make every module of it a cycle with its package.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pmfit"

#: Each layer may import its own and lower layers only (lowest first). A name stands for
#: a module or a package and everything in it.
LAYERS: list[tuple[str, ...]] = [
    # Helpers with no domain knowledge: limits, errors, files, text, messages.
    (
        "pmfit.version",
        "pmfit.limits",
        "pmfit.exit_status",
        "pmfit.errors",
        "pmfit.fileio",
        "pmfit.located",
        "pmfit.interrupts",
        "pmfit.writing",
        "pmfit.text",
        "pmfit.i18n",
        "pmfit.validation",
    ),
    ("pmfit.bank",),
    ("pmfit.scoring", "pmfit.answers"),
    # What is built on scoring: many respondents, cohorts, the quiz, the bank's checks,
    # the published schemas.
    (
        "pmfit.batch",
        "pmfit.report",
        "pmfit.quiz",
        "pmfit.simulate",
        "pmfit.lint",
        "pmfit.schemas",
    ),
    ("pmfit.render",),
    ("pmfit.cli", "pmfit.__main__"),
    # The package's facade: `from pmfit import load_bank, score`.
    ("pmfit",),
]

#: The terminal layer: what the core (every layer below `pmfit.render`) never imports.
TERMINAL = ("typer", "rich", "pmfit.render", "pmfit.cli")

#: Cycles allowed for now, each with the reason (none: the pipeline work removed the
#: one between batch/run and batch/parallel).
ALLOWED_CYCLES: set[frozenset[str]] = set()


def _module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


@cache
def import_graph() -> dict[str, dict[str, int]]:
    """Every pmfit module -> every module it imports (pmfit's or a top-level third-party
    or standard one) -> the line of the first such import."""
    modules = _module_names()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                # `from a import b` imports the module a.b when there is one, else a.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                if not target.startswith("pmfit"):
                    target = target.partition(".")[0]
                elif target not in modules:  # `import pmfit.a.b` of a name inside a module
                    target = target.rpartition(".")[0]
                if target != name:
                    edges.setdefault(target, node.lineno)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    return "; ".join(
        f"{a} -> {b} (line {line})"
        for a in component
        for b, line in sorted(graph[a].items())
        if b in members
    )


def _unit(module: str, units: tuple[str, ...]) -> str | None:
    """The longest name of `units` that `module` is or is inside."""
    inside = [u for u in units if module == u or module.startswith(u + ".")]
    return max(inside, key=len) if inside else None


def _layer(module: str) -> int:
    units = tuple(u for layer in LAYERS for u in layer)
    unit = _unit(module, units)
    assert unit is not None, f"{module} is in no layer: add it to LAYERS"
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def test_the_graph_sees_every_kind_of_import() -> None:
    """The reader finds module-level, deferred, TYPE_CHECKING and `from package import
    module` imports (so that the tests below could fail)."""
    graph = import_graph()
    assert "pmfit.bank.model" in graph["pmfit.scoring.engine"]  # module level
    assert "pmfit.bank.loading" in graph["pmfit.cli.score"]  # inside the command function
    assert "numpy" in graph["pmfit.batch.rows"]  # under TYPE_CHECKING, and deferred
    assert "pmfit.scoring.engine" in graph["pmfit.simulate"]  # from pmfit.scoring import engine
    assert _cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}) == [
        ["a", "b", "c"]
    ]


def test_every_allowed_cycle_is_still_one() -> None:
    """An allowance outlives its cycle only until this fails: then delete it."""
    found = {frozenset(c) for c in _cycles(import_graph())}
    assert [sorted(c) for c in ALLOWED_CYCLES if c not in found] == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = [c for c in _cycles(graph) if frozenset(c) not in ALLOWED_CYCLES]
    assert not cycles, "import cycles: " + " | ".join(_describe(c, graph) for c in cycles)


def test_no_import_cycles_between_packages() -> None:
    """Modules may import each other within a package's layer, but the packages (and
    top-level modules) themselves form no cycle: `bank` does not import `scoring` to
    publish a result schema."""
    graph = import_graph()
    units = tuple(u for layer in LAYERS for u in layer if u != "pmfit")
    collapsed: dict[str, dict[str, int]] = {}
    for module, edges in graph.items():
        a = _unit(module, units) or module
        for target, line in edges.items():
            b = _unit(target, units) if target.startswith("pmfit") else None
            if b is not None and b != a:
                collapsed.setdefault(a, {}).setdefault(b, line)
        collapsed.setdefault(a, {})
    cycles = _cycles(collapsed)
    assert not cycles, "package cycles: " + " | ".join(_describe(c, collapsed) for c in cycles)


def test_every_import_points_down_the_layers() -> None:
    graph = import_graph()
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)}) "
        f"at line {line}"
        for module, edges in sorted(graph.items())
        for target, line in sorted(edges.items())
        if target.startswith("pmfit") and _layer(target) > _layer(module)
    ]
    assert not upward, "\n".join(upward)


def test_the_core_never_imports_the_terminal_layer() -> None:
    """Not typer, rich, the views or the commands: the core is usable from Python without
    a terminal, and testable without one."""
    graph = import_graph()
    render = _layer("pmfit.render")
    offending = [
        f"{module} imports {target} at line {line}"
        for module, edges in sorted(graph.items())
        if _layer(module) < render
        for target, line in sorted(edges.items())
        if _unit(target, TERMINAL)
    ]
    assert not offending, "\n".join(offending)


@pytest.mark.slow
def test_importing_the_whole_core_loads_no_terminal_module() -> None:
    """The same, as Python sees it: every core module imported in a fresh interpreter."""
    render = _layer("pmfit.render")
    core = sorted(m for m in import_graph() if _layer(m) < render)
    assert {"pmfit.bank.loading", "pmfit.scoring.engine", "pmfit.batch.run"} <= set(core)
    assert {"pmfit.answers", "pmfit.report.stats", "pmfit.quiz.session"} <= set(core)
    script = (
        "import importlib, json, sys\n"
        f"for name in {core!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    assert set(core) <= set(loaded)
    assert [m for m in loaded if _unit(m, TERMINAL)] == []


@pytest.mark.slow
@pytest.mark.parametrize("module", ["pmfit.render", "pmfit.cli"])
def test_the_terminal_layer_is_recognised(module: str) -> None:
    """The check above would see a terminal module if one were loaded."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import {module}, sys, json; print(json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert [m for m in json.loads(run.stdout) if _unit(m, TERMINAL)]


# --- What the single-score path imports (its start-up time is bench/startup.py's)


def test_every_command_is_where_the_lazy_table_says() -> None:
    """`pmfit.cli.app.COMMAND_MODULES` names each command's module, so that a run imports
    only the module of its command; every command registered is in it, and no other."""
    import importlib

    from typer.main import get_command_name

    from pmfit.cli.app import _GROUPS, COMMAND_MODULES

    for module in {m for table in COMMAND_MODULES.values() for m in table.values()}:
        importlib.import_module(f"pmfit.cli.{module}")
    for group, instance in _GROUPS.items():
        registered = {
            (info.name or get_command_name(info.callback.__name__)): info.callback.__module__
            for info in instance.registered_commands
            if info.callback is not None
        }
        table = {name: f"pmfit.cli.{m}" for name, m in COMMAND_MODULES[group].items()}
        assert registered == table, group


@pytest.mark.slow
def test_scoring_one_sheet_imports_only_what_it_uses(tmp_path: Path) -> None:
    """`pmfit score FILE --json` builds one command: no other command's module, no numpy
    (batch and report), no rich (nothing is drawn), no YAML parser (a JSON sheet), no
    codec module."""
    sheet = tmp_path / "a.json"
    sheet.write_text('{"answers": {"problem-focus-1": "a"}}', encoding="utf-8")
    script = (
        "import json, sys\n"
        f"sys.argv = ['pmfit', 'score', {str(sheet)!r}, '--json']\n"
        "from pmfit.cli import main\n"
        "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert json.loads(run.stdout)["recommendation"]
    loaded = set(json.loads(run.stderr))
    assert {"pmfit.cli.score", "pmfit.scoring.engine", "pmfit.bank.loading"} <= loaded
    commands = {m for m in loaded if m.startswith("pmfit.cli.")}
    assert commands <= {
        "pmfit.cli.app",
        "pmfit.cli.environment",
        "pmfit.cli.options",
        "pmfit.cli.inputs",
        "pmfit.cli.score",
    }
    assert not {m.partition(".")[0] for m in loaded} & {"numpy", "rich", "yaml"}
    # Nor the utf-8-sig codec's module: a byte-order mark is stripped by hand.
    assert "encodings.utf_8_sig" not in loaded
