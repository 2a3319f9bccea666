"""Build the whole warehouse on any engine: ``python -m customer_lifecycle.build``.

    python -m customer_lifecycle.build [--target spark] [--vars '{...}']

On DuckDB (the default target) this is ``dbt build``: the Python models run
in-process and the on-run-end hook publishes. On Spark (``--target spark``),
where dbt-spark runs Python models only on Databricks (dbt-spark #415), one
process runs the build in waves (customer_lifecycle.spark.waves): dbt builds
the SQL nodes whose Python ancestors are done, the driver runs the next Python
models with their own code (customer_lifecycle.spark.models), and so on. Every
wave reuses the process's one SparkSession. The input is landed by the first
wave only (LIFECYCLE_BUILD_WAVE). After every node passed, the public views are
pointed at the new build (customer_lifecycle.spark.publish).

``--timings FILE`` writes where the time went, as JSON: the session start, the
parse, every node (dbt's ``execution_time``; a Python model's seconds in the
driver) with its wave, the publish and the whole build
(``benchmarks/run_benchmark.py --spark`` reads it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _dbt_args(args: argparse.Namespace) -> list[str]:
    common = ["--project-dir", args.project_dir]
    for flag, value in (
        ("--target", args.target),
        ("--vars", args.vars),
        ("--profiles-dir", args.profiles_dir),
        ("--target-path", args.target_path),
        ("--log-path", args.log_path),
    ):
        common += [flag, value] if value else []
    return common


def _passed(result) -> bool:
    return str(result.status) in ("success", "pass", "warn", "no-op")


class Timings:
    """Where a build's time went, written to ``--timings`` (if given) as JSON."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.started = time.perf_counter()
        self.steps: dict[str, float] = {}
        self.nodes: list[dict] = []

    def step(self, name: str, since: float) -> None:
        self.steps[name] = round(time.perf_counter() - since, 3)

    def node(self, unique_id: str, seconds: float, wave: int) -> None:
        self.nodes.append(
            {"node": unique_id, "seconds": round(seconds, 3), "wave": wave}
        )

    def write(self, outcome: str) -> None:
        if not self.path:
            return
        self.step("total", self.started)
        Path(self.path).write_text(
            json.dumps(
                {"outcome": outcome, "steps": self.steps, "nodes": self.nodes},
                indent=2,
            )
        )


def build_spark(args: argparse.Namespace, runner) -> int:
    """The wave build on Spark and its publish; the process exit code."""
    timings = Timings(args.timings)
    code = _build_spark(args, runner, timings)
    timings.write("published" if code == 0 else "not published")
    return code


def _build_spark(args: argparse.Namespace, runner, timings: Timings) -> int:
    from customer_lifecycle.spark.models import run_python_model
    from customer_lifecycle.spark.publish import build_prefix, publish_build
    from customer_lifecycle.spark.session import spark_session
    from customer_lifecycle.spark.waves import buildable_nodes, plan_waves, selector

    public = os.environ.get("LIFECYCLE_SPARK_SCHEMA", "lifecycle")
    prefix = build_prefix(public, datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    os.environ["LIFECYCLE_SPARK_BUILD_SCHEMA"] = prefix
    os.environ["LIFECYCLE_BUILD_WAVE"] = "1"
    started = time.perf_counter()
    spark = spark_session()
    timings.step("session", started)
    print(
        f"Spark session ready in {time.perf_counter() - started:.0f} s; "
        f"building into {prefix}_*",
        flush=True,
    )
    since = time.perf_counter()
    parse = runner.invoke(["parse", *_dbt_args(args)])
    timings.step("parse", since)
    if not parse.success:
        print(f"NOT PUBLISHED: dbt parse failed: {parse.exception}")
        return 2
    project = Path(args.project_dir)
    target_path = Path(args.target_path) if args.target_path else project / "target"
    manifest = json.loads((target_path / "manifest.json").read_text())
    nodes = buildable_nodes(manifest)
    passed: set[str] = set()
    for number, wave in enumerate(plan_waves(manifest), start=1):
        os.environ["LIFECYCLE_BUILD_WAVE"] = str(number)
        if wave.sql:
            print(f"wave {number}: dbt build of {len(wave.sql)} nodes", flush=True)
            result = runner.invoke(
                [
                    "build",
                    "--indirect-selection",
                    "empty",
                    *_dbt_args(args),
                    "--select",
                    *(selector(nodes[uid]) for uid in wave.sql),
                ]
            )
            for r in result.result or []:
                timings.node(r.node.unique_id, r.execution_time, number)
            passed |= {r.node.unique_id for r in result.result or [] if _passed(r)}
            missing = set(wave.sql) - passed
            if not result.success or missing:
                print(
                    f"NOT PUBLISHED: wave {number} failed "
                    f"({len(missing)} node(s) did not pass, e.g. "
                    f"{sorted(missing)[:3]}); {public} is unchanged"
                )
                return 1
        for uid in wave.python:
            node = manifest["nodes"][uid]
            try:
                seconds = run_python_model(spark, node, manifest, project)
            except Exception as error:  # noqa: BLE001 - reported, build stops
                print(
                    f"NOT PUBLISHED: Python model {node['name']} failed: "
                    f"{type(error).__name__}: {error}; {public} is unchanged"
                )
                return 1
            passed.add(uid)
            timings.node(uid, seconds, number)
            print(
                f"wave {number}: Python model {node['name']} in {seconds:.1f} s",
                flush=True,
            )
    missing = set(nodes) - passed
    if missing:
        print(
            f"NOT PUBLISHED: {len(missing)} node(s) did not run; {public} is unchanged"
        )
        return 1
    since = time.perf_counter()
    names = publish_build(spark, public, prefix)
    timings.step("publish", since)
    print(
        f"PUBLISHED {public} ({len(names)} views over {prefix}_*) after "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default=None, help="profiles.yml target")
    parser.add_argument("--vars", default=None, help="dbt --vars (YAML)")
    parser.add_argument("--project-dir", default=".")
    parser.add_argument("--profiles-dir", default=None)
    parser.add_argument("--target-path", default=None, help="dbt --target-path")
    parser.add_argument("--log-path", default=None, help="dbt --log-path")
    parser.add_argument(
        "--timings", default=None, help="write where the time went (JSON, Spark)"
    )
    args = parser.parse_args(argv)
    from dbt.cli.main import dbtRunner

    runner = dbtRunner()
    if args.target == "spark":
        return build_spark(args, runner)
    return 0 if runner.invoke(["build", *_dbt_args(args)]).success else 1


if __name__ == "__main__":
    sys.exit(main())
