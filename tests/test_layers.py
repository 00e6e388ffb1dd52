"""bot/'s imports point down and never go round: read with `ast`, every import counts (inside
functions and under TYPE_CHECKING too: a lazy import that breaks a cycle is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Top to bottom: a module may import its own layer and the layers under it, never one above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("entry points", ("bot.__main__", "bot.console")),
    (
        "composition root and servers",
        (
            "bot.app",
            "bot.wiring",
            "bot.http",
            "bot.socket_mode",
            "bot.check",
            "bot.startup",
            "bot.devslack",
            "bot.devslack_calls",
            "bot.devslack_files",
            "bot.health",
        ),
    ),
    ("the Slack edge", ("bot.slack",)),
    ("alerts", ("bot.alerts",)),
    ("core", ("bot.core",)),
    (
        "Sync API client and storage",
        (
            "bot.firestartr",
            "bot.store",
            "bot.engine",
            "bot.postgres",
            "bot.sql",
            "bot.facts",
            "bot.migrations",
        ),
    ),
    ("the simulator (a program of its own)", ("bot.simulator",)),
    (
        "errors, settings and metrics",
        (
            "bot.errors",
            "bot.settings",
            "bot.redact",
            "bot.metrics",
            "bot.worker",
            "bot.times",
            "bot",
        ),
    ),
]

# Imports from a layer above that are still to be cut. Remove a line when its import goes:
# the test fails on a line that no longer holds.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The module of ours that `name` (a module, or a name inside one) is, if any."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else None


def _imports(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            # `from bot.slack import views` imports a module; `from bot.x import f`, a name.
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def layer_of(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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


def upward(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if layer_of(target) < layer_of(module)
        # A package's __init__ is its own name's layer; importing a module of it goes down.
        and not module.startswith(target + ".")
    }


def test_no_import_cycle_in_bot() -> None:
    assert cycles(GRAPH) == []


def test_no_module_imports_from_a_layer_above() -> None:
    found = upward(GRAPH)
    assert found - KNOWN_UPWARD == set(), "imports from a layer above"
    assert KNOWN_UPWARD - found == set(), "cut already: remove from KNOWN_UPWARD"


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_cycles_finds_a_loop_of_imports(graph: dict[str, set[str]], expected: list) -> None:
    assert cycles(graph) == expected


def test_the_walk_sees_imports_inside_functions_and_type_checking() -> None:
    # bot/app.py imports bot.check inside run_bot(); bot/slack/deps.py the alerts service.
    assert "bot.check" in GRAPH["bot.app"]
    assert "bot.alerts.service" in GRAPH["bot.slack.deps"]
    assert "bot.slack.alert_commands" in GRAPH["bot.slack.commands"]
    assert upward({"bot.core.x": {"bot.slack.y"}, "bot.slack.y": set()}) == {
        ("bot.core.x", "bot.slack.y")
    }
