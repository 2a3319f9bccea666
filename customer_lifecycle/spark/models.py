"""Run a dbt Python model in the Spark driver, with the same model code.

dbt-spark runs Python models only on Databricks (dbt-spark #415). The build
command runs each of them here instead: the model file is imported and its
``model(dbt, session)`` called with a ``dbt`` object like dbt-duckdb's, whose
``ref(name)`` is a DuckDB relation over the Spark table's rows. The relation is
lazy: ``filter``, ``project``, ``distinct`` and ``aggregate`` (the first steps
the models take) run in Spark, so only the rows and columns the fit reads come
to the driver (a sample, the distinct patterns); any other call (``order``,
``df``, ``arrow``...) brings the result into an in-memory DuckDB and goes on
there, exactly as on DuckDB. The returned frame is stored in Spark with the
types DuckDB would give it (customer_lifecycle.spark.frames).
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from customer_lifecycle.spark.frames import spark_to_duckdb, write_frame


def quoted(schema: str, identifier: str) -> str:
    """A Spark relation name, back-quoted."""
    return f"`{schema}`.`{identifier}`"


class SparkRef:
    """A DuckDB-relation look-alike over a Spark query, run in Spark until the
    first step DuckDB must take, then in the driver's DuckDB."""

    def __init__(self, spark, sql: str, connection: duckdb.DuckDBPyConnection):
        self._spark = spark
        self._sql = sql
        self._connection = connection

    def _then(self, sql: str) -> SparkRef:
        return SparkRef(self._spark, sql, self._connection)

    def filter(self, condition: str) -> SparkRef:
        return self._then(f"select * from ({self._sql}) as r where {condition}")

    def project(self, expressions: str) -> SparkRef:
        return self._then(f"select {expressions} from ({self._sql}) as r")

    def distinct(self) -> SparkRef:
        return self._then(f"select distinct * from ({self._sql}) as r")

    def aggregate(self, expressions: str, groups: str = "") -> SparkRef:
        group_by = f" group by {groups}" if groups else ""
        return self._then(f"select {expressions} from ({self._sql}) as r{group_by}")

    def to_duckdb(self) -> duckdb.DuckDBPyRelation:
        """The rows in the driver, as a DuckDB relation."""
        return spark_to_duckdb(self._spark, self._sql, self._connection)

    def __getattr__(self, name: str):
        return getattr(self.to_duckdb(), name)


class _Config(dict):
    """``dbt.config``: callable (ignored, dbt read it at parse) with ``get``."""

    def __call__(self, *args, **kwargs) -> None:
        return None


@dataclass
class ModelContext:
    """The ``dbt`` argument of a Python model: ref, source, config, this."""

    spark: object
    relations: dict[str, str]
    this: str
    config: _Config = field(default_factory=_Config)
    connection: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)

    def ref(self, name: str, *args, **kwargs) -> SparkRef:
        if name not in self.relations:
            raise KeyError(
                f"{self.this}: ref('{name}') is not a parent of this model in the"
                " manifest"
            )
        return SparkRef(
            self.spark, f"select * from {self.relations[name]}", self.connection
        )

    def source(self, source_name: str, table_name: str) -> SparkRef:
        return self.ref(f"{source_name}.{table_name}")

    def is_incremental(self) -> bool:
        return False


def model_context(spark, node: dict, manifest: dict) -> ModelContext:
    """The ``dbt`` object of a manifest Python model node."""
    relations = {}
    for parent_id in node["depends_on"]["nodes"]:
        parent = manifest["nodes"].get(parent_id) or manifest["sources"][parent_id]
        name = (
            f"{parent['source_name']}.{parent['name']}"
            if parent["resource_type"] == "source"
            else parent["name"]
        )
        relations[name] = quoted(
            parent["schema"], parent.get("alias") or parent["identifier"]
        )
    this = quoted(node["schema"], node["alias"])
    return ModelContext(spark, relations, this, _Config(node["config"]))


def load_model_function(path: Path):
    """The ``model`` function of a Python model file."""
    spec = importlib.util.spec_from_file_location(f"dbt_model_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def run_python_model(spark, node: dict, manifest: dict, project_dir: Path) -> float:
    """Run one Python model in the driver and store its frame; seconds taken."""
    started = time.perf_counter()
    context = model_context(spark, node, manifest)
    function = load_model_function(project_dir / node["original_file_path"])
    try:
        frame = function(context, spark)
        if hasattr(frame, "df"):
            frame = frame.df()
        spark.sql(f"create database if not exists `{node['schema']}`")
        write_frame(spark, frame, context.this)
    finally:
        context.connection.close()
    return time.perf_counter() - started
