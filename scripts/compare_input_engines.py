"""Compare the input layer (staging and audit tables) of a Spark build with a
DuckDB build of the same input and vars: same columns, same rows.

    python scripts/compare_input_engines.py lifecycle.duckdb.build \\
        --warehouse /tmp/wh [--metastore-dir .]

Both sides are read into pandas, every value written in one canonical text
(numbers to 12 significant digits, timestamps ISO, nulls as <null>), and the rows
sorted, so that row order and engine types (DuckDB varchar, Spark string) do not
matter. Prints one line per table and exits 1 when any differs. The Spark side
is the warehouse the `spark` target of profiles.yml wrote (its Derby metastore
lives in the directory dbt ran from: run this from there, after dbt ended).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from decimal import Decimal

import duckdb

TABLES = [
    "staging.base_input__orders",
    "staging.base_input__customers",
    "staging.base_input__touchpoints",
    "staging.base_input__survey_responses",
    "staging.base_input__marketing_spend",
    "staging.stg_input__orders",
    "staging.stg_input__customers",
    "staging.stg_input__touchpoints",
    "staging.stg_input__survey_responses",
    "staging.stg_input__marketing_spend",
    "audit.rejected_rows",
    "audit.source_row_counts",
    "audit.input_gates",
    "audit.input_warnings",
]


def canonical(value: object) -> str:
    """One text per value, whatever engine read it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<null>"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float | Decimal) or type(value).__name__.startswith("float"):
        number = float(value)
        return "<null>" if math.isnan(number) else f"{number:.12g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return canonical(value.item())
    return str(value)


def rows_of(records: list[tuple]) -> list[tuple[str, ...]]:
    return sorted(tuple(canonical(v) for v in record) for record in records)


def duckdb_rows(path: str, table: str) -> tuple[list[str], list[tuple[str, ...]]]:
    with duckdb.connect(path, read_only=True) as connection:
        result = connection.sql(f"select * from {table}")
        columns = result.columns
        return columns, rows_of(result.fetchall())


def spark_rows(spark, table: str) -> tuple[list[str], list[tuple[str, ...]]]:
    frame = spark.table(table)
    return frame.columns, rows_of([tuple(r) for r in frame.collect()])


def compare(duck_path: str, spark, tables: list[str]) -> list[str]:
    """One line per differing table (empty when all are equal)."""
    problems = []
    for table in tables:
        duck_columns, duck = duckdb_rows(duck_path, table)
        spark_columns, sparked = spark_rows(spark, table)
        problem = None
        if list(duck_columns) != list(spark_columns):
            problem = f"{table}: columns {duck_columns} vs {spark_columns}"
        elif duck != sparked:
            only_duck = sorted(set(duck) - set(sparked))
            only_spark = sorted(set(sparked) - set(duck))
            problem = (
                f"{table}: {len(duck)} vs {len(sparked)} rows; DuckDB only"
                f" {only_duck[:3]}; Spark only {only_spark[:3]}"
            )
        print(f"{table}: {len(duck)} rows, {'DIFFERENT' if problem else 'EQUAL'}")
        if problem:
            problems.append(problem)
    return problems


def spark_session(warehouse: str):
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.session.timeZone", "UTC")
        .enableHiveSupport()
        .getOrCreate()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("duckdb_path", help="the DuckDB build (or published) file")
    parser.add_argument("--warehouse", default="spark-warehouse")
    args = parser.parse_args(argv)
    problems = compare(args.duckdb_path, spark_session(args.warehouse), TABLES)
    for line in problems:
        print("DIFFERENT", line)
    print("IDENTICAL input layer" if not problems else f"{len(problems)} tables differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
