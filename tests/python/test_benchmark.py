"""The benchmark script (benchmarks/run_benchmark.py): output structure and sums.

Speed is never asserted; these tests check that the floor query aggregates right
(against hand counts and an independent pandas aggregation), that the ratios are
the quotients of the reported numbers, and that the determinism fingerprint sees
a changed row but not a reordering.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "benchmarks" / "run_benchmark.py"
FIXED_COST = PROJECT_ROOT / "benchmarks" / "fixed_cost.py"


def load_script(path):
    """A script of benchmarks/ as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_script(SCRIPT)


@pytest.fixture(scope="module")
def fixed_cost():
    return load_script(FIXED_COST)


def pandas_floor(input_dir) -> pd.DataFrame:
    """The floor's aggregation, independently in pandas."""
    orders = pd.read_parquet(input_dir / "orders.parquet")
    touchpoints = pd.read_parquet(input_dir / "touchpoints.parquet")
    orders["day"] = pd.to_datetime(orders["ordered_at"], errors="coerce").dt.normalize()
    orders["kept"] = ~orders["is_refund"].fillna(False).astype(bool)
    per_customer = orders.groupby("customer_id").agg(
        orders=("kept", "sum"),
        revenue=("amount", "sum"),
        first_order_date=("day", "min"),
        last_order_date=("day", "max"),
    )
    contacts = touchpoints.groupby("customer_id").size().rename("touchpoints")
    frame = per_customer.join(contacts, how="outer")
    frame[["orders", "touchpoints"]] = frame[["orders", "touchpoints"]].fillna(0)
    frame["revenue"] = frame["revenue"].fillna(0.0)
    return frame.sort_index()


def test_floor_by_hand(bench, tmp_path):
    pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4"],
            "customer_id": ["a", "a", "a", "c"],
            "ordered_at": [
                "2024-01-05",
                "2024-02-01 10:00:00",
                "2024-02-03",
                "2024-03-01",
            ],
            "amount": [10.0, 5.0, -3.0, 7.5],
            "cost": [None] * 4,
            "is_refund": [False, False, True, False],
        }
    ).to_parquet(tmp_path / "orders.parquet")
    pd.DataFrame(
        {
            "customer_id": ["a", "b", "b"],
            "occurred_at": ["2024-01-01"] * 3,
            "channel": ["web"] * 3,
        }
    ).to_parquet(tmp_path / "touchpoints.parquet")
    rows = duckdb.sql(bench.floor_query(tmp_path) + " order by customer_id").fetchall()
    # a: 2 non-refund orders, revenue 10 + 5 - 3 = 12, one touchpoint;
    # b: touchpoints only; c: one order, no touchpoint.
    assert [(r[0], r[1], r[2], str(r[3]), str(r[4]), r[5]) for r in rows] == [
        ("a", 2, 12.0, "2024-01-05", "2024-02-03", 1),
        ("b", 0, 0.0, "None", "None", 2),
        ("c", 1, 7.5, "2024-03-01", "2024-03-01", 0),
    ]
    seconds, customers = bench.measure_floor(tmp_path, threads=2)
    assert customers == 3
    assert seconds > 0


def test_fingerprint_sees_changes_not_order(bench, tmp_path):
    paths = {}
    for name, rows, seconds in [
        ("one", [(1, "x"), (2, "y")], 1.5),
        ("reordered", [(2, "y"), (1, "x")], 9.0),
        ("changed", [(1, "x"), (2, "z")], 1.5),
    ]:
        paths[name] = tmp_path / f"{name}.duckdb"
        with duckdb.connect(str(paths[name])) as con:
            con.execute("create table t (k integer, v varchar, fit_seconds double)")
            con.executemany(
                "insert into t values (?, ?, ?)", [(*r, seconds) for r in rows]
            )
    one = bench.table_hashes(paths["one"])
    assert one == bench.table_hashes(paths["reordered"])
    assert one != bench.table_hashes(paths["changed"])


