"""The Spark driver's parts on a local Spark: the 8 dbt Python models run in
the driver (customer_lifecycle.spark.models) give the tables they give on
DuckDB, with the same column types; publishing swaps the public views.

Independent of the SQL port: each model's parents are copied from the DuckDB
demo build into a local Spark (in-memory catalog), the model runs through the
shim, and its Spark table is compared with the DuckDB build's table of the same
model (every row and value; fit_seconds aside). Skipped, with the reason, where
pyspark or Java is missing; CI installs both (.ci/run).
"""

from __future__ import annotations

import json
import shutil

import pytest

from customer_lifecycle.spark.compare import compare_frames

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark not installed (requirements-spark.txt)"
)
if shutil.which("java") is None:
    pytest.skip("java not found (openjdk-17-jre-headless)", allow_module_level=True)

from customer_lifecycle.spark.frames import spark_to_duckdb, write_relation  # noqa: E402
from customer_lifecycle.spark.models import quoted, run_python_model  # noqa: E402
from customer_lifecycle.spark.publish import publish_build  # noqa: E402
from customer_lifecycle.spark.waves import python_models  # noqa: E402

PROJECT_ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


def _sorted(frame):
    columns = [c for c in frame.columns if c != "fit_seconds"]
    frame = frame.sort_values(columns, kind="stable", ignore_index=True)
    return frame.assign(row_number=range(len(frame)))


def test_python_models_equal_duckdb_on_spark(spark, demo_build):
    manifest = json.loads(
        (demo_build.database.parent / "target" / "manifest.json").read_text()
    )
    models = sorted(python_models(manifest))
    assert len(models) == 8
    differences = []
    with demo_build.connect() as duckdb_connection:
        for uid in models:
            node = manifest["nodes"][uid]
            for parent_id in node["depends_on"]["nodes"]:
                parent = manifest["nodes"][parent_id]
                spark.sql(f"create database if not exists `{parent['schema']}`")
                write_relation(
                    spark,
                    duckdb_connection.table(f"{parent['schema']}.{parent['alias']}"),
                    quoted(parent["schema"], parent["alias"]),
                )
            out = {**node, "schema": "python_out"}
            run_python_model(spark, out, manifest, PROJECT_ROOT)
            expected = duckdb_connection.table(f"{node['schema']}.{node['alias']}")
            got = spark_to_duckdb(
                spark, f"select * from {quoted('python_out', node['alias'])}"
            )
            # Read back, the Spark table has the DuckDB table's column types
            # (Spark has no nanosecond timestamps: TIMESTAMP_NS comes back as
            # TIMESTAMP, microseconds).
            want_types = [
                str(t).replace("TIMESTAMP_NS", "TIMESTAMP") for t in expected.types
            ]
            got_types = [str(t) for t in got.types]
            if (got.columns, got_types) != (expected.columns, want_types):
                differences.append(
                    f"{node['name']}: {got.columns} {got_types} != "
                    f"{expected.columns} {want_types}"
                )
            differences += compare_frames(
                node["name"], _sorted(expected.df()), _sorted(got.df()), ["row_number"]
            )
    assert differences == []


def _fake_build(spark, prefix, value):
    for layer, table in (("marts", "churn_scores_v1"), ("audit", "rejected_rows")):
        spark.sql(f"create database if not exists {prefix}_{layer}")
        spark.sql(
            f"create table {prefix}_{layer}.{table} using parquet as "
            f"select {value} as value"
        )
    spark.sql(f"create database if not exists {prefix}_staging")


def test_publish_swaps_views_keeps_the_previous_build(spark):
    builds = [f"pub_build_2026010{day}000000" for day in (1, 2, 3, 4)]
    for number, prefix in enumerate(builds[:3], start=1):
        _fake_build(spark, prefix, number)
    # the session's temporary views (the landing's) are not the build's
    spark.sql("create or replace temporary view input_csv_orders as select 1 as a")
    assert publish_build(spark, "pub", builds[0]) == [
        "churn_scores_v1",
        "rejected_rows",
    ]
    assert spark.table("pub.churn_scores_v1").first()["value"] == 1
    _fake_build(spark, builds[3], 4)  # a build started later, still running
    publish_build(spark, "pub", builds[2])
    assert spark.table("pub.churn_scores_v1").first()["value"] == 3
    assert spark.table("pub.rejected_rows").first()["value"] == 3
    assert spark.table("pub.published_build").first()["build_schema"] == builds[2]
    schemas = {
        row[0] for row in spark.sql("show databases like 'pub_build_*'").collect()
    }
    # Kept: the new build, the one it replaced (builds[0]), the later one;
    # dropped: builds[1], never published and older.
    assert {name.rsplit("_", 1)[0] for name in schemas} == {
        builds[0],
        builds[2],
        builds[3],
    }
