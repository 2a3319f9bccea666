"""The demo built on local Spark by the build command equals the DuckDB build.

``python -m customer_lifecycle.build --target spark`` builds the demo data on a
local Spark (the 8 Python models in its driver) and publishes the public
views; then ``python -m customer_lifecycle.spark.compare`` compares every public
mart of the manifest (rows by primary key, numbers within 1e-9 relative,
fit_seconds aside) with the DuckDB demo build. Skipped, with the reason, where
pyspark or Java is missing; CI installs both (.ci/run). It runs in its own
working directory: the local metastore (Derby, metastore_db) and warehouse are
per directory.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT
from helpers.dbt_args import project_args
from test_readme import blocks, commands

pytest.importorskip("pyspark", reason="pyspark not installed (requirements-spark.txt)")
pytest.importorskip("dbt.adapters.spark", reason="dbt-spark not installed")
if shutil.which("java") is None:
    pytest.skip("java not found (openjdk-17-jre-headless)", allow_module_level=True)


def documented_commands() -> list[list[str]]:
    """The commands of docs/spark.md's first shell block, after `python -m`:
    what this test runs (test_readme skips them so that CI builds Spark once)."""
    first = next(
        b for b in blocks(PROJECT_ROOT / "docs" / "spark.md") if b.language == "bash"
    )
    found = [shlex.split(command) for command in commands(first.text)]
    assert all(command[:2] == ["python", "-m"] for command in found), found
    return [command[2:] for command in found]


def test_spark_commands_are_the_documented_ones():
    build, compare = documented_commands()
    assert build[:3] == ["customer_lifecycle.build", "--target", "spark"]
    assert compare[0] == "customer_lifecycle.spark.compare"


def _run(args, workdir, timeout):
    env = dict(
        os.environ,
        LIFECYCLE_SPARK_WAREHOUSE=str(workdir / "spark-warehouse"),
        LIFECYCLE_SPARK_SCHEMA="lifecycle",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("spark-demo")
    completed = _run(
        [
            *documented_commands()[0],
            *project_args(workdir),
            "--vars",
            json.dumps({"input_dir": str(PROJECT_ROOT / "data" / "demo")}),
        ],
        workdir,
        timeout=1800,
    )
    # dbt's and the build command's lines, without Spark's JSON log records.
    output = "\n".join(
        line
        for line in (completed.stdout + completed.stderr).splitlines()
        if not line.startswith('{"ts"')
    )
    assert completed.returncode == 0, output[-6000:]
    assert "PUBLISHED lifecycle" in output, output[-3000:]
    return workdir


def test_every_public_mart_equals_duckdb(spark_build, demo_build):
    completed = _run(
        [
            *(
                str(demo_build.database) if arg == "lifecycle.duckdb" else arg
                for arg in documented_commands()[1]
            ),
            "--manifest",
            str(demo_build.database.parent / "target" / "manifest.json"),
        ],
        spark_build,
        timeout=900,
    )
    output = completed.stdout + completed.stderr
    print(completed.stdout)
    assert completed.returncode == 0, completed.stdout[-6000:] or output[-3000:]
    assert "public marts compared: all equal" in completed.stdout
