"""Benchmark the warehouse at several scales: speed and memory, never asserted in tests.

For each scale N (customers) the script simulates N customers as Parquet with the
project's simulator (or uses an existing input dir), builds the whole warehouse on
them with ``dbt build`` and reports, per scale:

- ``build_seconds``: wall time of the dbt build, and the time of every dbt node
  (``execution_time`` from ``target/run_results.json``), slowest first;
- ``peak_rss_gib``: peak resident memory of the build's largest process
  (``ru_maxrss`` of the dbt process and its children, or the ``VmHWM`` of any
  descendant polled while it runs, e.g. the Spark JVM; measured by a wrapper
  process per build, so scales do not contaminate each other);
- ``floor_seconds``: the physical floor, one DuckDB pass (2 threads) over the same
  Parquet files aggregating orders and touchpoints per customer (the fastest of
  ``--floor-repeats`` passes, all in ``floor_runs_seconds``), and
  ``build_to_floor_ratio`` = build_seconds / floor_seconds;
- ``clv_path_seconds``: the sum of the times of the dbt models leading from the raw
  orders to ``customer_clv`` (its ancestors in the manifest), and, when the peer
  baseline runs, ``peer_seconds`` (lifetimes: summary_data_from_transaction_data,
  BetaGeoFitter, GammaGammaFitter, customer_lifetime_value, in its own virtualenv
  ``benchmarks/.venv-peer``, never a project dependency) and
  ``clv_path_to_peer_ratio`` = clv_path_seconds / peer_seconds;
- optionally (``--determinism``) a second build at the same scale and the hash of
  every table's ordered rows in both (run-log durations excluded): ``identical``;
- optionally (``--spark``, up to ``--spark-max-customers``) the same build on a
  local Spark (``python -m customer_lifecycle.build --target spark``, docs/spark.md)
  beside the DuckDB build: its wall time, the peak RSS of its largest process
  (the Spark JVM), and both engines' seconds per stage (``stages``: landing, input
  validation, each area's SQL, the Python fits, data and unit tests, publishing);
  with ``--spark-compare``, every public mart of the two builds compared
  (``customer_lifecycle.spark.compare``).

The build writes ``LIFECYCLE_DUCKDB_PATH``; the tables are read from that (published)
file after the build. Results: ``<out>/<date>.json`` and ``<out>/<date>.md``, and
``<out>/scales/<N>.json`` per finished scale, so that a rerun with ``--resume``
skips the scales already done.

    python benchmarks/run_benchmark.py --customers 100000 1000000 3000000 10000000
    python benchmarks/run_benchmark.py --input-dir data/cdnow --vars '{as_of_date: ...}'
    python benchmarks/run_benchmark.py --customers 1000000 --spark --spark-compare
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from customer_lifecycle.memory import input_sized_memory_limit

ROOT = Path(__file__).resolve().parents[1]
PEER_VENV = ROOT / "benchmarks" / ".venv-peer"
# lifetimes 0.11.3 predates pandas 2 / numpy 1.24 / scipy 1.11: these pins install
# and run on Python 3.11.
PEER_REQUIREMENTS = [
    "lifetimes==0.11.3",
    "pandas==1.5.3",
    "numpy==1.23.5",
    "scipy==1.10.1",
    "pyarrow==14.0.2",
]
# Columns holding run metadata (wall times, timestamps): excluded from the hash.
RUN_METADATA_COLUMNS = {
    "fit_seconds",
    "duration_seconds",
    "seconds",
    "started_at",
    "finished_at",
    "run_started_at",
    "elapsed_seconds",
}


def log(message: str) -> None:
    """Print a progress line with the wall clock (flushed: the runs are long)."""
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def input_file(input_dir: Path, table: str) -> str:
    """The Parquet file of a table if present, else its CSV."""
    parquet = input_dir / f"{table}.parquet"
    return str(parquet if parquet.exists() else input_dir / f"{table}.csv")


def floor_query(input_dir: Path) -> str:
    """One pass over orders and touchpoints, aggregated per customer.

    Rows without a customer_id are left out. Per customer: orders (non-refund
    order rows), revenue (Σ amount of all rows, refunds negative as stored), first
    and last order day, touchpoints (rows).
    """
    orders = input_file(input_dir, "orders")
    touchpoints = input_file(input_dir, "touchpoints")
    return f"""
        with orders as (
            select
                customer_id,
                count(*) filter (where not coalesce(is_refund, false)) as orders,
                sum(amount) as revenue,
                min(try_cast(ordered_at as date)) as first_order_date,
                max(try_cast(ordered_at as date)) as last_order_date
            from '{orders}'
            where customer_id is not null
            group by customer_id
        ),
        touchpoints as (
            select customer_id, count(*) as touchpoints
            from '{touchpoints}'
            where customer_id is not null
            group by customer_id
        )
        select
            coalesce(orders.customer_id, touchpoints.customer_id) as customer_id,
            coalesce(orders.orders, 0) as orders,
            coalesce(orders.revenue, 0) as revenue,
            orders.first_order_date,
            orders.last_order_date,
            coalesce(touchpoints.touchpoints, 0) as touchpoints
        from orders
        full outer join touchpoints
            on orders.customer_id = touchpoints.customer_id
    """


def measure_floor(input_dir: Path, threads: int = 2) -> tuple[float, int]:
    """Seconds of the floor query (materialised in memory) and its row count."""
    con = duckdb.connect(config={"threads": threads})
    started = time.perf_counter()
    rows = con.execute(
        f"create temp table floor as {floor_query(input_dir)}"
        "; select count(*) from floor"
    ).fetchone()[0]
    seconds = time.perf_counter() - started
    con.close()
    return seconds, int(rows)


INPUT_TABLES = (
    "orders",
    "touchpoints",
    "customers",
    "survey_responses",
    "marketing_spend",
)


def measure_input_reads(input_dir: Path, threads: int = 2) -> dict[str, float]:
    """Seconds of one DuckDB read of each input file, every column materialised.

    The reference for input validation: checking every value should cost a
    small multiple of reading it (``validation_to_read_ratio``).
    """
    seconds = {}
    con = duckdb.connect(config={"threads": threads})
    for table in INPUT_TABLES:
        path = input_file(input_dir, table)
        if not Path(path).exists():
            continue
        started = time.perf_counter()
        con.execute(f"create or replace temp table landed as select * from '{path}'")
        seconds[table] = round(time.perf_counter() - started, 3)
    con.close()
    return seconds


def validation_against_reads(nodes: list[dict], reads: dict[str, float]) -> dict:
    """Per input table: its read, its validation node (base_input__<table>) and
    their ratio (validation / read)."""
    times = {n["node"].split(".")[-1]: n["seconds"] for n in nodes}
    rows = {}
    for table, read in reads.items():
        validation = times.get(f"base_input__{table}")
        if validation is None:
            continue
        rows[table] = {
            "read_seconds": read,
            "validation_seconds": validation,
            "validation_to_read_ratio": round(validation / read, 1) if read else None,
        }
    return rows


def measured_run(
    args: list[str], env: dict | None = None, cwd: Path = ROOT
) -> tuple[float, float]:
    """Run a command in a wrapper process; return (wall seconds, peak RSS GiB).

    The wrapper (this script with ``--measure``) runs the command and reports the
    ``ru_maxrss`` of its children, so each build's peak is its own.
    """
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_rss_{os.getpid()}.json"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--measure", str(report), "--", *args],
        cwd=cwd,
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kib = json.loads(report.read_text())["max_rss_kib"]
    report.unlink()
    return seconds, peak_kib / 1024**2


def _descendants_peak_kib(root: int, peaks: dict[int, int]) -> None:
    """Record the peak RSS (``VmHWM``, KiB) of every live descendant of root.

    A descendant that its parent never waits for (the JVM that pyspark starts
    and kills at exit) is missing from ``ru_maxrss`` of children: read here,
    while it runs. Linux only (/proc); elsewhere nothing is recorded.
    """
    parent_of = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent_of[int(stat.parent.name)] = int(fields[1])
    for pid in parent_of:
        ancestor = parent_of.get(pid)
        while ancestor not in (None, 0, 1, root):
            ancestor = parent_of.get(ancestor)
        if ancestor != root:
            continue
        try:
            status = (Path("/proc") / str(pid) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))


def measure_child(report: str, command: list[str]) -> None:
    """Body of the wrapper: run command, write the peak RSS (KiB) of its largest
    process: ``ru_maxrss`` of the children, or the ``VmHWM`` of any descendant
    seen while it ran (polled every half second), whichever is larger."""
    child = subprocess.Popen(command)
    peaks: dict[int, int] = {}
    while child.poll() is None:
        _descendants_peak_kib(os.getpid(), peaks)
        time.sleep(0.5)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(report).write_text(json.dumps({"max_rss_kib": max([rss, *peaks.values()])}))
    sys.exit(child.returncode)


def clv_path_nodes(manifest: dict) -> set[str]:
    """Unique ids of customer_clv's models and all their model ancestors."""
    parents = manifest["parent_map"]
    start = [
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] == "customer_clv"
    ]
    seen: set[str] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node in seen or not node.startswith("model."):
            continue
        seen.add(node)
        stack.extend(parents.get(node, []))
    return seen