def test_tiny_benchmark_run(bench, tmp_path):
    out = tmp_path / "bench"
    args = ["--customers", "2000", "--no-peer", "--no-tiny", "--out", str(out)]
    [result] = bench.main(args)
    written = json.loads(next(out.glob("*-*-*.json")).read_text())
    assert written == [result]
    assert next(out.glob("*-*-*.md")).read_text().startswith("# Benchmark")
    assert (out / "scales" / "2000.json").exists()
    # measured, then deleted (a 10M warehouse is ~20 GB); --keep-warehouses keeps it
    assert not list((out / "work" / "2000").rglob("*.duckdb*"))

    expected = pandas_floor(out / "data" / "2000")
    assert result["floor_customers"] == len(expected)
    con = duckdb.connect()
    floor = con.sql(bench.floor_query(out / "data" / "2000")).df()
    floor = floor.set_index("customer_id").sort_index()
    assert floor.index.tolist() == expected.index.tolist()
    for column in ["orders", "touchpoints"]:
        assert floor[column].tolist() == expected[column].astype(int).tolist()
    assert floor["revenue"].round(6).tolist() == expected["revenue"].round(6).tolist()

    assert result["floor_seconds"] > 0
    assert len(result["floor_runs_seconds"]) == 3
    assert result["floor_seconds"] == min(result["floor_runs_seconds"])
    assert result["build_to_floor_ratio"] == round(
        result["build_seconds"] / result["floor_seconds"], 1
    )
    assert result["peak_rss_gib"] > 0
    nodes = {n["node"]: n for n in result["nodes"]}
    assert all(n["status"] in ("success", "pass", "no-op") for n in nodes.values())
    assert any(node.startswith("model.") and "customer_clv" in node for node in nodes)
    manifest = out / "work" / "2000" / "target" / "manifest.json"
    path_nodes = bench.clv_path_nodes(json.loads(manifest.read_text()))
    clv_path = sum(n["seconds"] for node, n in nodes.items() if node in path_nodes)
    assert result["clv_path_seconds"] == pytest.approx(clv_path, abs=0.01)
    # The CLV path holds the staging of orders and the CLV mart, not the surveys.
    assert any(".customer_clv." in node for node in path_nodes)
    assert any(node.endswith(".base_input__orders") for node in path_nodes)
    assert any("survey" in node for node in nodes)
    assert not any("survey" in node for node in path_nodes)

    # --resume skips the finished scale and reports it unchanged.
    [resumed] = bench.main([*args, "--resume"])
    assert resumed == result


def run_result(unique_id: str, seconds: float) -> dict:
    return {"unique_id": unique_id, "execution_time": seconds}


def test_fixed_cost_node_counts_and_seconds_by_hand(fixed_cost):
    results = [
        run_result("model.p.a", 1.0),
        run_result("model.p.b.v2", 0.5),
        run_result("test.p.not_null_a_id.1a2b", 0.25),
        run_result("unit_test.p.a.by_hand", 2.0),
        run_result("operation.p.p-on-run-start-0", 0.125),
        run_result("test.p.unique_a_id.3c4d", 0.125),
    ]
    assert fixed_cost.node_counts(results) == {
        "model": 2,
        "operation": 1,
        "test": 2,
        "unit_test": 1,
    }
    assert fixed_cost.node_seconds(results) == {
        "model": 1.5,
        "operation": 0.12,  # 0.125 rounded half to even
        "test": 0.38,  # 0.375 in binary is exact: rounds to 0.38
        "unit_test": 2.0,
    }


