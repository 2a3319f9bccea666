"""The local SparkSession, configured as profiles.yml's ``spark`` target.

dbt-spark's session method calls ``SparkSession.builder.enableHiveSupport()
...getOrCreate()``, so in one process the build command, every dbt wave, the
Python models and the comparison share one session (one JVM start, ~50 s).
The settings read the same environment variables as profiles.yml, so a
session started here (e.g. by the comparison CLI) sees the same warehouse
directory and metastore (Derby, ``metastore_db`` in the working directory:
one process at a time).
"""

from __future__ import annotations

import os


def spark_settings() -> dict[str, str]:
    """The ``server_side_parameters`` of profiles.yml's spark target."""
    return {
        "spark.sql.warehouse.dir": os.path.abspath(
            os.environ.get("LIFECYCLE_SPARK_WAREHOUSE", "spark-warehouse")
        ),
        "spark.driver.memory": os.environ.get("LIFECYCLE_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get(
            "LIFECYCLE_SPARK_SHUFFLE_PARTITIONS", "4"
        ),
    }


def spark_session():
    """The process's SparkSession (started with the profile's settings if none)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for name, value in spark_settings().items():
        builder = builder.config(name, value)
    return builder.getOrCreate()