def build_args(
    input_dir: Path, target: Path, logs: Path, extra_vars: dict
) -> list[str]:
    """The flags of a benchmark build (dbt build, or the Spark build command):
    this project, its target and log dirs, and the vars with the input dir."""
    return [
        "--project-dir",
        str(ROOT),
        "--profiles-dir",
        str(ROOT),
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
        "--vars",
        json.dumps({"input_dir": str(input_dir), **extra_vars}),
    ]


def node_stage(unique_id: str, node: dict | None) -> str:
    """The stage of the build a node belongs to (its room, for the SQL models)."""
    if unique_id.startswith("operation."):
        return "landing (on-run-start)" if "on-run-start" in unique_id else "run end"
    if unique_id.startswith("unit_test."):
        return "unit tests"
    if unique_id.startswith("test."):
        return "data tests"
    if node is None:
        return "other"
    if node.get("resource_type") == "seed":
        return "seeds"
    if node.get("language") == "python":
        return "fits (Python models)"
    parts = Path(node.get("original_file_path", "")).parts
    if parts[:2] in (("models", "staging"), ("models", "audit")):
        return "input validation"
    if len(parts) > 2 and parts[1] in ("intermediate", "marts"):
        return f"{parts[2]} (SQL)"
    return f"{node['resource_type']}s" if len(parts) < 2 else parts[1]


