"""Tests of customer_lifecycle.churn_evaluation (rolling-origin summaries).

Expected values are computed by hand from small constructed tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_lifecycle.churn_evaluation import (
    beats_baselines,
    summarise_rolling_origin,
)


def _evaluations() -> pd.DataFrame:
    # three origins; AUCs: model .80 .70 .75, recency .78 .72 .70,
    # bgnbd .70 .69 .74
    rows = []
    values = {
        "logistic_regression": [0.80, 0.70, 0.75],
        "recency": [0.78, 0.72, 0.70],
        "bgnbd_expected_purchases": [0.70, 0.69, 0.74],
    }
    for name, aucs in values.items():
        for day, auc in zip(["1997-06-30", "1997-09-30", "1997-12-31"], aucs):
            rows.append(
                {
                    "as_of_date": pd.Timestamp(day),
                    "model_name": name,
                    "is_baseline": name != "logistic_regression",
                    "is_selected": name == "logistic_regression",
                    "metric": "roc_auc",
                    "value": auc,
                }
            )
    return pd.DataFrame(rows)


def test_summary_mean_and_sample_sd_by_hand():
    summary = summarise_rolling_origin(_evaluations()).set_index("model_name")
    # model: mean .75; deviations .05, -.05, 0 -> sd = sqrt(.005 / 2) = .05
    assert summary.loc["logistic_regression", "mean"] == pytest.approx(0.75)
    assert summary.loc["logistic_regression", "sd"] == pytest.approx(0.05)
    assert summary.loc["logistic_regression", "min"] == pytest.approx(0.70)
    assert summary.loc["logistic_regression", "origins"] == 3
    # recency: mean .7333..., deviations .04667, -.01333, -.03333
    expected_sd = np.sqrt((0.14 / 3) ** 2 + (0.04 / 3) ** 2 + (0.1 / 3) ** 2) / np.sqrt(
        2
    )
    assert summary.loc["recency", "sd"] == pytest.approx(expected_sd)


def test_beats_baselines_counts_origins_by_hand():
    # model > recency at origins 1 and 3 only; > bgnbd at all three
    assert beats_baselines(_evaluations(), "logistic_regression") == {
        "bgnbd_expected_purchases": 3,
        "recency": 2,
    }
