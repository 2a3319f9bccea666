"""dbt on local Spark in this process, for the tests of the input layer.

dbt-spark's `session` method takes the process's SparkSession
(`SparkSession.builder.getOrCreate()`), so the session made here, with its
warehouse and Derby metastore in a work directory, serves every dbt command
of the test run: the JVM starts once (about 50 s), not once per command.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from helpers.dbt_args import project_args


def spark_unavailable_reason() -> str | None:
    """Why the Spark variant cannot run here, or None. CI installs pyspark,
    dbt-spark and Java: there nothing skips unless LIFECYCLE_SKIP_SPARK=1."""
    if os.environ.get("LIFECYCLE_SKIP_SPARK") == "1":
        return "LIFECYCLE_SKIP_SPARK=1"
    for module in ("pyspark", "dbt.adapters.spark"):
        if importlib.util.find_spec(module.split(".")[0]) is None or (
            module == "dbt.adapters.spark"
            and importlib.util.find_spec("dbt.adapters.spark") is None
        ):
            return f"{module} is not installed (pip install -r requirements-spark.txt)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java (apt-get install openjdk-17-jre-headless)"
    return None


def spark_session(workdir: Path):
    """The process's SparkSession: local, UTC, warehouse and metastore in
    ``workdir`` (so that parallel runs never share a Derby database)."""
    from pyspark.sql import SparkSession

    workdir.mkdir(parents=True, exist_ok=True)
    return (
        SparkSession.builder.master("local[2]")
        .appName("customer_lifecycle tests")
        .config("spark.sql.warehouse.dir", str(workdir / "spark-warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={workdir / 'metastore_db'};create=true",
        )
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={workdir}")
        .enableHiveSupport()
        .getOrCreate()
    )


class SparkDbt:
    """dbt commands with ``--target spark`` in this process, and queries."""

    def __init__(self, workdir: Path) -> None:
        from dbt.cli.main import dbtRunner

        self.workdir = workdir
        self.spark = spark_session(workdir)
        self.messages: list[str] = []
        self.runner = dbtRunner(
            callbacks=[lambda event: self.messages.append(event.info.msg)]
        )

    def invoke(self, command: list[str], variables: dict) -> tuple[bool, str]:
        self.messages = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
            result = self.runner.invoke(
                [
                    *command,
                    "--target",
                    "spark",
                    *project_args(self.workdir),
                    "--vars",
                    json.dumps(variables),
                ]
            )
        output = "\n".join(str(message) for message in self.messages)
        return result.success, output + "\n" + str(result.exception or "")

    def query(self, sql: str) -> list[tuple]:
        """Rows as tuples; `varchar` casts written for DuckDB read as `string`,
        and the layer schemas DuckDB names `staging`, `audit`... read in the
        Spark build's `<target schema>_build_<layer>` (generate_schema_name)."""
        sql = sql.replace(" as varchar)", " as string)")
        sql = BUILD_LAYER.sub(rf"{SPARK_BUILD_PREFIX}_\1.", sql)
        return [tuple(row) for row in self.spark.sql(sql).collect()]


# A plain `dbt build --target spark` writes each layer to
# `<LIFECYCLE_SPARK_SCHEMA or lifecycle>_build_<layer>` (generate_schema_name.sql).
SPARK_BUILD_PREFIX = os.environ.get("LIFECYCLE_SPARK_SCHEMA", "lifecycle") + "_build"
BUILD_LAYER = re.compile(
    r"(?<![\w.`])(staging|audit|intermediate|marts|reference)\.(?=\w)"
)
