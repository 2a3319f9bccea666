"""The fixed cost of a build: the tiny fixture against an empty dbt project.

A build on tests/fixtures/tiny (18 orders, the vars of the tests' ``tiny_build``)
costs what dbt's start-up, parsing, the hooks and the per-node overhead cost: the
data are too small to matter. It is measured against a one-model dbt-duckdb
project (``select 1``) created in a temporary directory and built in the same run,
on the same loaded machine, so the ratio means something where the seconds alone
do not (2 cores shared with other work). Each build starts from an empty target
directory (a full parse), as every build of the tests does.

Reported: ``tiny_seconds`` and ``empty_seconds`` (medians over ``repeats``
alternating builds), ``tiny_to_empty_ratio`` (their quotient, from the rounded
numbers), the same for CPU seconds (user + system of dbt and DuckDB: less moved
by other work on the machine than wall time), per build
``startup_and_parse_seconds`` (wall time minus the run's ``elapsed_time`` in
run_results.json: interpreter, adapter, parse), the tiny
build's node counts and summed node seconds by resource type, and its slowest
nodes.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The vars of the tests' shared tiny build (tests/python/conftest.py TINY_VARS).
TINY_VARS = {
    "input_dir": str(ROOT / "tests" / "fixtures" / "tiny"),
    "as_of_date": "2024-03-31",
    "max_rejected_share": 0.5,
}
EMPTY_PROJECT = {
    "dbt_project.yml": (
        "name: empty\nversion: '1.0'\nconfig-version: 2\nprofile: empty\n"
    ),
    "profiles.yml": (
        "empty:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: empty.duckdb\n      threads: 2\n"
    ),
    "models/one.sql": "select 1 as id\n",
}


def write_empty_project(directory: Path) -> Path:
    """A one-model dbt-duckdb project (its own profile) in ``directory``."""
    for name, text in EMPTY_PROJECT.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def timed_build(project: Path, work: Path, variables: dict | None = None) -> dict:
    """``dbt build`` of ``project`` from an empty target dir: wall seconds, results.

    The warehouse goes to ``work/warehouse.duckdb`` (LIFECYCLE_DUCKDB_PATH, read
    by this project's profile only).
    """
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(work / "warehouse.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    args = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if variables:
        args += ["--vars", json.dumps(variables)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(
        args, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if completed.returncode:
        tail = completed.stdout[-3000:]
        raise RuntimeError(f"dbt build of {project} failed:\n{tail}")
    run_results = json.loads((work / "target" / "run_results.json").read_text())
    return {"seconds": seconds, "cpu_seconds": cpu, "run_results": run_results}


def resource_type(unique_id: str) -> str:
    """The resource type of a run_results unique_id (``test.project.name.hash``)."""
    return unique_id.split(".", 1)[0]


def node_counts(results: list[dict]) -> dict[str, int]:
    """Executed nodes per resource type (model, test, unit_test, seed, ...)."""
    return dict(sorted(Counter(resource_type(r["unique_id"]) for r in results).items()))


def node_seconds(results: list[dict]) -> dict[str, float]:
    """Summed execution_time per resource type (threads overlap: not wall time)."""
    totals: dict[str, float] = {}
    for r in results:
        kind = resource_type(r["unique_id"])
        totals[kind] = totals.get(kind, 0.0) + r["execution_time"]
    return {kind: round(total, 2) for kind, total in sorted(totals.items())}


def build_summary(build: dict) -> dict:
    """Wall and CPU seconds, start-up + parse seconds of one build (rounded)."""
    elapsed = build["run_results"]["elapsed_time"]
    return {
        "seconds": round(build["seconds"], 2),
        "cpu_seconds": round(build["cpu_seconds"], 2),
        "startup_and_parse_seconds": round(build["seconds"] - elapsed, 2),
    }


def summarise(tiny: list[dict], empty: list[dict]) -> dict:
    """Medians of the tiny and empty builds, their ratio, the tiny build's nodes.

    ``tiny`` and ``empty`` are build_summary dicts; the nodes come from the
    tiny build whose wall time is the median one (the upper median).
    """
    tiny_seconds = round(statistics.median(b["seconds"] for b in tiny), 2)
    empty_seconds = round(statistics.median(b["seconds"] for b in empty), 2)
    tiny_cpu = round(statistics.median(b["cpu_seconds"] for b in tiny), 2)
    empty_cpu = round(statistics.median(b["cpu_seconds"] for b in empty), 2)
    ordered = sorted(tiny, key=lambda b: b["seconds"])
    typical = ordered[len(ordered) // 2]
    return {
        "tiny_seconds": tiny_seconds,
        "empty_seconds": empty_seconds,
        # From the reported (rounded) numbers, so that the ratio can be checked.
        "tiny_to_empty_ratio": round(tiny_seconds / empty_seconds, 2),
        # CPU seconds (dbt and DuckDB, all threads) move less with the load
        # of a shared machine than wall seconds do.
        "tiny_cpu_seconds": tiny_cpu,
        "empty_cpu_seconds": empty_cpu,
        "tiny_to_empty_cpu_ratio": round(tiny_cpu / empty_cpu, 2),
        "tiny_startup_and_parse_seconds": typical["startup_and_parse_seconds"],
        "empty_startup_and_parse_seconds": round(
            statistics.median(b["startup_and_parse_seconds"] for b in empty), 2
        ),
        "node_counts": typical["node_counts"],
        "node_seconds": typical["node_seconds"],
        "slowest_nodes": typical["slowest_nodes"],
        "builds": {"tiny": tiny, "empty": empty},
    }


def measure_fixed_cost(work: Path, repeats: int = 1) -> dict:
    """Build the empty project and the tiny fixture ``repeats`` times, alternating."""
    tiny, empty = [], []
    with tempfile.TemporaryDirectory(prefix="empty_dbt_") as temporary:
        project = write_empty_project(Path(temporary))
        for attempt in range(repeats):
            empty.append(build_summary(timed_build(project, work / f"empty{attempt}")))
            build = timed_build(ROOT, work / f"tiny{attempt}", TINY_VARS)
            results = build["run_results"]["results"]
            slowest = sorted(results, key=lambda r: -r["execution_time"])[:10]
            tiny.append(
                {
                    **build_summary(build),
                    "node_counts": node_counts(results),
                    "node_seconds": node_seconds(results),
                    "slowest_nodes": [
                        [r["unique_id"], round(r["execution_time"], 2)] for r in slowest
                    ],
                }
            )
    return summarise(tiny, empty)


def fixed_cost_markdown(result: dict) -> str:
    """The fixed-cost section of the benchmark report."""
    counts = ", ".join(f"{n} {kind}" for kind, n in result["node_counts"].items())
    lines = [
        "## Fixed cost: the tiny fixture against an empty dbt project",
        "",
        "| build | s | CPU s | start-up + parse s |",
        "|---|---|---|---|",
        f"| tiny fixture | {result['tiny_seconds']} | {result['tiny_cpu_seconds']} "
        f"| {result['tiny_startup_and_parse_seconds']} |",
        f"| empty one-model project | {result['empty_seconds']} "
        f"| {result['empty_cpu_seconds']} "
        f"| {result['empty_startup_and_parse_seconds']} |",
        "",
        f"Ratio tiny/empty: {result['tiny_to_empty_ratio']} "
        f"(CPU: {result['tiny_to_empty_cpu_ratio']}). "
        f"Tiny build nodes: {counts} "
        f"({sum(result['node_counts'].values())} in all).",
    ]
    return "\n".join(lines) + "\n"
