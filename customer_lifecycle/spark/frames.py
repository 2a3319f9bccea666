"""Tables between Spark and the driver's DuckDB/pandas, with DuckDB's types.

On DuckDB a dbt Python model receives refs as DuckDB relations and its frame is
stored by DuckDB's own type inference. On Spark the build command gives the
same model code the same view: a Spark query's result comes to the driver as
Arrow and is opened in an in-memory DuckDB (``spark_to_duckdb``), and the
returned frame is typed by that same DuckDB inference, then written to Spark
with the matching Spark types (``write_frame``).
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pyarrow as pa

# DuckDB type of a stored frame column -> Spark SQL type.
_SPARK_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "UTINYINT": "smallint",
    "USMALLINT": "int",
    "UINTEGER": "bigint",
    "UBIGINT": "decimal(20,0)",
    "HUGEINT": "decimal(38,0)",
    "DOUBLE": "double",
    "FLOAT": "float",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


def _naive_utc(table: pa.Table) -> pa.Table:
    """Spark timestamps (instants, shown in the UTC session) as naive UTC."""
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = table.column(index).cast(pa.timestamp(field.type.unit, "UTC"))
            naive = column.cast(pa.timestamp(field.type.unit))
            table = table.set_column(index, field.name, naive)
    return table


def spark_to_duckdb(
    spark, sql: str, connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyRelation:
    """The result of a Spark SQL query as a DuckDB relation (data in the driver)."""
    table = _naive_utc(spark.sql(sql).toArrow())
    if connection is None:
        return duckdb.from_arrow(table)  # on DuckDB's default connection
    return connection.from_arrow(table)


def spark_type(duckdb_type: str, column: str, where: str) -> str:
    """Spark SQL type of a DuckDB column type; a clear error when unmapped."""
    text = str(duckdb_type).upper()
    if re.fullmatch(r"DECIMAL\(\d+,\s*\d+\)", text):
        return text.lower().replace(" ", "")
    if text in _SPARK_TYPES:
        return _SPARK_TYPES[text]
    raise TypeError(
        f"{where}: column {column} has DuckDB type {text}, which has no Spark"
        " type here (customer_lifecycle/spark/frames.py)"
    )


def relation_schema(
    relation: duckdb.DuckDBPyRelation, where: str
) -> tuple[pa.Table, str]:
    """A DuckDB relation's rows (Arrow, microsecond timestamps) and Spark DDL."""
    ddl = ", ".join(
        f"`{name}` {spark_type(kind, name, where)}"
        for name, kind in zip(relation.columns, relation.types, strict=True)
    )
    table = relation.fetch_arrow_table()
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(
                index, field.name, table.column(index).cast(pa.timestamp("us"))
            )
    return table, ddl


def write_relation(spark, relation: duckdb.DuckDBPyRelation, name: str) -> None:
    """Store a DuckDB relation's rows as the Spark table ``name`` (replaced)."""
    table, ddl = relation_schema(relation, name)
    data = spark.createDataFrame(table, schema=ddl)
    data.write.mode("overwrite").format("parquet").saveAsTable(name)


def write_frame(spark, frame: pd.DataFrame, name: str) -> None:
    """Store a model's frame as the Spark table ``name``, typed as DuckDB would
    store it (dbt-duckdb creates the table from the frame by DuckDB's own
    inference: the same here)."""
    connection = duckdb.connect()
    try:
        connection.register("model_frame", frame)
        write_relation(spark, connection.sql("select * from model_frame"), name)
    finally:
        connection.close()