def test_fixed_cost_summary_by_hand(fixed_cost):
    # wall 12.5 s of which the run (hooks and nodes) took 9.25 s
    build = {
        "seconds": 12.5,
        "cpu_seconds": 8.125,
        "run_results": {"elapsed_time": 9.25},
    }
    assert fixed_cost.build_summary(build) == {
        "seconds": 12.5,
        "cpu_seconds": 8.12,
        "startup_and_parse_seconds": 3.25,
    }

    def tiny(seconds, marker):
        return {
            "seconds": seconds,
            "cpu_seconds": seconds / 2,
            "startup_and_parse_seconds": seconds / 4,
            "node_counts": {"model": marker},
            "node_seconds": {"model": marker},
            "slowest_nodes": [],
        }

    empty = [
        {"seconds": 5.0, "cpu_seconds": 4.0, "startup_and_parse_seconds": 4.0},
        {"seconds": 8.0, "cpu_seconds": 1.0, "startup_and_parse_seconds": 7.0},
        {"seconds": 6.0, "cpu_seconds": 3.0, "startup_and_parse_seconds": 5.0},
    ]
    summary = fixed_cost.summarise([tiny(40.0, 1), tiny(20.0, 2), tiny(30.0, 3)], empty)
    assert summary["tiny_seconds"] == 30.0
    assert summary["empty_seconds"] == 6.0
    assert summary["tiny_to_empty_ratio"] == 5.0
    # CPU: median of 20, 10, 15 is 15; of 4, 1, 3 is 3 (their mean is 2.67)
    assert (summary["tiny_cpu_seconds"], summary["empty_cpu_seconds"]) == (15.0, 3.0)
    assert summary["tiny_to_empty_cpu_ratio"] == 5.0
    assert summary["empty_startup_and_parse_seconds"] == 5.0
    # the nodes of the median tiny build (30 s), not of the first or the last
    assert summary["node_counts"] == {"model": 3}
    assert summary["tiny_startup_and_parse_seconds"] == 7.5
    # two builds: the median is their mean, the nodes those of the slower one
    two = fixed_cost.summarise([tiny(21.0, 1), tiny(24.0, 2)], empty[:2])
    assert (two["tiny_seconds"], two["empty_seconds"]) == (22.5, 6.5)
    assert two["tiny_to_empty_ratio"] == round(22.5 / 6.5, 2) == 3.46
    assert two["node_counts"] == {"model": 2}
    report = fixed_cost.fixed_cost_markdown(summary)
    assert "| tiny fixture | 30.0 | 15.0 | 7.5 |" in report
    assert "Ratio tiny/empty: 5.0 (CPU: 5.0)." in report
    assert "3 model (3 in all)" in report


def test_fixed_cost_empty_project_is_one_duckdb_model(fixed_cost, tmp_path):
    import yaml

    project = fixed_cost.write_empty_project(tmp_path)
    config = yaml.safe_load((project / "dbt_project.yml").read_text())
    profiles = yaml.safe_load((project / "profiles.yml").read_text())
    assert profiles[config["profile"]]["outputs"]["dev"]["type"] == "duckdb"
    assert [p.name for p in (project / "models").iterdir()] == ["one.sql"]


def test_validation_against_reads_by_hand(bench):
    nodes = [
        {"node": "model.customer_lifecycle.base_input__orders", "seconds": 12.0},
        {"node": "model.customer_lifecycle.stg_input__orders", "seconds": 99.0},
        {"node": "model.customer_lifecycle.base_input__touchpoints", "seconds": 9.0},
    ]
    reads = {"orders": 1.5, "touchpoints": 3.0, "customers": 0.5}
    assert bench.validation_against_reads(nodes, reads) == {
        "orders": {
            "read_seconds": 1.5,
            "validation_seconds": 12.0,
            "validation_to_read_ratio": 8.0,
        },
        "touchpoints": {
            "read_seconds": 3.0,
            "validation_seconds": 9.0,
            "validation_to_read_ratio": 3.0,
        },
    }


def test_input_reads_time_every_present_file(bench, tmp_path):
    pd.DataFrame({"order_id": ["o1"], "amount": [1.0]}).to_parquet(
        tmp_path / "orders.parquet"
    )
    (tmp_path / "customers.csv").write_text("customer_id\nc1\n")
    reads = bench.measure_input_reads(tmp_path, threads=1)
    assert sorted(reads) == ["customers", "orders"]
    assert all(seconds >= 0 for seconds in reads.values())


