"""Shared fixtures: build the warehouse with dbt into a temporary DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_lifecycle.publish import build_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CDNOW_SOURCE = PROJECT_ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_master.txt"


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
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
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


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> BuildResult:
    """The hand-made dataset of tests/fixtures/tiny, as of 2024-03-31."""
    result = dbt_build(
        tmp_path_factory.mktemp("tiny"),
        {
            "input_dir": str(FIXTURES / "tiny"),
            "as_of_date": "2024-03-31",
            "max_rejected_share": 0.5,
        },
    )
    assert result.returncode == 0, result.output[-4000:]
    return result


@pytest.fixture(scope="session")
def cdnow_build(tmp_path_factory) -> BuildResult:
    """CDNOW (real data) as of 1997-09-30, the literature's 39-week calibration.

    Orders after that date stay in the input: they are the holdout.
    """
    from customer_lifecycle.cdnow import convert

    assert CDNOW_SOURCE.exists(), f"CDNOW not found at {CDNOW_SOURCE} (../shared)"
    workdir = tmp_path_factory.mktemp("cdnow")
    convert(CDNOW_SOURCE, workdir / "input")
    result = dbt_build(
        workdir,
        {"input_dir": str(workdir / "input"), "as_of_date": "1997-09-30"},
    )
    assert result.returncode == 0, result.output[-4000:]
    return result


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> BuildResult:
    """The committed demo data (data/demo), default vars: what `dbt build` does."""
    result = dbt_build(tmp_path_factory.mktemp("demo"))
    assert result.returncode == 0, result.output[-4000:]
    return result