def stage_seconds(nodes: list[dict], manifest: dict) -> dict[str, float]:
    """Σ node seconds per stage (node_stage), slowest stage first."""
    known = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    totals: dict[str, float] = {}
    for n in nodes:
        stage = node_stage(n["node"], known.get(n["node"]))
        totals[stage] = totals.get(stage, 0.0) + n["seconds"]
    return {k: round(v, 2) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def spark_build(input_dir: Path, work: Path, extra_vars: dict) -> dict:
    """One build on a local Spark in work/spark (its own metastore and warehouse)."""
    spark_dir = work / "spark"
    if spark_dir.exists():
        shutil.rmtree(spark_dir)
    spark_dir.mkdir(parents=True)
    env = dict(
        os.environ,
        LIFECYCLE_SPARK_WAREHOUSE=str(spark_dir / "warehouse"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    )
    timings_file = spark_dir / "timings.json"
    seconds, peak = measured_run(
        [
            sys.executable,
            "-m",
            "customer_lifecycle.build",
            "--target",
            "spark",
            *build_args(
                input_dir, spark_dir / "target", spark_dir / "logs", extra_vars
            ),
            "--timings",
            str(timings_file),
        ],
        env=env,
        cwd=spark_dir,
    )
    timings = json.loads(timings_file.read_text())
    manifest = json.loads((spark_dir / "target" / "manifest.json").read_text())
    nodes = sorted(
        (
            {"node": n["node"], "seconds": round(n["seconds"], 2)}
            for n in timings["nodes"]
        ),
        key=lambda item: -item["seconds"],
    )
    return {
        "build_seconds": round(seconds, 2),
        "peak_rss_gib": round(peak, 2),
        "steps": timings["steps"],
        "stages": stage_seconds(nodes, manifest),
        "nodes": nodes,
        "env": env,
        "dir": str(spark_dir),
    }


def spark_compare(spark: dict, duckdb_database: str, duckdb_target: Path) -> dict:
    """customer_lifecycle.spark.compare of the two builds: exit code and summary."""
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "customer_lifecycle.spark.compare",
            "--duckdb",
            duckdb_database,
            "--spark-schema",
            os.environ.get("LIFECYCLE_SPARK_SCHEMA", "lifecycle"),
            "--manifest",
            str(duckdb_target / "manifest.json"),
        ],
        cwd=spark["dir"],
        # The comparison reads each mart whole into the driver (the per-period
        # stages: 11M rows at 1M customers): a larger driver than the build's.
        env={
            **spark["env"],
            "LIFECYCLE_SPARK_DRIVER_MEMORY": os.environ.get(
                "LIFECYCLE_SPARK_COMPARE_DRIVER_MEMORY", "12g"
            ),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    return {
        "equal": completed.returncode == 0,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": lines[-1] if lines else completed.stderr.strip()[-500:],
        "differences": lines[:-1][:50],
    }


def dbt_build(input_dir: Path, work: Path, threads: int, extra_vars: dict) -> dict:
    """One dbt build into work/warehouse.duckdb; timings, peak memory, node times."""
    database = work / "warehouse.duckdb"
    target = work / "target"
    for stale in (database, target):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(database),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = str(Path(sys.executable).parent / "dbt")
    seconds, peak = measured_run(
        [
            dbt,
            "build",
            "--threads",
            str(threads),
            *build_args(input_dir, target, work / "logs", extra_vars),
        ],
        env=env,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = sorted(
        (
            {
                "node": r["unique_id"],
                "seconds": round(r["execution_time"], 2),
                "status": r["status"],
            }
            for r in results
        ),
        key=lambda item: -item["seconds"],
    )
    manifest = json.loads((target / "manifest.json").read_text())
    clv_nodes = clv_path_nodes(manifest)
    return {
        "build_seconds": round(seconds, 2),
        "peak_rss_gib": round(peak, 2),
        "database": str(database),
        "database_size_mib": round(database.stat().st_size / 1024**2, 1),
        "nodes": nodes,
        "stages": stage_seconds(nodes, manifest),
        "target": str(target),
        "clv_path_seconds": round(
            sum(n["seconds"] for n in nodes if n["node"] in clv_nodes), 2
        ),
    }


def table_hashes(database: Path) -> dict[str, str]:
    """A fingerprint of every base table's rows (run-metadata columns excluded).

    Computed in DuckDB: the row count and Σ hash(row) as a hugeint (a multiset
    hash: the same rows give the same value whatever the physical order; a changed,
    added or dropped row changes it except with negligible probability).
    """
    con = duckdb.connect(str(database), read_only=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()
    hashes = {}
    for schema, table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if name not in RUN_METADATA_COLUMNS
        ]
        row = "hash(" + ", ".join(f'"{c}"' for c in columns) + ")"
        count, total = con.execute(
            f"select count(*), coalesce(sum(cast({row} as hugeint)), 0)"
            f' from "{schema}"."{table}"'
        ).fetchone()
        hashes[f"{schema}.{table}"] = f"{count}:{total}"
    con.close()
    return hashes


def ensure_peer_venv() -> Path:
    """Create benchmarks/.venv-peer with lifetimes (pinned) once; its python."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        log(f"creating the peer virtualenv {PEER_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], check=True
        )
    return python


def run_peer(input_dir: Path, extra_vars: dict) -> dict:
    """Time the lifetimes pipeline on the same orders (in its own virtualenv)."""
    python = ensure_peer_venv()
    completed = subprocess.run(
        [
            str(python),
            str(ROOT / "benchmarks" / "peer_lifetimes.py"),
            input_file(input_dir, "orders"),
            str(extra_vars.get("as_of_date") or ""),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_scale(args: argparse.Namespace, customers: int | None, out: Path) -> dict:
    """Everything measured at one scale (or on --input-dir when customers is None)."""
    label = str(customers) if customers else Path(args.input_dir).name
    work = out / "work" / label
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "scale": label,
        "customers": customers,
        "threads": args.threads,
    }
    if customers:
        input_dir = out / "data" / label
        if not (input_dir / "orders.parquet").exists():
            log(f"{label}: simulating {customers:,} customers")
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "customer_lifecycle.simulate",
                    "--customers",
                    str(customers),
                    "--out",
                    str(input_dir),
                    "--format",
                    "parquet",
                ],
                cwd=ROOT,
                check=True,
            )
            result["simulate_seconds"] = round(time.perf_counter() - started, 2)
    else:
        input_dir = Path(args.input_dir).resolve()
    result["input_dir"] = str(input_dir)
    con = duckdb.connect()
    result["orders"] = con.execute(
        f"select count(*) from '{input_file(input_dir, 'orders')}'"
    ).fetchone()[0]
    result["touchpoints"] = con.execute(
        f"select count(*) from '{input_file(input_dir, 'touchpoints')}'"
    ).fetchone()[0]
    # the DuckDB memory cap of the build, sized to the input's rows
    # (customer_lifecycle/memory.py, set on-run-start by land_input_files)
    input_rows = sum(
        con.execute(
            f"select count(*) from '{input_file(input_dir, table)}'"
        ).fetchone()[0]
        for table in INPUT_TABLES
        if Path(input_file(input_dir, table)).exists()
    )
    result["duckdb_memory_limit"] = input_sized_memory_limit(input_rows)
    con.close()

    log(
        f"{label}: floor (one DuckDB pass, {args.floor_threads} threads, "
        f"the fastest of {args.floor_repeats})"
    )
    # A 1-2 s measurement swings (1.34 s and 2.42 s for the same 1M files an
    # hour apart): the floor is the fastest of a few passes.
    floors = [
        measure_floor(input_dir, args.floor_threads) for _ in range(args.floor_repeats)
    ]
    result["floor_runs_seconds"] = [round(seconds, 3) for seconds, _ in floors]
    result["floor_seconds"] = min(result["floor_runs_seconds"])
    result["floor_customers"] = floors[0][1]

    log(f"{label}: input reads (one DuckDB read per file)")
    reads = measure_input_reads(input_dir, args.floor_threads)

    log(f"{label}: dbt build ({args.threads} threads)")
    result.update(dbt_build(input_dir, work, args.threads, args.vars))
    result["input_validation"] = validation_against_reads(result["nodes"], reads)
    # From the reported (rounded) numbers, so that the ratio can be checked.
    result["build_to_floor_ratio"] = round(
        result["build_seconds"] / result["floor_seconds"], 1
    )
    log(
        f"{label}: build {result['build_seconds']} s, peak {result['peak_rss_gib']}"
        f" GiB, {result['build_to_floor_ratio']}x the floor"
    )

    if args.peer and (customers is None or customers <= args.peer_max_customers):
        log(f"{label}: peer baseline (lifetimes)")
        result["peer"] = run_peer(input_dir, args.vars)
        result["clv_path_to_peer_ratio"] = round(
            result["clv_path_seconds"] / result["peer"]["peer_seconds"], 2
        )
    elif args.peer:
        result["peer"] = {
            "skipped": f"above --peer-max-customers {args.peer_max_customers}"
        }

    if args.determinism and (
        customers is None or customers <= args.determinism_max_customers
    ):
        log(f"{label}: determinism (second build, table hashes)")
        first = table_hashes(Path(result["database"]))
        again = dbt_build(input_dir, work / "second", args.threads, args.vars)
        second = table_hashes(Path(again["database"]))
        result["determinism"] = {
            "tables": len(first),
            "identical": first == second,
            "differing_tables": sorted(
                t for t in first.keys() | second.keys() if first.get(t) != second.get(t)
            ),
        }
    if args.spark and (customers is None or customers <= args.spark_max_customers):
        log(f"{label}: the same build on a local Spark")
        spark = spark_build(input_dir, work, args.vars)
        log(
            f"{label}: Spark build {spark['build_seconds']} s, "
            f"peak {spark['peak_rss_gib']} GiB"
        )
        if args.spark_compare:
            log(f"{label}: every public mart, Spark against DuckDB")
            spark["compare"] = spark_compare(
                spark, result["database"], Path(result["target"])
            )
            log(f"{label}: {spark['compare']['summary']}")
        spark.pop("env")
        result["spark"] = spark
        result["spark_to_duckdb_ratio"] = round(
            spark["build_seconds"] / result["build_seconds"], 1
        )
        if not args.keep_warehouses:
            shutil.rmtree(spark["dir"], ignore_errors=True)
    if not args.keep_warehouses:
        # A 10M warehouse is ~20 GB, twice while publishing: free the disk for
        # the next scale (the figures are in the result).
        for stale in work.rglob("*.duckdb*"):
            if stale.is_file():
                stale.unlink()
    return result


def markdown(results: list[dict], when: str) -> str:
    """The report as Markdown: one summary table, then the slowest nodes per scale."""
    lines = [
        f"# Benchmark {when}",
        "",
        (
            "| scale | orders | build s | peak GiB | floor s | build/floor "
            "| CLV path s | peer s | CLV path/peer | deterministic |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        peer = r.get("peer", {})
        lines.append(
            f"| {r['scale']} | {r['orders']:,} | {r['build_seconds']} "
            f"| {r['peak_rss_gib']} | {r['floor_seconds']} "
            f"| {r['build_to_floor_ratio']} | {r['clv_path_seconds']} "
            f"| {peer.get('peer_seconds', peer.get('skipped', '-'))} "
            f"| {r.get('clv_path_to_peer_ratio', '-')} "
            f"| {r.get('determinism', {}).get('identical', '-')} |"
        )
    spark_runs = [r for r in results if "spark" in r]
    if spark_runs:
        lines += [
            "",
            "## DuckDB and a local Spark, same build",
            "",
            (
                "| scale | DuckDB s | Spark s | Spark/DuckDB | DuckDB peak GiB "
                "| Spark peak GiB | Spark session s | publish s | public marts |"
            ),
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in spark_runs:
            spark = r["spark"]
            compare = spark.get("compare", {})
            lines.append(
                f"| {r['scale']} | {r['build_seconds']} | {spark['build_seconds']} "
                f"| {r['spark_to_duckdb_ratio']} | {r['peak_rss_gib']} "
                f"| {spark['peak_rss_gib']} | {spark['steps'].get('session', '-')} "
                f"| {spark['steps'].get('publish', '-')} "
                f"| {compare.get('summary', 'not compared')} |"
            )
    for r in results:
        if "spark" in r:
            duck, spark = r["stages"], r["spark"]["stages"]
            lines += [
                "",
                f"## {r['scale']}: seconds per stage (Σ node times)",
                "",
                "| stage | DuckDB s | Spark s | Spark/DuckDB |",
                "|---|---|---|---|",
            ]
            for stage in sorted(
                duck.keys() | spark.keys(), key=lambda k: -spark.get(k, 0)
            ):
                a, b = duck.get(stage, "-"), spark.get(stage, "-")
                both = stage in duck and stage in spark and duck[stage]
                ratio = round(spark[stage] / duck[stage], 1) if both else "-"
                lines.append(f"| {stage} | {a} | {b} | {ratio} |")
    for r in results:
        checks = r.get("input_validation", {})
        if checks:
            lines += [
                "",
                f"## {r['scale']}: input validation against one read of the file",
                "",
                "| table | read s | validation s | validation / read |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {t} | {c['read_seconds']} | {c['validation_seconds']} "
                f"| {c['validation_to_read_ratio']} |"
                for t, c in checks.items()
            ]
        lines += [
            "",
            f"## {r['scale']}: slowest nodes",
            "",
            "| node | s |",
            "|---|---|",
        ]
        lines += [f"| {n['node']} | {n['seconds']} |" for n in r["nodes"][:20]]
    return "\n".join(lines) + "\n"


def run_fixed_cost(out: Path, repeats: int) -> dict:
    """benchmarks/fixed_cost.py: written to <out>/<date>-fixed-cost.{json,md}."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from fixed_cost import fixed_cost_markdown, measure_fixed_cost

    log(f"fixed cost: tiny fixture vs an empty dbt project ({repeats} times)")
    result = measure_fixed_cost(out / "work" / "fixed-cost", repeats)
    stem = out / f"{dt.date.today().isoformat()}-fixed-cost"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    report = fixed_cost_markdown(result)
    stem.with_suffix(".md").write_text(report)
    print(report, flush=True)
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--measure"]:
        measure_child(argv[1], argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--input-dir", help="benchmark an existing input dir instead")
    parser.add_argument("--vars", type=json.loads, default={}, help="extra dbt vars")
    parser.add_argument("--out", default="benchmarks/out")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--floor-threads", type=int, default=2)
    parser.add_argument(
        "--floor-repeats", type=int, default=3, help="floor passes; the fastest counts"
    )
    parser.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--peer-max-customers", type=int, default=1_000_000)
    parser.add_argument("--determinism", action="store_true")
    parser.add_argument(
        "--determinism-max-customers",
        type=int,
        default=1_000_000,
        help="run the determinism check only up to this scale",
    )
    parser.add_argument(
        "--keep-warehouses",
        action="store_true",
        help="keep each scale's warehouse files (default: deleted once measured)",
    )
    parser.add_argument(
        "--spark",
        action="store_true",
        help="also build on a local Spark (requirements-spark.txt, Java 17)",
    )
    parser.add_argument("--spark-max-customers", type=int, default=1_000_000)
    parser.add_argument(
        "--spark-compare",
        action="store_true",
        help="with --spark: compare every public mart of the two builds",
    )
    parser.add_argument("--resume", action="store_true", help="skip finished scales")
    parser.add_argument(
        "--tiny",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the fixed cost: tiny fixture vs an empty dbt project",
    )
    parser.add_argument(
        "--tiny-only", action="store_true", help="the fixed cost only, no scale"
    )
    parser.add_argument(
        "--tiny-repeats", type=int, default=3, help="alternating builds of each"
    )
    args = parser.parse_args(argv)

    out = (ROOT / args.out).resolve()
    (out / "scales").mkdir(parents=True, exist_ok=True)
    scales: list[int | None] = [None] if args.input_dir else args.customers
    if args.tiny or args.tiny_only:
        run_fixed_cost(out, args.tiny_repeats)
    if args.tiny_only:
        return []
    results = []
    for customers in scales:
        label = str(customers) if customers else Path(args.input_dir).name
        done = out / "scales" / f"{label}.json"
        if args.resume and done.exists():
            log(f"{label}: already done ({done}), skipped")
            results.append(json.loads(done.read_text()))
            continue
        result = run_scale(args, customers, out)
        done.write_text(json.dumps(result, indent=2))
        results.append(result)

    when = dt.date.today().isoformat()
    (out / f"{when}.json").write_text(json.dumps(results, indent=2))
    report = markdown(results, when)
    (out / f"{when}.md").write_text(report)
    print(report, flush=True)
    return results


if __name__ == "__main__":
    main()
