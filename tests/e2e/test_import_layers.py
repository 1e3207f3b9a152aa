"""The import structure the design states (pyproject's [tool.importlinter], run by lint-imports):
what import-linter's contracts leave out is checked here over grimp's graph of the same code."""

from __future__ import annotations

import re
import tomllib

import grimp
import pytest

from tests.helpers.paths import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
PACKAGES = ("scanner", "connectors", "classifiers")


def contract(contract_id: str) -> dict:
    (found,) = [c for c in CONFIG["contracts"] if c.get("id") == contract_id]
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def circles(graph: grimp.ImportGraph, ignored: set[tuple[str, str]]) -> list[set[str]]:
    """Strongly connected sets of modules (import circles) once ``ignored`` edges are removed."""
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if (m, i) not in ignored}
             for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(edges):  # Tarjan's algorithm, iteratively
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.add(m)
                    if m == node:
                        break
                if len(group) > 1:
                    found.append(group)
    return found


def test_circles_are_found_when_there_are_some() -> None:
    """The search below means something: on a graph with a circle (a -> b -> c -> a, d -> a) it
    finds that circle and nothing else, and ignoring one of its edges removes it."""
    g = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c", "p.d"):
        g.add_module(m)
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.d", "p.a")):
        g.add_import(importer=importer, imported=imported)
    assert circles(g, set()) == [{"p.a", "p.b", "p.c"}]
    assert circles(g, {("p.c", "p.a")}) == []


def test_no_import_circles_between_any_two_modules(graph: grimp.ImportGraph) -> None:
    """Module by module, across the three packages (acyclic_siblings looks inside one package
    at a time): no circle but those the contract's ignore_imports name."""
    ignored = {tuple(e.split(" -> ")) for e in contract("acyclic").get("ignore_imports", [])}
    assert circles(graph, ignored) == []


def test_every_module_of_scanner_has_a_layer(graph: grimp.ImportGraph) -> None:
    """A new module of ``scanner`` is placed in the layers on purpose, not left unchecked."""
    named = set(re.findall(r"scanner\.\w+", " ".join(contract("house")["layers"])))
    assert graph.find_children("scanner") - named == set()


def test_no_connector_imports_a_classifier_but_the_listed_edges(graph: grimp.ImportGraph) -> None:
    ignored = {tuple(e.split(" -> ")) for e in contract("apart").get("ignore_imports", [])}
    direct = {
        (m, i)
        for m in graph.find_descendants("connectors") | {"connectors"}
        for i in graph.find_modules_directly_imported_by(m)
        if i.split(".")[0] == "classifiers"
    }
    assert direct <= ignored
    assert ("connectors.db_summary", "classifiers.column_names") not in direct
    assert "connectors.db_summary" not in graph.modules  # moved up: scanner.stages.columns
