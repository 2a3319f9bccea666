"""Summaries of the rolling-origin churn backtest (issue 10).

The backtest itself runs inside the warehouse (:func:`customer_lifecycle.churn.backtest`,
published as ``marts.churn_backtest_by_cutoff``): at every origin the model is
fitted one window earlier and evaluated out of time, with DeLong 95%
intervals. These helpers read that table:

- :func:`summarise_backtest`: per model and metric, the mean over origins, the
  sample standard deviation ``sd = sqrt(sum_k (v_k - mean)^2 / (K - 1))``, the
  minimum, maximum and number of origins;
- :func:`clear_wins`: per baseline, at how many origins the model's AUC beats it
  *clearly*, i.e. the 95% DeLong interval of the AUC difference lies
  above 0 (``ci_lower > 0``), and at how many it is ahead at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["clear_wins", "summarise_backtest"]


def summarise_backtest(backtest: pd.DataFrame) -> pd.DataFrame:
    """Mean, sample sd, min, max and number of origins per (model, metric)."""
    grouped = backtest.groupby(["model_name", "metric"])["value"]
    summary = grouped.agg(
        mean="mean",
        sd=lambda v: (
            float(np.std(v.to_numpy(dtype=float), ddof=1))
            if len(v) > 1
            else float("nan")
        ),
        min="min",
        max="max",
        origins="count",
    )
    return summary.reset_index()


def clear_wins(backtest: pd.DataFrame, model_name: str) -> pd.DataFrame:
    """Per baseline: origins, origins ahead (difference > 0), clear wins (CI > 0).

    Reads the ``roc_auc_difference_vs_<baseline>`` rows of ``model_name``.
    """
    prefix = "roc_auc_difference_vs_"
    rows = backtest[
        (backtest["model_name"] == model_name)
        & backtest["metric"].str.startswith(prefix)
    ]
    out = (
        rows.assign(
            baseline=rows["metric"].str.removeprefix(prefix),
            ahead=rows["value"] > 0,
            clear=rows["ci_lower"] > 0,
        )
        .groupby("baseline")
        .agg(origins=("value", "size"), ahead=("ahead", "sum"), clear=("clear", "sum"))
        .astype(int)
    )
    return out.reset_index()
