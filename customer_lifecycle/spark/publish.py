"""Publish a Spark build: point what analysts read at it, after it all passed.

Every build writes into its own schemas, ``<public>_build_<UTC time>_<layer>``
(``<layer>``: staging, intermediate, marts, audit, reference, semantic; the
``spark`` branch of generate_schema_name). Analysts read the public schema
``<public>`` (profiles.yml: LIFECYCLE_SPARK_SCHEMA, default ``lifecycle``): one
view per table and view of the build's ``marts`` and ``audit`` schemas, e.g.
``lifecycle.customer_rfm``. Only after every node of the build passed does
``publish_build`` replace those views, one ``CREATE OR REPLACE VIEW`` each, and
then ``<public>.published_build`` (one row: the build's schema prefix).

What is atomic: each view replacement (a metastore update), and every view
reads one complete build (the build schemas are never written after they
passed). What is not: the set of views. Spark has no transaction across
statements, so during the swap (metadata only, about a second for ~50 views) a
query joining two public views may read one from the new build and one from
the previous build. A query that must be consistent reads
``<public>.published_build`` and the build schema it names. A failed build
changes no view. After a publish, builds older than the previous published one
are dropped (the previous one is kept: the views of a running query may still
read it, and it is the rollback).
"""

from __future__ import annotations

import re

from customer_lifecycle.spark.models import quoted

PUBLISHED_LAYERS = ("marts", "audit")
BUILD_PATTERN = r"{public}_build_(\d{{14}})"


def build_prefix(public: str, stamp: str) -> str:
    """The schema prefix of the build started at ``stamp`` (YYYYmmddHHMMSS)."""
    return f"{public}_build_{stamp}"


def published_build(spark, public: str) -> str | None:
    """The build prefix the public views point at, or None before a publish."""
    if not spark.catalog.tableExists(f"{public}.published_build"):
        return None
    return spark.table(f"{public}.published_build").first()["build_schema"]


def publish_build(spark, public: str, prefix: str) -> list[str]:
    """Point the public views at the build ``prefix``; the names published."""
    spark.sql(f"create database if not exists `{public}`")
    previous = published_build(spark, public)
    names = []
    for layer in PUBLISHED_LAYERS:
        schema = f"{prefix}_{layer}"
        if not spark.catalog.databaseExists(schema):
            continue
        # SHOW TABLES reads names only (catalog.listTables resolves every
        # table and view). Temporary views (the landing's input_csv_*, shown
        # in every schema) are the session's, not the build's. The 1M publish
        # took 284 s with either listing: the time is elsewhere (docs/spark.md).
        rows = spark.sql(f"show tables in `{schema}`").collect()
        for table in sorted(r.tableName for r in rows if not r.isTemporary):
            spark.sql(
                f"create or replace view {quoted(public, table)} as "
                f"select * from {quoted(schema, table)}"
            )
            names.append(table)
    spark.sql(
        f"create or replace view {quoted(public, 'published_build')} as "
        f"select '{prefix}' as build_schema"
    )
    drop_old_builds(spark, public, keep={prefix, previous})
    return names


def drop_old_builds(spark, public: str, keep: set[str | None]) -> list[str]:
    """Drop the schemas of builds neither in ``keep`` nor newer than them."""
    pattern = re.compile(BUILD_PATTERN.format(public=re.escape(public)) + "_.+")
    newest_kept = max(k for k in keep if k)
    dropped = []
    for row in spark.sql("show databases").collect():
        name = row[0]
        match = pattern.fullmatch(name)
        if not match:
            continue
        prefix = build_prefix(public, match.group(1))
        # Keep what is published, the rollback, and any build started after
        # this one (another build may be running).
        if prefix in keep or prefix > newest_kept:
            continue
        spark.sql(f"drop database if exists `{name}` cascade")
        dropped.append(name)
    return dropped
