"""Shared fixtures: build the warehouse with dbt into a temporary DuckDB file.

pytest runs in parallel (pytest-xdist, ``-n auto --dist loadfile`` in
pyproject.toml: every test of a file on one worker). A warehouse that several
files use (tiny, demo, CDNOW...) is built once per pytest run, whichever worker
asks first, under a file lock; the other workers wait for it and read the same
file (``shared_build``).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pytest
from helpers.dbt_args import project_args

from customer_lifecycle.publish import build_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
# CDNOW ships with the project (data/cdnow_raw/, source and terms in its README).
CDNOW_SOURCE = PROJECT_ROOT / "data" / "cdnow_raw" / "CDNOW_master.txt"
# The vars of the shared tiny build (tiny_build); test_publish starts from a copy.
TINY_VARS = {
    "input_dir": str(FIXTURES / "tiny"),
    "as_of_date": "2024-03-31",
    "max_rejected_share": 0.5,
}


@dataclass
class BuildResult:
    returncode: int
    output: str
    database: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.database), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as connection:
            return connection.sql(sql).fetchall()

    def frame(self, sql: str):
        with self.connect() as connection:
            return connection.sql(sql).df()


def dbt_build(
    workdir: Path,
    variables: dict | None = None,
    command: str = "build",
    select: str | None = None,
) -> BuildResult:
    """Run `dbt <command>` on the project; publish to ``workdir/warehouse.duckdb``.

    dbt builds into ``warehouse.duckdb.build`` and publishes over
    ``warehouse.duckdb`` after a full, passing build (customer_lifecycle.publish).
    ``BuildResult.database`` is the published file for a full build, the build
    file for a partial one (``select``) or another command, which never publish.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    published = workdir / "warehouse.duckdb"
    full_build = command == "build" and select is None
    database = published if full_build else build_path(published)
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(published),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).parent / "dbt"
    args = [
        str(dbt),
        command,
        *project_args(workdir),
    ]
    if variables:
        args += ["--vars", json.dumps(variables)]
    if select:
        args += ["--select", select]
    completed = subprocess.run(
        args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    return BuildResult(
        completed.returncode, completed.stdout + completed.stderr, database
    )


def shared_build(
    tmp_path_factory, name: str, build: Callable[[Path], BuildResult]
) -> BuildResult:
    """``build(workdir)`` once per pytest run, shared by every xdist worker.

    The first worker to ask builds under an exclusive lock and records the
    result beside the build; the others wait on the lock and read the record.
    A failed build is recorded too, so every test that needs it fails with
    the same output instead of building again.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the base directory all workers share
    workdir = root / f"shared-{name}"
    record = root / f"shared-{name}.json"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.exists():
            saved = json.loads(record.read_text())
            return BuildResult(
                saved["returncode"], saved["output"], Path(saved["database"])
            )
        result = build(workdir)
        saved = {**asdict(result), "database": str(result.database)}
        record.write_text(json.dumps(saved))
        return result


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> BuildResult:
    """The hand-made dataset of tests/fixtures/tiny, as of 2024-03-31."""
    result = shared_build(
        tmp_path_factory,
        "tiny",
        lambda workdir: dbt_build(workdir, TINY_VARS),
    )
    assert result.returncode == 0, result.output[-4000:]
    return result


@pytest.fixture(scope="session")
def cdnow_build(tmp_path_factory) -> BuildResult:
    """CDNOW (real data) as of 1997-09-30, the literature's 39-week calibration.

    Orders after that date stay in the input: they are the holdout.
    """
    from customer_lifecycle.cdnow import convert

    assert CDNOW_SOURCE.exists(), f"CDNOW not found at {CDNOW_SOURCE}"

    def build(workdir: Path) -> BuildResult:
        convert(CDNOW_SOURCE, workdir / "input")
        return dbt_build(
            workdir,
            {"input_dir": str(workdir / "input"), "as_of_date": "1997-09-30"},
        )

    result = shared_build(tmp_path_factory, "cdnow", build)
    assert result.returncode == 0, result.output[-4000:]
    return result


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> BuildResult:
    """The committed demo data (data/demo), default vars: what `dbt build` does."""
    result = shared_build(tmp_path_factory, "demo", dbt_build)
    assert result.returncode == 0, result.output[-4000:]
    return result


# xdist (pyproject's addopts: --dist loadfile --no-loadscope-reorder) hands out
# whole files in this order: each worker takes one, and one more while it has at
# most 2 tests pending. The Spark demo build (about 15 min on 2 cores) goes first,
# so one worker runs it while the other runs the rest instead of it being the
# run's tail; the heavy bad-input corpus goes to the other worker, and the first
# worker's second file is a light one (static checks of the package). Then the
# files with the most tests.
FIRST_FILES = (
    "test_spark_build.py",
    "test_input_corpus.py",
    "test_package_structure.py",
)


def pytest_collection_modifyitems(items):
    per_file = Counter(item.path for item in items)

    def order(item):
        name = item.path.name
        first = FIRST_FILES.index(name) if name in FIRST_FILES else len(FIRST_FILES)
        return (first, -per_file[item.path], str(item.path))

    items.sort(key=order)
