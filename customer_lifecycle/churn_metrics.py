"""Metrics of churn scores: lift, calibration bins, AUCs with DeLong intervals.

:func:`delong_auc` gives the AUCs of several scores on the same rows and their
covariance; :func:`pooled_auc_differences` pools paired AUC differences over
several evaluation sets (the rolling origins of the backtest) whose rows may be
the same customers, with an interval clustered by customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

__all__ = [
    "Z_95",
    "auc_components",
    "calibration_table",
    "classification_metrics",
    "delong_auc",
    "normal_interval",
    "pooled_auc_differences",
    "top_decile_lift",
]


def top_decile_lift(y_true, score) -> float:
    """Churn rate among the top 10% scores divided by the overall churn rate.

    The top decile holds ``ceil(n / 10)`` rows.  Rows tied with the lowest
    score admitted are counted fractionally (each contributes its share of
    the remaining slots), which is the expected value under random
    tie-breaking, so the result never depends on row order.  NaN if there
    are no rows or no positives.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    n = len(y)
    if n == 0 or y.sum() == 0:
        return float("nan")
    n_top = int(np.ceil(n / 10.0))
    threshold = np.sort(s)[::-1][n_top - 1]
    above = s > threshold
    tied = s == threshold
    slots = n_top - int(above.sum())
    positives_top = y[above].sum() + slots * y[tied].mean()
    return float((positives_top / n_top) / y.mean())


def classification_metrics(y_true, score, probability=None) -> dict[str, float]:
    """Holdout metrics of one model.

    ``score`` ranks (higher = more likely to churn) and drives ``roc_auc``,
    ``pr_auc`` (average precision) and ``top_decile_lift``; ``probability``
    (optional) drives ``brier`` and ``log_loss``.  AUCs are NaN when only one
    class is present.
    """
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(score, dtype=float)
    two_classes = len(np.unique(y)) == 2
    out = {
        "roc_auc": float(roc_auc_score(y, s)) if two_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, s)) if two_classes else float("nan"),
    }
    if probability is not None:
        p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
        out["brier"] = float(brier_score_loss(y, p))
        out["log_loss"] = (
            float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]))
            if len(y)
            else float("nan")
        )
    out["top_decile_lift"] = top_decile_lift(y, s)
    out["positive_rate"] = float(y.mean()) if len(y) else float("nan")
    out["n_rows"] = float(len(y))
    return out


def calibration_table(
    y_true, probability, customer_ids=None, n_bins: int = 10
) -> pd.DataFrame:
    """Equal-count (quantile) calibration bins of predicted probabilities.

    Rows are sorted by ``(probability, customer_id)`` and cut into ``n_bins``
    consecutive groups of (nearly) equal size (fewer bins if there are fewer
    rows), so tied probabilities never make bins disappear.  Columns: bin
    (1 = lowest predictions), n, mean_predicted, observed_rate.
    """
    p = np.asarray(probability, dtype=float)
    y = np.asarray(y_true, dtype=float)
    ids = (
        np.arange(len(p)).astype(str)
        if customer_ids is None
        else pd.Series(customer_ids).astype(str).to_numpy()
    )
    order = np.lexsort((ids, p))
    rows = []
    n_groups = min(n_bins, len(p))
    for b, idx in enumerate(
        np.array_split(order, n_groups) if n_groups else [], start=1
    ):
        rows.append(
            {
                "bin": b,
                "n": len(idx),
                "mean_predicted": float(p[idx].mean()),
                "observed_rate": float(y[idx].mean()),
            }
        )
    return pd.DataFrame(rows, columns=["bin", "n", "mean_predicted", "observed_rate"])


Z_95 = 1.959963984540054  # standard normal 97.5% quantile


def auc_components(y_true, score) -> tuple[float, np.ndarray]:
    """AUC of ``score`` and the DeLong structural component of every row.

    With ``m`` positives (churners) and ``n`` negatives: for a positive ``i``,
    ``V10_i = (#{neg < s_i} + #{neg = s_i} / 2) / n``; for a negative ``j``,
    ``V01_j = (#{pos > s_j} + #{pos = s_j} / 2) / m`` (DeLong, DeLong &
    Clarke-Pearson 1988). The AUC is ``mean(V10) = mean(V01)``. Rows keep their
    order; the caller needs at least one row of each class.
    """
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(score, dtype=float)
    m, n = int(y.sum()), int((~y).sum())
    pos, neg = s[y], s[~y]
    neg_sorted, pos_sorted = np.sort(neg), np.sort(pos)
    below = np.searchsorted(neg_sorted, pos, side="left")
    tied = np.searchsorted(neg_sorted, pos, side="right") - below
    components = np.empty(len(s))
    components[y] = (below + tied / 2.0) / n
    above = m - np.searchsorted(pos_sorted, neg, side="right")
    tied = np.searchsorted(pos_sorted, neg, side="right") - np.searchsorted(
        pos_sorted, neg, side="left"
    )
    components[~y] = (above + tied / 2.0) / m
    return float(components[y].mean()), components


