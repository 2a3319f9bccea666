"""The cross-engine comparer (customer_lifecycle.spark.compare), on pandas frames
with deliberate differences: no Spark needed."""

import numpy as np
import pandas as pd
import pytest

from customer_lifecycle.spark.compare import compare_frames, compare_marts, public_marts


@pytest.fixture
def mart():
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "as_of_date": pd.to_datetime(["2024-01-31"] * 3),
            "orders": [3, 1, 7],
            "clv": [120.5, 0.0, 1e6 / 3],
            "segment": ["loyal", None, "champions"],
            "fit_seconds": [0.5, 0.5, 0.5],
        }
    )


def test_equal_in_another_row_order(mart):
    shuffled = mart.iloc[[2, 0, 1]].reset_index(drop=True)
    assert compare_frames("customer_clv_v1", mart, shuffled, ["customer_id"]) == []


def test_changed_number_named_by_table_column_and_key(mart):
    other = mart.copy()
    other.loc[other["customer_id"] == "c", "clv"] = 1e6 / 3 * (1 + 1e-8)
    differences = compare_frames("customer_clv_v1", mart, other, ["customer_id"])
    assert len(differences) == 1
    assert differences[0].startswith("customer_clv_v1.clv key (c): duckdb=333333.3")


def test_numbers_within_relative_tolerance_are_equal(mart):
    other = mart.copy()
    other["clv"] = other["clv"] * (1 + 1e-11)
    other["orders"] = other["orders"].astype("float64")  # bigint vs double
    assert compare_frames("t", mart, other, ["customer_id"]) == []


def test_missing_row_and_extra_row_listed_by_key(mart):
    other = pd.concat([mart.iloc[[0, 2]], mart.iloc[[0]].assign(customer_id="z")])
    differences = compare_frames("t", mart, other, ["customer_id"])
    assert differences == [
        "t key (b): row only in duckdb",
        "t key (z): row only in spark",
    ]


def test_changed_text_and_null_against_value(mart):
    other = mart.copy()
    other.loc[0, "segment"] = "Loyal"
    other.loc[1, "segment"] = "dormant"
    differences = compare_frames("t", mart, other, ["customer_id"])
    assert differences == [
        "t.segment key (a): duckdb='loyal' spark='Loyal'",
        "t.segment key (b): duckdb=None spark='dormant'",
    ]


def test_nulls_and_nan_equal_each_other(mart):
    left, right = mart.copy(), mart.copy()
    left.loc[1, "clv"] = np.nan
    right.loc[1, "clv"] = None
    assert compare_frames("t", left, right, ["customer_id"]) == []


def test_fit_run_time_ignored_but_a_missing_column_is_not(mart):
    other = mart.assign(fit_seconds=9.0).drop(columns=["orders"])
    assert compare_frames("t", mart, other, ["customer_id"]) == [
        "t.orders: column only in duckdb"
    ]


def test_type_change_reported(mart):
    other = mart.assign(orders=mart["orders"].astype(str))
    differences = compare_frames("t", mart, other, ["customer_id"])
    assert differences[0] == "t.orders: types differ (number vs str)"


def test_public_marts_from_manifest_and_every_mart_compared(mart):
    def node(name, path, access="public", constraints=(), columns=None):
        return {
            "resource_type": "model",
            "name": name,
            "alias": f"{name}_v1",
            "schema": "marts",
            "access": access,
            "original_file_path": path,
            "constraints": list(constraints),
            "columns": columns
            or {
                "customer_id": {
                    "constraints": [{"type": "not_null"}, {"type": "primary_key"}]
                },
                "clv": {},
            },
        }

    manifest = {
        "nodes": {
            "model.p.customer_clv": node("customer_clv", "models/marts/value/c.sql"),
            "model.p.runs": node(
                "model_runs",
                "models/marts/runs/r.sql",
                constraints=[{"type": "primary_key", "columns": ["run_id", "model"]}],
            ),
            "model.p.int_x": node("int_x", "models/intermediate/x.sql"),
            "model.p.private": node(
                "private", "models/marts/p.sql", access="protected"
            ),
            "test.p.t": {"resource_type": "test", "name": "t"},
        }
    }
    marts = public_marts(manifest)
    assert [(m.identifier, m.key) for m in marts] == [
        ("customer_clv_v1", ("customer_id",)),
        ("model_runs_v1", ("run_id", "model")),
    ]
    changed = mart.assign(clv=mart["clv"] + 1)
    differences = compare_marts(marts[:1], lambda m: mart, lambda m: changed)
    assert [line.split(":")[0] for line in differences] == [
        "customer_clv_v1.clv key (a)",
        "customer_clv_v1.clv key (b)",
        "customer_clv_v1.clv key (c)",
    ]


def test_unreadable_mart_is_one_difference(mart):
    marts = public_marts(
        {
            "nodes": {
                "model.p.x": {
                    "resource_type": "model",
                    "name": "x",
                    "alias": "x_v1",
                    "schema": "marts",
                    "access": "public",
                    "original_file_path": "models/marts/x.sql",
                    "columns": {"customer_id": {}},
                }
            }
        }
    )

    def missing(_):
        raise LookupError("TABLE_OR_VIEW_NOT_FOUND x_v1\nstack")

    assert compare_marts(marts, lambda m: mart, missing) == [
        "x_v1: cannot read in spark: TABLE_OR_VIEW_NOT_FOUND x_v1"
    ]


def test_table_without_key_matched_on_its_exact_columns():
    """No primary key (e.g. a summary by group): rows are matched on the
    columns that are not floating point, so a last-bit float difference
    between engines (here 1e-14 relative) is equal, a real one is not, and two
    rows with the same exact columns pair up in the order of their floats."""
    left = pd.DataFrame(
        {
            "group": ["a", "a", "b"],
            "n": [1, 1, 2],
            "score": [-12.422360248447205, 0.5, 33.333333333333336],
        }
    )
    right = left.iloc[[2, 1, 0]].reset_index(drop=True)
    right.loc[right["group"] == "b", "score"] = 33.33333333333333
    assert compare_frames("t", left, right, key=()) == []
    changed = right.assign(score=right["score"].where(right["group"] != "b", 33.4))
    lines = compare_frames("t", left, changed, key=())
    assert [line.split(":")[0] for line in lines] == ["t.score key (b, 2, 0)"]
