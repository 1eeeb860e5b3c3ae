"""The imports go one way: no circle, and no module imports from a layer above its own.

Read from the source (``ast``), every import counted, those inside functions and under
``TYPE_CHECKING`` too: a circle drawn by a late import is still a circle to a reader. Layers,
lowest first (docs/architecture.md draws them):

0. ``retrieval`` (the answer pipeline) and ``config`` (settings): neither imports ``bot``,
   and ``retrieval`` imports nothing of ``config`` either;
1. ``bot``'s parts: the log (``bot.logs``), the articles, fetching, wording, times, text;
2. the application, ``bot.app`` (one ask-and-log path) and ``bot.reload`` (swapping its engine);
3. the surfaces: the command line (``bot.cli``), Discord (``bot.discord``), the terminal's and
   JSON's presentation (``bot.present``, ``bot.explain``, ``bot.progress``) and ``bot.__main__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "config", "retrieval")

SURFACES = ("bot.cli", "bot.discord", "bot.present", "bot.explain", "bot.progress", "bot.__main__")
APPLICATION = ("bot.app", "bot.reload")


def layer(module: str) -> int:
    def within(prefixes: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    if within(("retrieval", "config")):
        return 0
    if within(SURFACES):
        return 3
    if within(APPLICATION):
        return 2
    return 1


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules ``name`` imports: ``from bot.logs import sql`` is bot.logs.sql,
    ``from bot.logs.models import Filters`` is bot.logs.models."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in known else base)
    out: set[str] = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_import_goes_up_a_layer() -> None:
    upward = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name, targets in graph().items()
        for target in sorted(targets)
        if layer(target) > layer(name)
    ]
    assert not upward, "\n".join(upward)


def test_retrieval_imports_neither_bot_nor_config_and_config_no_bot() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in sorted(targets)
        if (name.startswith("retrieval") and target.split(".")[0] in ("bot", "config"))
        or (name.startswith("config") and target.split(".")[0] == "bot")
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components: any with more than one module is a circle."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert not circles, "import circles: " + "; ".join(" ↔ ".join(c) for c in circles)


def test_each_log_driver_imports_only_what_lies_below_it() -> None:
    """The SQLite and PostgreSQL drivers know the protocol, the shared SQL and the values,
    never each other nor the factory that chooses between them."""
    edges = graph()
    below = {"bot.logs.store", "bot.logs.sql", "bot.logs.models", "bot.logs.schema",
             "bot.logs.migrate", "bot.text", "bot.times"}  # fmt: skip
    for driver in ("bot.logs.sqlite", "bot.logs.postgres"):
        assert edges[driver] <= below, f"{driver} imports {sorted(edges[driver] - below)}"


def test_the_layer_test_sees_imports() -> None:
    """A guard on the guard: it finds the imports it is meant to judge."""
    edges = graph()
    assert "bot.logs.store" in edges["bot.logs.sqlite"]
    assert "bot.app" in edges["bot.cli.common"]
    assert "retrieval.corpus" in edges["bot.articles"]
