"""Tests of customer_lifecycle.churn_evaluation (backtest summaries).

Expected values are computed by hand from small constructed tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_lifecycle.churn_evaluation import clear_wins, summarise_backtest


def _backtest() -> pd.DataFrame:
    # three origins; AUCs: model .80 .70 .75, recency .78 .72 .70; the
    # differences vs recency .02 (CI -.01..+.05), -.02, .05 (CI +.01..+.09)
    rows = []
    values = {
        "logistic_regression": [0.80, 0.70, 0.75],
        "recency": [0.78, 0.72, 0.70],
    }
    days = ["1997-06-30", "1997-09-30", "1997-12-31"]
    for name, aucs in values.items():
        for day, auc in zip(days, aucs, strict=True):
            rows.append((day, name, "roc_auc", auc, np.nan))
    for day, diff, lower in zip(days, [0.02, -0.02, 0.05], [-0.01, -0.06, 0.01]):
        rows.append(
            (day, "logistic_regression", "roc_auc_difference_vs_recency", diff, lower)
        )
    return pd.DataFrame(
        rows, columns=["origin_date", "model_name", "metric", "value", "ci_lower"]
    )


def test_summary_mean_and_sample_sd_by_hand():
    summary = summarise_backtest(_backtest())
    summary = summary[summary["metric"] == "roc_auc"].set_index("model_name")
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


def test_clear_wins_need_the_interval_above_zero():
    # ahead at origins 1 and 3; the interval is above 0 only at origin 3
    wins = clear_wins(_backtest(), "logistic_regression").set_index("baseline")
    assert wins.loc["recency"].to_dict() == {"origins": 3, "ahead": 2, "clear": 1}
