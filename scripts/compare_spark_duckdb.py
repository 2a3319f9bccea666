"""Compare the tables of a Spark build with those of a DuckDB build (issue 21).

    python scripts/compare_spark_duckdb.py lifecycle.duckdb marts intermediate

For every table of the given schemas in Spark (the local metastore and
spark-warehouse of the working directory, as the spark target of profiles.yml
writes them; views are skipped): the same column names in the same order, the
same types (VARCHAR = string, INTEGER = int, DECIMAL(p,s) = decimal(p,s), ...),
the same number of rows and the same rows, sorted on every column; doubles equal
within 1e-9 relative (Spark adds doubles up in another order). Prints EQUAL or
DIFF per table; exits 1 when any table differs or is missing in DuckDB.

Run it when no other Spark process holds the metastore (the local Derby
metastore takes one process at a time), or call compare() with a session.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import math
import sys

import duckdb

TYPE_NAMES = {
    "VARCHAR": "string",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "BOOLEAN": "boolean",
}
RELATIVE_TOLERANCE = 1e-9


def spark_type(duckdb_type: str) -> str:
    """The Spark type name of a DuckDB type (DECIMAL(18,2) -> decimal(18,2))."""
    return TYPE_NAMES.get(duckdb_type, duckdb_type.lower().replace(" ", ""))


def plain(value):
    """A value both engines return alike: decimals as floats, naive timestamps."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value


def sort_key(row: tuple) -> tuple:
    """Nulls first; doubles rounded so that 1e-9 noise does not reorder rows."""
    return tuple(
        (0, "") if v is None else (1, round(v, 6) if isinstance(v, float) else v)
        for v in row
    )


def same_value(left, right) -> bool:
    """Equal, both null, both NaN, or doubles within the relative tolerance."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        scale = max(abs(left), abs(right))
        return left == right or abs(left - right) <= RELATIVE_TOLERANCE * scale
    return left == right


def table_problems(spark, con, table: str) -> list[str]:
    """What differs between the Spark and the DuckDB table (empty: equal)."""
    frame = spark.table(table)
    described = con.execute(f"describe {table}").fetchall()
    names = [row[0] for row in described]
    if names != frame.columns:
        return [f"columns: duckdb {names}, spark {frame.columns}"]
    spark_types = dict(frame.dtypes)
    problems = [
        f"type of {name}: duckdb {kind}, spark {spark_types[name]}"
        for name, kind, *_ in described
        if spark_types[name].replace(" ", "") != spark_type(kind)
    ]
    duck_rows = [
        tuple(map(plain, r)) for r in con.execute(f"select * from {table}").fetchall()
    ]
    spark_rows = [tuple(map(plain, r)) for r in frame.collect()]
    if len(duck_rows) != len(spark_rows):
        return [*problems, f"rows: duckdb {len(duck_rows)}, spark {len(spark_rows)}"]
    differing = [
        f"{names[i]}: duckdb {a!r}, spark {b!r}"
        for duck, spark_row in zip(
            sorted(duck_rows, key=sort_key),
            sorted(spark_rows, key=sort_key),
            strict=True,
        )
        for i, (a, b) in enumerate(zip(duck, spark_row, strict=True))
        if not same_value(a, b)
    ]
    if differing:
        problems.append(f"{len(differing)} values differ, first {differing[0]}")
    return problems


def spark_tables(spark, schemas: list[str]) -> list[str]:
    """schema.table of every table (not view) of the schemas in Spark."""
    tables = []
    for schema in schemas:
        if not spark.catalog.databaseExists(schema):
            continue
        for table in spark.catalog.listTables(schema):
            if table.tableType != "VIEW" and not table.isTemporary:
                tables.append(f"{schema}.{table.name}")
    return sorted(tables)


def compare(spark, duckdb_path: str, schemas: list[str]) -> bool:
    """Print EQUAL or DIFF per table; True when every table is equal."""
    con = duckdb.connect(duckdb_path, read_only=True)
    all_equal = True
    for table in spark_tables(spark, schemas):
        try:
            problems = table_problems(spark, con, table)
        except duckdb.CatalogException:
            problems = ["missing in duckdb"]
        all_equal = all_equal and not problems
        print(("DIFF " if problems else "EQUAL ") + table, "; ".join(problems))
    return all_equal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("duckdb_path", help="the DuckDB build, e.g. lifecycle.duckdb")
    parser.add_argument("schemas", nargs="+", help="schemas to compare, e.g. marts")
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.enableHiveSupport().getOrCreate()
    return 0 if compare(spark, args.duckdb_path, args.schemas) else 1


if __name__ == "__main__":
    sys.exit(main())