def test_stages_by_hand(bench):
    """Node seconds summed per stage: hooks, tests, Python fits, input, each room."""
    manifest = {
        "nodes": {
            "model.p.base_input__orders": {
                "resource_type": "model",
                "original_file_path": "models/staging/input/base_input__orders.sql",
            },
            "model.p.input_warnings": {
                "resource_type": "model",
                "original_file_path": "models/audit/input_warnings.sql",
            },
            "model.p.int_btyd_fitted": {
                "resource_type": "model",
                "language": "python",
                "original_file_path": "models/intermediate/value/int_btyd_fitted.py",
            },
            "model.p.customer_clv": {
                "resource_type": "model",
                "language": "sql",
                "original_file_path": "models/marts/value/customer_clv.sql",
            },
            "model.p.int_spells": {
                "resource_type": "model",
                "language": "sql",
                "original_file_path": "models/intermediate/lifecycle/int_spells.sql",
            },
            "seed.p.rfm_segment_map": {
                "resource_type": "seed",
                "original_file_path": "seeds/rfm_segment_map.csv",
            },
        },
        "unit_tests": {"unit_test.p.customer_clv.by_hand": {}},
    }
    nodes = [
        {"node": "operation.p.p-on-run-start-0", "seconds": 4.0},
        {"node": "operation.p.p-on-run-end-0", "seconds": 1.0},
        {"node": "model.p.base_input__orders", "seconds": 2.5},
        {"node": "model.p.input_warnings", "seconds": 0.5},
        {"node": "model.p.int_btyd_fitted", "seconds": 7.0},
        {"node": "model.p.customer_clv", "seconds": 1.25},
        {"node": "model.p.int_spells", "seconds": 2.0},
        {"node": "test.p.not_null_customer_clv_id.abc", "seconds": 0.5},
        {"node": "test.p.unique_customer_clv_id.def", "seconds": 0.25},
        {"node": "unit_test.p.customer_clv.by_hand", "seconds": 0.75},
        {"node": "seed.p.rfm_segment_map", "seconds": 0.5},
    ]
    stages = bench.stage_seconds(nodes, manifest)
    assert stages == {
        "fits (Python models)": 7.0,
        "landing (on-run-start)": 4.0,
        "input validation": 3.0,
        "lifecycle (SQL)": 2.0,
        "value (SQL)": 1.25,
        "run end": 1.0,
        "unit tests": 0.75,
        "data tests": 0.75,
        "seeds": 0.5,
    }
    assert list(stages)[:2] == ["fits (Python models)", "landing (on-run-start)"]


def test_spark_report_by_hand(bench):
    """The report's Spark table and per-stage ratios come from the two builds."""
    result = {
        "scale": "1000",
        "orders": 5000,
        "build_seconds": 20.0,
        "peak_rss_gib": 1.0,
        "floor_seconds": 0.5,
        "build_to_floor_ratio": 40.0,
        "clv_path_seconds": 3.0,
        "nodes": [],
        "stages": {"input validation": 4.0, "unit tests": 1.0},
        "spark": {
            "build_seconds": 300.0,
            "peak_rss_gib": 2.5,
            "steps": {"session": 30.0, "publish": 6.0},
            "stages": {"input validation": 50.0, "fits (Python models)": 9.0},
            "compare": {"summary": "36 public marts compared: all equal"},
        },
        "spark_to_duckdb_ratio": 15.0,
    }
    report = bench.markdown([result], "2026-12-03")
    assert (
        "| 1000 | 20.0 | 300.0 | 15.0 | 1.0 | 2.5 | 30.0 | 6.0 "
        "| 36 public marts compared: all equal |" in report
    )
    assert "| input validation | 4.0 | 50.0 | 12.5 |" in report
    assert "| fits (Python models) | - | 9.0 | - |" in report
    assert "| unit tests | 1.0 | - | - |" in report


def test_peak_memory_sees_a_process_nobody_waits_for(bench):
    """The Spark JVM is started by pyspark and never waited for, so it is not in
    ru_maxrss of children: the wrapper's polling of /proc must still see it.
    Here a grandchild holds 300 MiB and is never waited for by its parent."""
    grandchild = (
        "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]);"
        " import time; time.sleep(2)"
    )
    parent = (
        "import subprocess, sys, time;"
        f" subprocess.Popen([sys.executable, '-c', {grandchild!r}]);"
        " time.sleep(4)"
    )
    _, peak_gib = bench.measured_run([sys.executable, "-c", parent])
    assert peak_gib >= 300 / 1024
