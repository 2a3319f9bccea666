"""The run-record glue between the package and the dbt Python models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from customer_lifecycle.runs import (
    CHURN_SCHEMA,
    churn_run,
    model_run_id,
    point_in_time_features,
    segmentation_run,
    stack_records,
    to_json,
)


def test_to_json_is_plain_sorted_and_nan_free():
    text = to_json({"b": np.float64(1.5), "a": [np.int64(2), float("nan")]})
    assert text == '{"a": [2, null], "b": 1.5}'
    assert json.loads(text) == {"a": [2, None], "b": 1.5}


def test_model_run_id_is_stable_and_parameter_sensitive():
    as_of = pd.Timestamp("2024-06-30")
    assert model_run_id("churn", as_of, '{"k": 1}') == model_run_id(
        "churn", as_of, '{"k": 1}'
    )
    assert model_run_id("churn", as_of, '{"k": 1}') != model_run_id(
        "churn", as_of, '{"k": 2}'
    )
    assert model_run_id("churn", as_of, "{}").startswith("churn-2024-06-30-")


def test_stack_records_types_every_column_even_when_null():
    run = {"model_run_id": "r", "model_version": "v", "as_of_date": None}
    scores = pd.DataFrame({"customer_id": ["a"], "churn_probability": [0.25]})
    out = stack_records([scores.assign(record_type="score")], run, CHURN_SCHEMA)
    assert list(out.columns) == list(CHURN_SCHEMA)
    assert str(out["metric_value"].dtype) == "Float64"
    assert out["metric_value"].isna().all()
    assert out.loc[0, "model_run_id"] == "r"


def test_churn_run_on_too_little_data_is_a_failed_record_not_an_error():
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["a", "b"],
            "ordered_at": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "amount": [10.0, 20.0],
            "is_refund": [False, False],
        }
    )
    surveys = pd.DataFrame(
        columns=["customer_id", "response_id", "responded_at", "survey_type", "score"]
    )
    stages = pd.DataFrame(
        columns=["customer_id", "period_start", "period_end_exclusive", "stage"]
    )
    out = churn_run(orders, surveys, stages, pd.Timestamp("2024-06-30"), {})
    assert list(out["record_type"]) == ["run"]
    assert out.loc[0, "status"] == "failed"
    assert out.loc[0, "message"].startswith("churn model not fitted")


# --------------------------------------------------------------------------- #
# point_in_time_features and segmentation_run (issue 11: no test before)
# --------------------------------------------------------------------------- #
def _three_customers() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    orders = pd.DataFrame(
        {
            "order_id": ["1", "2", "3", "4"],
            "customer_id": ["A", "A", "B", "C"],
            "ordered_at": pd.to_datetime(
                ["2024-01-01", "2024-03-15", "2024-01-10", "2024-03-20"]
            ),
            "amount": [10.0, 20.0, 5.0, 7.0],
            "is_refund": False,
        }
    )
    surveys = pd.DataFrame(
        columns=["response_id", "customer_id", "responded_at", "survey_type", "score"]
    )
    stages = pd.DataFrame(
        columns=["customer_id", "period_start", "period_end_exclusive", "stage"]
    )
    return orders, surveys, stages


def test_point_in_time_features_by_hand():
    orders, surveys, stages = _three_customers()
    frame = point_in_time_features(
        orders,
        surveys,
        stages,
        pd.Timestamp("2024-04-30"),
        pd.Timestamp("2024-01-31"),
        90,
        "week",
        0.3,
        42,
    )
    training = frame[frame["feature_role"] == "training"].set_index("customer_id")
    scoring = frame[frame["feature_role"] == "scoring"].set_index("customer_id")
    # C first bought after the cutoff: not a training row (no leakage)
    assert list(training.index) == ["A", "B"]
    assert list(scoring.index) == ["A", "B", "C"]
    # at the cutoff 2024-01-31: A last bought 2024-01-01 (30 days, 10.0 spent,
    # the 2024-03-15 order unseen); B 2024-01-10 (21 days)
    assert training.loc["A", "recency_days"] == 30
    assert training.loc["B", "recency_days"] == 21
    assert training.loc["A", "monetary"] == 10.0
    assert scoring.loc["A", "monetary"] == 30.0
    # labels: A bought in (01-31, 04-30] -> 0; B did not -> 1
    assert training["churn_label"].tolist() == [0, 1]
    assert scoring["churn_label"].isna().all() and scoring["is_holdout"].isna().all()


def test_segmentation_run_records_and_failure():
    from test_segmentation import synthetic_features

    features = synthetic_features().drop(columns="group")
    records = segmentation_run(features, pd.Timestamp("2024-06-30"), {"k": 3})
    counts = records["record_type"].value_counts().to_dict()
    assert counts == {"assignment": 1000, "profile": 3, "silhouette": 1, "run": 1}
    run = records[records["record_type"] == "run"].iloc[0]
    assert run["status"] == "fitted" and run["model_version"] == "kmeans-k3-v1"
    profiles = records[records["record_type"] == "profile"]
    assert profiles["customers"].tolist() == [250, 350, 400]

    failed = segmentation_run(
        features.head(5), pd.Timestamp("2024-06-30"), {"k_range": (3, 8)}
    )
    assert failed["record_type"].tolist() == ["run"]
    assert failed["status"].iloc[0] == "failed"
    assert failed["message"].iloc[0] == (
        "segmentation not fitted: need more than 8 customers, got 5"
    )
