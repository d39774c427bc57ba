"""The house's floors, read from the code's own imports: no circle, and no arrow that runs back up.

Each module stands on one floor (the longest prefix below names it); it may import its own floor
and the floors under it, never one above. Capabilities stand side by side and do not import one
another: they talk through ``bot/escalations`` or an outbox item. ``integrations/`` imports only
the ground floor and is imported only by the entry points, which wire it in.

``python -m tests.test_import_layers`` lists every import that breaks a rule, with its line.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "integrations")

# Top floor first. A module's floor is the one whose prefix names it most closely.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entry points", ("bot.__main__", "bot.cli", "bot.demo", "bot.app", "bot.worker")),
    ("edges", ("handlers", "bot.delivery")),
    (
        "capabilities",
        (
            "bot.dashboard",
            "bot.drafts",
            "bot.incidents",
            "bot.jira",
            "bot.money",
            "bot.kyc",
            "bot.reports",
            "bot.resolutions",
            "bot.timers",
            "bot.transactions",
        ),
    ),
    ("the hub", ("bot.escalations",)),
    ("messages", ("bot.slack_messages",)),
    ("services", ("bot.services",)),
    ("desk", ("bot.desk",)),
    ("store", ("bot.store",)),
    ("ground", ("bot",)),
    ("integrations", ("integrations",)),
)
CAPABILITIES = dict(FLOORS)["capabilities"]
GROUND = len(FLOORS) - 2
INTEGRATIONS = len(FLOORS) - 1


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.target}"


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue  # alembic's scripts, run by alembic, not imported
            name = ".".join(rel.parts).removesuffix(".__init__")
            found[name] = path
    return found


def _known(name: str, found: dict[str, Path]) -> str | None:
    while name and name not in found:
        name = name.rpartition(".")[0]
    return name or None


def imports(found: dict[str, Path]) -> Iterator[Import]:
    for module, path in found.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                # `from pkg import mod` runs pkg/__init__.py too: an arrow to both.
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for name in names:
                target = _known(name, found)
                if target and target != module:
                    yield Import(module, target, path, node.lineno)


def floor(module: str) -> int:
    best, level = -1, -1
    for n, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), n
    return level


def capability(module: str) -> str | None:
    return next((c for c in CAPABILITIES if module == c or module.startswith(c + ".")), None)


def broken_rules(edges: list[Import]) -> list[str]:
    wrong: list[str] = []
    for edge in edges:
        source, target = floor(edge.source), floor(edge.target)
        if source == INTEGRATIONS and target not in (GROUND, INTEGRATIONS):
            wrong.append(f"{edge}: integrations import only the ground floor")
        elif target == INTEGRATIONS and source not in (0, INTEGRATIONS):
            wrong.append(f"{edge}: only the entry points wire in integrations")
        elif source != INTEGRATIONS and target != INTEGRATIONS and target < source:
            up = FLOORS[target][0]
            wrong.append(f"{edge}: runs back up, from {FLOORS[source][0]} to {up}")
        elif source == target == 2 and capability(edge.source) != capability(edge.target):
            wrong.append(f"{edge}: one capability reaches into another")
    return wrong


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            member, component = "", []
            while member != node:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def room(module: str) -> str:
    """The folder a module stands in (a module of its own on the ground floor of bot/)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or parts[0] != "bot" else module


def _graph(edges: list[Import], key: object = None) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        a, b = (room(edge.source), room(edge.target)) if key else (edge.source, edge.target)
        if a != b:
            graph[a].add(b)
    return graph


EDGES = list(imports(modules()))


def test_every_module_stands_on_a_floor() -> None:
    assert [m for m in modules() if floor(m) < 0] == []


def test_no_import_runs_back_up() -> None:
    assert broken_rules(EDGES) == []


def test_no_circle_of_modules() -> None:
    assert circles(_graph(EDGES)) == []


def test_no_circle_of_rooms() -> None:
    assert circles(_graph(EDGES, key=room)) == []


def test_the_reader_sees_an_upward_import() -> None:
    """The rules catch what they are for (a made-up edge, not one of the code's)."""
    fake = Import("bot.store.db", "bot.escalations.intake", ROOT / "bot/store/db.py", 1)
    sideways = Import("bot.jira.links", "bot.drafts.flow", ROOT / "bot/jira/links.py", 1)
    assert len(broken_rules([fake, sideways])) == 2
    assert circles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]


def test_from_a_package_import_counts_as_importing_the_package(tmp_path: Path) -> None:
    """`from pkg import body` runs pkg/__init__.py: a face that imports its modules is a circle."""
    (tmp_path / "__init__.py").write_text("from pkg.endpoint import register\n")
    (tmp_path / "endpoint.py").write_text("from pkg import body\n")
    (tmp_path / "body.py").write_text("")
    found = {"pkg": tmp_path / "__init__.py", "pkg.endpoint": tmp_path / "endpoint.py"}
    found["pkg.body"] = tmp_path / "body.py"
    assert circles(_graph(list(imports(found)))) == [["pkg", "pkg.endpoint"]]


if __name__ == "__main__":
    problems = broken_rules(EDGES)
    problems += [f"circle of modules: {' '.join(c)}" for c in circles(_graph(EDGES))]
    problems += [f"circle of rooms: {' '.join(c)}" for c in circles(_graph(EDGES, key=room))]
    print("\n".join(problems) or "the house stands: no circle, no import back up")
    sys.exit(1 if problems else 0)