def delong_auc(
    y_true, scores: dict[str, np.ndarray]
) -> tuple[dict[str, float], pd.DataFrame]:
    """ROC AUCs of several scores on the same rows and their covariance (DeLong).

    With the structural components of :func:`auc_components`, for two scores
    ``a`` and ``b`` on the same customers ``Cov(AUC_a, AUC_b) = S10_ab / m +
    S01_ab / n``, ``S10`` and ``S01`` the sample covariances of the components
    of the positives and of the negatives. The variance of a paired difference
    is ``Var_a + Var_b - 2 Cov_ab``: no resampling, O(n log n). Returns the AUCs
    and the covariance matrix (NaN when a class has fewer than 2 rows).
    """
    y = np.asarray(y_true, dtype=bool)
    names = list(scores)
    m, n = int(y.sum()), int((~y).sum())
    if m < 2 or n < 2:
        nan = pd.DataFrame(np.nan, index=names, columns=names)
        return dict.fromkeys(names, float("nan")), nan
    aucs, components = {}, []
    for name in names:
        aucs[name], v = auc_components(y, scores[name])
        components.append(v)
    v = np.vstack(components)
    covariance = (
        np.atleast_2d(np.cov(v[:, y])) / m + np.atleast_2d(np.cov(v[:, ~y])) / n
    )
    return aucs, pd.DataFrame(covariance, index=names, columns=names)


def normal_interval(point: float, variance: float) -> tuple[float, float, float]:
    """(lower, upper, standard error) of the normal 95% interval."""
    se = float(np.sqrt(max(variance, 0.0))) if np.isfinite(variance) else np.nan
    return point - Z_95 * se, point + Z_95 * se, se


def _influence(y: np.ndarray, score: np.ndarray) -> tuple[float, np.ndarray]:
    """AUC and each row's linear influence on it: ``(V - AUC) / m`` for a
    positive, ``(V - AUC) / n`` for a negative (they sum to 0; the sum of their
    squares is DeLong's variance with divisors m and n instead of m-1 and n-1)."""
    auc, v = auc_components(y, score)
    m, n = int(y.sum()), int((~y).sum())
    return auc, np.where(y, (v - auc) / m, (v - auc) / n)


def pooled_auc_differences(
    evaluation_sets: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]],
    pairs: list[tuple[str, str]],
) -> pd.DataFrame:
    """Paired AUC differences averaged over evaluation sets, clustered by customer.

    ``evaluation_sets``: one ``(customer_ids, labels, scores)`` per set (e.g. per
    rolling origin), each with both classes and every score of ``pairs``. For a
    pair (a, b) the pooled difference is ``D = (1/K) sum_k (AUC_a,k - AUC_b,k)``
    over the K sets. Its variance is the sum over customers ``c`` of the squared
    influence ``phi_c = (1/K) sum_k (phi^a_ck - phi^b_ck)`` (:func:`_influence`;
    a customer present at several origins is one cluster, so the correlation
    of their rows across origins is counted), times ``G / (G - 1)`` for ``G``
    customers. Returns model_name, baseline, value, ci_lower, ci_upper,
    standard_error, origins (normal 95% interval).
    """
    columns = ["model_name", "baseline", "value", "ci_lower", "ci_upper"]
    columns += ["standard_error", "origins"]
    k = len(evaluation_sets)
    if not k:
        return pd.DataFrame(columns=columns)
    rows = []
    for a, b in pairs:
        points, ids, influences = [], [], []
        for customer_ids, labels, scores in evaluation_sets:
            y = np.asarray(labels, dtype=bool)
            auc_a, phi_a = _influence(y, scores[a])
            auc_b, phi_b = _influence(y, scores[b])
            points.append(auc_a - auc_b)
            ids.append(np.asarray(customer_ids).astype(str))
            influences.append((phi_a - phi_b) / k)
        per_customer = (
            pd.Series(np.concatenate(influences))
            .groupby(np.concatenate(ids), sort=False)
            .sum()
        )
        g = len(per_customer)
        variance = float((per_customer**2).sum()) * g / max(g - 1, 1)
        point = float(np.mean(points))
        lo, hi, se = normal_interval(point, variance)
        rows.append((a, b, point, lo, hi, se, k))
    return pd.DataFrame(rows, columns=columns)
