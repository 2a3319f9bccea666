"""Rolling-origin evaluation of the churn models (issue 10).

One holdout at one date says little: the 0.009 AUC between the selected model
and BG/NBD on CDNOW at 1997-09-30 is within the noise of a single split.
:func:`rolling_origin_evaluation` repeats the whole churn run
(:func:`customer_lifecycle.churn.train_and_score`: features at
``as_of - window``, labels in ``(as_of - window, as_of]``, holdout by salted hash)
at several ``as_of`` dates and stacks the holdout metrics of every candidate
and baseline. :func:`summarise_rolling_origin` gives, per model and metric, the
mean, the standard deviation over origins, the minimum and maximum, and the
number of origins where the model beat each baseline:

``mean = (1/K) sum_k v_k``, ``sd = sqrt(sum_k (v_k - mean)^2 / (K - 1))``.

A model "beats a baseline clearly" only when its AUC is higher at every origin
(see :func:`beats_baselines`), not when the mean difference is smaller than
the spread.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from customer_lifecycle import churn

__all__ = [
    "beats_baselines",
    "rolling_origin_evaluation",
    "summarise_rolling_origin",
]


def rolling_origin_evaluation(
    orders: pd.DataFrame,
    as_of_dates: Iterable,
    **settings,
) -> pd.DataFrame:
    """Holdout metrics of every churn model at every origin.

    ``settings`` are passed to :func:`churn.train_and_score` (window_days,
    holdout_share, random_state, time_unit, max_train_rows, surveys, stages).
    Returns as_of_date, model_name, is_baseline, is_selected, metric, value,
    sorted; holdout metrics only (the train-part CV log-loss is dropped).
    """
    parts = []
    for as_of in sorted(pd.Timestamp(d) for d in as_of_dates):
        result = churn.train_and_score(orders, as_of, **settings)
        ev = result.evaluations
        ev = ev[ev["metric"] != "train_cv_log_loss"].copy()
        ev.insert(0, "as_of_date", as_of)
        parts.append(ev)
    if not parts:
        raise ValueError("rolling_origin_evaluation needs at least one as_of date")
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["as_of_date", "model_name", "metric"]).reset_index(
        drop=True
    )


def summarise_rolling_origin(evaluations: pd.DataFrame) -> pd.DataFrame:
    """Mean, sample sd, min, max and number of origins per (model, metric)."""
    grouped = evaluations.groupby(["model_name", "metric"])["value"]
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


def beats_baselines(
    evaluations: pd.DataFrame, model_name: str, metric: str = "roc_auc"
) -> dict[str, int]:
    """Per baseline, the number of origins where ``model_name`` scores higher.

    The model beats a baseline clearly when this equals the number of origins.
    """
    table = evaluations[evaluations["metric"] == metric].pivot(
        index="as_of_date", columns="model_name", values="value"
    )
    baselines = sorted(
        evaluations.loc[evaluations["is_baseline"], "model_name"].unique()
    )
    return {b: int((table[model_name] > table[b]).sum()) for b in baselines}
