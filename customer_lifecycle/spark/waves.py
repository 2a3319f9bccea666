"""Waves of a Spark build: dbt runs the SQL, the driver runs the Python models.

From dbt's manifest: wave 1 is every node (model, seed, snapshot, data test,
unit test) with no Python model among its ancestors; then each Python model
whose parents are all built runs in the driver; the next wave is every node
whose Python ancestors are now built; and so on until the graph is done. A
test goes in the first wave in which all its parents are built, so a test that
spans two waves runs once, whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

BUILT = ("model", "seed", "snapshot", "test", "unit_test")


@dataclass(frozen=True)
class Wave:
    """One step: a dbt selection (``sql``, unique ids) or Python models."""

    sql: tuple[str, ...] = ()
    python: tuple[str, ...] = ()


def buildable_nodes(manifest: dict) -> dict[str, dict]:
    """Every node a ``dbt build`` runs (but ephemeral models), by unique id."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in BUILT
        and node.get("config", {}).get("materialized") != "ephemeral"
    }
    nodes.update(manifest.get("unit_tests", {}))
    return nodes


def python_models(manifest: dict) -> set[str]:
    """Unique ids of the dbt Python models."""
    return {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node.get("language") == "python"
    }


def plan_waves(manifest: dict) -> list[Wave]:
    """The build's steps in order (see the module docstring)."""
    nodes = buildable_nodes(manifest)
    python = python_models(manifest)
    parents = {
        uid: [
            p
            for p in node.get("depends_on", {}).get("nodes", [])
            if p in manifest["nodes"]
        ]
        for uid, node in {**manifest["nodes"], **nodes}.items()
    }

    @cache
    def python_above(uid: str) -> frozenset[str]:
        found = set()
        for parent in parents.get(uid, []):
            if parent in python:
                found.add(parent)
            found |= python_above(parent)
        return frozenset(found)

    done_python: set[str] = set()
    remaining = set(nodes)
    waves = []
    while remaining:
        sql = sorted(
            uid for uid in remaining - python if python_above(uid) <= done_python
        )
        remaining -= set(sql)
        built = set(nodes) - remaining
        ready = sorted(
            uid
            for uid in remaining & python
            if all(p in built or p not in nodes for p in parents[uid])
        )
        if not sql and not ready:
            raise RuntimeError(f"no node can run next: {sorted(remaining)[:5]}")
        waves.append(Wave(tuple(sql), tuple(ready)))
        done_python |= set(ready)
        remaining -= set(ready)
    return _same_selector_same_wave(waves, nodes)


def _same_selector_same_wave(waves: list[Wave], nodes: dict[str, dict]) -> list[Wave]:
    """Nodes that one selector names (two generic tests of one name on two model
    versions) all run in the latest of their waves: a selector cannot pick one.
    Only tests share names, and nothing depends on a test, so later is safe."""
    wave_of = {uid: index for index, wave in enumerate(waves) for uid in wave.sql}
    latest: dict[str, int] = {}
    for uid, index in wave_of.items():
        term = selector(nodes[uid])
        latest[term] = max(latest.get(term, index), index)
    moved = [[] for _ in waves]
    for uid, _ in wave_of.items():
        moved[latest[selector(nodes[uid])]].append(uid)
    return [
        Wave(tuple(sorted(sql)), wave.python)
        for sql, wave in zip(moved, waves, strict=True)
    ]


def selector(node: dict) -> str:
    """A dbt --select term choosing exactly this node: its full fqn (a unit
    test: package and name, unique within a project)."""
    if node["resource_type"] == "unit_test":
        return f"unit_test:{node['package_name']}.{node['name']}"
    return "fqn:" + ".".join(node["fqn"])
