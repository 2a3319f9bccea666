"""Benchmark the warehouse at scale: speed and memory, never asserted in tests.

Simulates N customers (default 1,000,000) as Parquet with the project's simulator,
builds the whole warehouse on them with dbt into a scratch DuckDB file, and
reports the wall time of each step, the slowest models (from dbt's
run_results.json) and the peak memory of the dbt process.

    python benchmarks/run_benchmark.py --customers 1000000 --out benchmarks/out

Results go to <out>/benchmark.json and are printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--out", default="benchmarks/out")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-simulate", action="store_true")
    args = parser.parse_args()

    out = (ROOT / args.out).resolve()
    data = out / f"data_{args.customers}"
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"customers": args.customers}

    if not args.skip_simulate:
        results["simulate_seconds"] = run(
            [
                sys.executable,
                "-m",
                "customer_lifecycle.simulate",
                "--customers",
                str(args.customers),
                "--out",
                str(data),
                "--format",
                "parquet",
            ]
        )

    database = out / "benchmark.duckdb"
    database.unlink(missing_ok=True)
    env = dict(os.environ, LIFECYCLE_DUCKDB_PATH=str(database))
    dbt = str(Path(sys.executable).parent / "dbt")
    target = out / "target"
    results["dbt_build_seconds"] = run(
        [
            dbt,
            "build",
            "--threads",
            str(args.threads),
            "--target-path",
            str(target),
            "--log-path",
            str(out / "logs"),
            "--vars",
            json.dumps({"input_dir": str(data)}),
        ],
        env=env,
    )
    # ru_maxrss of finished children, in KiB on Linux.
    results["peak_rss_gib"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2, 2
    )
    run_results = json.loads((target / "run_results.json").read_text())
    timings = sorted(
        ((r["unique_id"], r["execution_time"]) for r in run_results["results"]),
        key=lambda item: -item[1],
    )
    results["slowest_nodes"] = [
        {"node": node, "seconds": round(seconds, 2)} for node, seconds in timings[:15]
    ]
    results["database_size_mib"] = round(database.stat().st_size / 1024**2, 1)
    (out / "benchmark.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
