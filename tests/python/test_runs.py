"""The run-record glue between the package and the dbt Python models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from customer_lifecycle.runs import (
    CHURN_SCHEMA,
    churn_run,
    model_run_id,
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
        columns=["customer_id", "period_start", "period_end", "stage"]
    )
    out = churn_run(orders, surveys, stages, pd.Timestamp("2024-06-30"), {})
    assert list(out["record_type"]) == ["run"]
    assert out.loc[0, "status"] == "failed"
    assert out.loc[0, "message"].startswith("churn model not fitted")
