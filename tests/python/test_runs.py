"""The run-record glue between the package and the dbt Python models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from customer_lifecycle.run_log import model_run_id, stack_records, to_json
from customer_lifecycle.runs import CHURN_SCHEMA, churn_run, segmentation_run


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
    # by hand: two training customers, both churned -> one class
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "feature_date_index": [1, 1],
            "feature_date": pd.to_datetime(["2024-04-01", "2024-04-01"]),
            "label_window_end_date": pd.to_datetime(["2024-06-30", "2024-06-30"]),
            "is_holdout": [False, True],
            "churn_label": [1, 1],
            "lifecycle_stage": ["new", "new"],
            "bgnbd_p_no_purchase": [0.5, 0.5],
            "recency_days": [10, 20],
        }
    )
    out = churn_run(frame, pd.Timestamp("2024-06-30"), {"numeric": ["recency_days"]})
    assert list(out["record_type"]) == ["run"]
    assert out.loc[0, "status"] == "failed"
    assert out.loc[0, "message"] == (
        "churn model not fitted: churn labels have a single class; "
        "cannot train a classifier"
    )


def test_segmentation_run_records_and_failure():
    from test_segmentation import synthetic_features

    features = synthetic_features().drop(columns="group")
    records = segmentation_run(features, pd.Timestamp("2024-06-30"), {"k": 3})
    counts = records["record_type"].value_counts().to_dict()
    # 6 behaviour columns (no survey answers): 3 x 6 centroid coordinates
    assert counts == {
        "profile": 3,
        "centroid": 18,
        "scaling": 6,
        "silhouette": 1,
        "run": 1,
    }
    run = records[records["record_type"] == "run"].iloc[0]
    assert run["status"] == "fitted" and run["model_version"] == "kmeans-k3-v1"
    profiles = records[records["record_type"] == "profile"]
    assert profiles["segment_id"].tolist() == [1, 2, 3]

    failed = segmentation_run(
        features.head(5), pd.Timestamp("2024-06-30"), {"k_range": (3, 8)}
    )
    assert failed["record_type"].tolist() == ["run"]
    assert failed["status"].iloc[0] == "failed"
    assert failed["message"].iloc[0] == (
        "segmentation not fitted: need more than 8 customers, got 5"
    )
