"""Churn models fitted on a compact sample, scored in SQL, judged against baselines.

Definition
----------
A customer *churns* at a feature date ``d`` when they make no purchase
(non-refund order) in the ``W`` days after it, ``d < date <= d + W``
(``W`` = var ``churn_window_days``).

Inputs
------
The feature table ``int_customer_features_at_feature_dates`` is built once, in
SQL, at the feature dates ``d_j = as_of - j W`` (j = 0 scoring, 1 training,
2.. backtest), from rows dated on or before ``d_j`` only; rows at ``j >= 1``
carry the label of the window ``(d_j, d_{j-1}]``. Every fit here reads the
fixed-seed churn sample of that table (var ``churn_sample_customers``), never
the full customer base: scoring is a SQL expression over the coefficient table
this module returns.

Procedure of :func:`fit_churn`
------------------------------
1. Rows at j = 1 are split by ``is_holdout`` (salted hash, in SQL). On the train
   part two candidates are fitted: ``logistic_regression`` (the only candidate
   that can be published: it is scored in SQL from its coefficients) and
   ``hist_gradient_boosting`` (a non-linear reference, evaluated, never
   published: a tree ensemble cannot be written as a SQL expression over a
   parameter table, so it only tells whether a linear model leaves skill on the
   table).
2. Baselines on the same holdout rows: ``recency`` (score = days since the last
   purchase; its probability is a one-feature logistic regression on the same
   transform, so it is SQL-scorable too) and ``bgnbd_expected_purchases``
   (score = - BG/NBD expected purchases in the window; probability
   ``P0 = 1 - p_alive + p_alive ((alpha+T)/(alpha+T+h))^(r+x)``).
3. Intervals (:func:`delong_auc`): the AUC of every model and the paired AUC
   differences model - baseline on the same customers get DeLong 95%
   intervals (normal, from the structural components; no resampling).
4. Rolling-origin backtest (:func:`backtest`): at every origin j = 1..K the
   models are fitted on the sampled rows at ``d_{j+1}`` (labels up to ``d_j``)
   and evaluated out of time on the sampled rows at ``d_j`` (labels up to
   ``d_{j-1}``), with the same intervals.
5. Publish rule (:func:`publish_decision`): the logistic regression is
   **published** only if the interval of its AUC difference lies above 0
   against both baselines at every backtest origin ("beats them clearly, not
   by noise", out of time, as it will be used); without backtest origins the
   holdout decides. Otherwise the baseline with the higher holdout AUC is
   published and ``reason`` says why.
6. The published model is refitted on every sampled row at j = 1 (train part and
   holdout) and returned as a coefficient table (:func:`coefficient_table`).

The logistic model (:func:`fit_logistic`): every numeric input ``v`` is
median-imputed (with a 0/1 missing indicator when the training rows have
missing values), transformed ``u = sign(v) ln(1 + |v|)`` and standardised
``z = (u - mean_u) / sd_u``; the lifecycle stage is one-hot; L2-penalised
logistic regression (C = 1, lbfgs). Its probability is
``p = 1 / (1 + exp(-(b0 + sum_f b_f z_f + sum_f c_f m_f + g_stage)))``, which
:func:`predict_from_coefficients` and the SQL model ``int_churn_scores`` compute
from the coefficient table alone.

Everything is deterministic: rows sorted by customer, fixed seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

from customer_lifecycle import btyd
from customer_lifecycle.threads import one_numeric_thread, single_threaded

__all__ = [
    "BASELINE_NAMES",
    "CANDIDATE_NAMES",
    "ChurnFit",
    "backtest",
    "bgnbd_pattern_features",
    "calibration_table",
    "classification_metrics",
    "coefficient_table",
    "delong_auc",
    "evaluate_against_truth",
    "fit_churn",
    "fit_logistic",
    "predict_from_coefficients",
    "publish_decision",
    "signed_log1p",
    "top_decile_lift",
]

PUBLISHABLE_MODEL = "logistic_regression"
REFERENCE_MODEL = "hist_gradient_boosting"
CANDIDATE_NAMES: tuple[str, ...] = (PUBLISHABLE_MODEL, REFERENCE_MODEL)
RECENCY = "recency"
BGNBD = "bgnbd_expected_purchases"
BASELINE_NAMES: tuple[str, ...] = (RECENCY, BGNBD)
STAGE_COLUMN = "lifecycle_stage"
LABEL = "churn_label"
#: Columns of an evaluation table (holdout or one backtest origin).
METRIC_COLUMNS = [
    "model_name",
    "is_baseline",
    "metric",
    "value",
    "ci_lower",
    "ci_upper",
    "standard_error",
]
#: Fewer rows than this at a backtest date: that origin is skipped.
MIN_ROWS = 50


#: Columns of a term of the churn model's coefficient table (before its name and
#: coefficient): how SQL rebuilds the feature (impute, centre, scale) it weighs.
TERM_COLUMNS = [
    "term_kind",
    "feature",
    "category_value",
    "impute_value",
    "center",
    "scale",
]


def signed_log1p(x):
    """``sign(x) ln(1 + |x|)``: the log transform of every numeric churn input."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


# --------------------------------------------------------------------------- #
# metrics
# --------------------------------------------------------------------------- #
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


def delong_auc(
    y_true, scores: dict[str, np.ndarray]
) -> tuple[dict[str, float], pd.DataFrame]:
    """ROC AUCs of several scores on the same rows and their covariance (DeLong).

    DeLong, DeLong & Clarke-Pearson (1988): with ``m`` positives (churners) and
    ``n`` negatives, the structural components of a score are, for each positive
    ``i``, ``V10_i = (#{neg < s_i} + #{neg = s_i} / 2) / n`` and, for each
    negative ``j``, ``V01_j = (#{pos > s_j} + #{pos = s_j} / 2) / m``. The AUC is
    ``mean(V10) = mean(V01)`` and, for two scores ``a`` and ``b`` on the same
    customers, ``Cov(AUC_a, AUC_b) = S10_ab / m + S01_ab / n`` with ``S10`` and
    ``S01`` the sample covariances of the components. The variance of a paired
    difference is ``Var_a + Var_b - 2 Cov_ab``: no resampling, O(n log n).
    Returns the AUCs and the covariance matrix (NaN when a class is absent).
    """
    y = np.asarray(y_true, dtype=bool)
    names = list(scores)
    m, n = int(y.sum()), int((~y).sum())
    if m < 2 or n < 2:
        nan = pd.DataFrame(np.nan, index=names, columns=names)
        return dict.fromkeys(names, float("nan")), nan
    v10, v01 = [], []
    for name in names:
        s = np.asarray(scores[name], dtype=float)
        pos, neg = s[y], s[~y]
        neg_sorted, pos_sorted = np.sort(neg), np.sort(pos)
        below = np.searchsorted(neg_sorted, pos, side="left")
        tied = np.searchsorted(neg_sorted, pos, side="right") - below
        v10.append((below + tied / 2.0) / n)
        above = m - np.searchsorted(pos_sorted, neg, side="right")
        tied = np.searchsorted(pos_sorted, neg, side="right") - np.searchsorted(
            pos_sorted, neg, side="left"
        )
        v01.append((above + tied / 2.0) / m)
    v10, v01 = np.vstack(v10), np.vstack(v01)
    covariance = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    aucs = {name: float(v10[k].mean()) for k, name in enumerate(names)}
    return aucs, pd.DataFrame(covariance, index=names, columns=names)


def _interval(point: float, variance: float) -> tuple[float, float, float]:
    """(lower, upper, standard error) of the normal 95% interval."""
    se = float(np.sqrt(max(variance, 0.0))) if np.isfinite(variance) else np.nan
    return point - Z_95 * se, point + Z_95 * se, se


# --------------------------------------------------------------------------- #
# BG/NBD features on distinct patterns
# --------------------------------------------------------------------------- #
@single_threaded
def bgnbd_pattern_features(
    patterns: pd.DataFrame, window_days: int, time_unit_days: float
) -> pd.DataFrame:
    """BG/NBD fitted per feature date on patterns; predictions for every pattern.

    ``patterns``: feature_date, repeat_purchase_days (x), purchase_span_days,
    tenure_days, customers, sampled_customers. Times are converted to the time
    unit (``t_x = span / u``, ``T = tenure / u``); the fit at a date uses the
    patterns weighted by ``sampled_customers`` (:func:`btyd.fit_bgnbd`), and
    p_alive, the expected purchases in ``h = window_days / u`` and the
    probability of no purchase ``P0`` are computed for every pattern. A date
    whose fit fails (:class:`btyd.FitError`, or not converged) gets null
    predictions and ``bgnbd_status = 'failed'`` with the reason.
    """
    parts = []
    horizon = float(window_days) / float(time_unit_days)
    for date, group in patterns.groupby("feature_date", sort=True):
        g = group.reset_index(drop=True)
        x = g["repeat_purchase_days"].to_numpy(dtype=float)
        tx = g["purchase_span_days"].to_numpy(dtype=float) / time_unit_days
        T = g["tenure_days"].to_numpy(dtype=float) / time_unit_days
        w = g["sampled_customers"].to_numpy(dtype=float)
        out = g[
            [
                "feature_date",
                "repeat_purchase_days",
                "purchase_span_days",
                "tenure_days",
            ]
        ].copy()
        try:
            fit = btyd.fit_bgnbd(x, tx, T, weights=w)
            if not fit.converged:
                raise btyd.FitError(f"BG/NBD fit did not converge: {fit.message}")
        except btyd.FitError as exc:
            for column in ("p_alive", "expected_purchases", "p_no_purchase"):
                out[f"bgnbd_{column}"] = np.nan
            for name in ("r", "alpha", "a", "b", "log_likelihood"):
                out[f"bgnbd_{name}"] = np.nan
            out["bgnbd_status"] = "failed"
            out["bgnbd_message"] = str(exc)
        else:
            params = btyd.BgNbdParams(**fit.params)
            out["bgnbd_p_alive"] = btyd.bgnbd_p_alive(params, x, tx, T)
            out["bgnbd_expected_purchases"] = btyd.bgnbd_expected_purchases(
                params, horizon, x, tx, T
            )
            out["bgnbd_p_no_purchase"] = btyd.bgnbd_probability_no_purchase(
                params, horizon, x, tx, T
            )
            for name, value in fit.params.items():
                out[f"bgnbd_{name}"] = float(value)
            out["bgnbd_log_likelihood"] = float(fit.log_likelihood)
            out["bgnbd_status"] = "fitted"
            out["bgnbd_message"] = (
                f"fitted on {int(w.sum())} sampled customers "
                f"({len(g)} distinct patterns)"
            )
        parts.append(out)
    columns = [
        "feature_date",
        "repeat_purchase_days",
        "purchase_span_days",
        "tenure_days",
        "bgnbd_p_alive",
        "bgnbd_expected_purchases",
        "bgnbd_p_no_purchase",
        "bgnbd_r",
        "bgnbd_alpha",
        "bgnbd_a",
        "bgnbd_b",
        "bgnbd_log_likelihood",
        "bgnbd_status",
        "bgnbd_message",
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


# --------------------------------------------------------------------------- #
# the SQL-scorable logistic model
# --------------------------------------------------------------------------- #
@dataclass
class LogisticFit:
    """A fitted logistic churn model and its coefficient table."""

    coefficients: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    model: LogisticRegression = field(repr=False, compare=False)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Churn probability of every row (same formula as the SQL scoring)."""
        return predict_from_coefficients(frame, self.coefficients)


def _design(frame: pd.DataFrame, coefficients: pd.DataFrame) -> np.ndarray:
    """Design matrix of the terms of ``coefficients`` (intercept excluded)."""
    columns = []
    for term in coefficients.itertuples(index=False):
        if term.term_kind == "numeric":
            v = frame[term.feature].to_numpy(dtype=float)
            v = np.where(np.isnan(v), term.impute_value, v)
            columns.append((signed_log1p(v) - term.center) / term.scale)
        elif term.term_kind == "missing_indicator":
            columns.append(np.isnan(frame[term.feature].to_numpy(dtype=float)) * 1.0)
        elif term.term_kind == "category":
            values = frame[term.feature].astype(str).to_numpy()
            columns.append((values == term.category_value) * 1.0)
    return np.column_stack(columns) if columns else np.zeros((len(frame), 0))


def predict_from_coefficients(
    frame: pd.DataFrame, coefficients: pd.DataFrame
) -> np.ndarray:
    """``1 / (1 + exp(-eta))`` with ``eta`` the sum of the table's terms.

    Mirrors ``int_churn_scores``: numeric terms ``b (slog1p(coalesce(v, m)) - c)
    / s``, missing indicators ``b [v is null]``, categories ``b [stage = k]``,
    plus the intercept. A 'passthrough' table returns its feature unchanged.
    """
    if (coefficients["term_kind"] == "passthrough").any():
        feature = coefficients.loc[
            coefficients["term_kind"] == "passthrough", "feature"
        ].iloc[0]
        return frame[feature].to_numpy(dtype=float)
    terms = coefficients[coefficients["term_kind"] != "intercept"]
    intercept = float(
        coefficients.loc[coefficients["term_kind"] == "intercept", "coefficient"].iloc[
            0
        ]
    )
    eta = intercept + _design(frame, terms) @ terms["coefficient"].to_numpy(float)
    return 1.0 / (1.0 + np.exp(-eta))


def _term_rows(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    """The terms (without coefficients) learnt from the training rows."""
    rows = []
    for f in numeric:
        v = frame[f].to_numpy(dtype=float)
        missing = np.isnan(v)
        impute = float(np.median(v[~missing]))
        u = signed_log1p(np.where(missing, impute, v))
        sd = float(np.std(u))
        rows.append(
            {
                "term_kind": "numeric",
                "feature": f,
                "category_value": None,
                "impute_value": impute,
                "center": float(np.mean(u)),
                "scale": sd if sd > 0 else 1.0,
            }
        )
        if missing.any():
            rows.append({"term_kind": "missing_indicator", "feature": f})
    for f in categorical:
        for value in sorted(frame[f].astype(str).unique()):
            rows.append(
                {"term_kind": "category", "feature": f, "category_value": value}
            )
    return pd.DataFrame(rows, columns=TERM_COLUMNS)


def coefficient_table(terms: pd.DataFrame, model: LogisticRegression) -> pd.DataFrame:
    """Terms with their coefficients and the intercept row, with a unique ``term``."""
    table = terms.copy()
    table["coefficient"] = model.coef_[0].astype(float)
    intercept = pd.DataFrame(
        [{"term_kind": "intercept", "coefficient": float(model.intercept_[0])}]
    )
    table = pd.concat([intercept, table], ignore_index=True)
    table["term"] = np.where(
        table["term_kind"] == "intercept",
        "intercept",
        np.where(
            table["term_kind"] == "category",
            table["feature"].astype(str) + "=" + table["category_value"].astype(str),
            np.where(
                table["term_kind"] == "missing_indicator",
                table["feature"].astype(str) + " is null",
                table["feature"].astype(str),
            ),
        ),
    )
    return table[["term", *TERM_COLUMNS, "coefficient"]]


def fit_logistic(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> LogisticFit:
    """Fit the SQL-scorable logistic model (see module docstring) on ``frame``.

    Numeric columns that are missing on every row are dropped; categorical
    columns with a single value are dropped.
    """
    numeric = [f for f in numeric if frame[f].notna().any()]
    categorical = [f for f in categorical if frame[f].astype(str).nunique() > 1]
    terms = _term_rows(frame, numeric, categorical)
    X = _design(frame, terms)
    y = frame[LABEL].to_numpy(dtype=int)
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(X, y)
    return LogisticFit(coefficient_table(terms, model), numeric, categorical, model)


def _fit_reference(frame: pd.DataFrame, numeric, random_state: int):
    """The non-linear reference (not SQL-scorable): gradient boosting."""
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=random_state,
    )
    X = frame[numeric].to_numpy(dtype=float)
    model.fit(X, frame[LABEL].to_numpy(dtype=int))
    return model


def _passthrough_table(feature: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "term": feature,
                "term_kind": "passthrough",
                "feature": feature,
                "category_value": None,
                "impute_value": np.nan,
                "center": np.nan,
                "scale": np.nan,
                "coefficient": 1.0,
            }
        ]
    )


# --------------------------------------------------------------------------- #
# evaluation on one set of rows
# --------------------------------------------------------------------------- #
def _has_bgnbd(frame: pd.DataFrame) -> bool:
    return bool(frame["bgnbd_p_no_purchase"].notna().all()) and len(frame) > 0


def _evaluate(
    train: pd.DataFrame,
    test: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    seed: int,
    with_reference: bool,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict]:
    """Fit on ``train``, evaluate on ``test``: metrics with 95% intervals.

    Returns (metrics: :data:`METRIC_COLUMNS`, with DeLong intervals for roc_auc
    and the paired AUC differences ``roc_auc_difference_vs_<baseline>``), the
    probabilities per model (for calibration) and the fitted models.
    """
    y = test[LABEL].to_numpy(dtype=int)
    use_bgnbd = _has_bgnbd(train) and _has_bgnbd(test)
    feats = [f for f in numeric if use_bgnbd or not f.startswith("bgnbd_")]
    logistic = fit_logistic(train, feats, categorical)
    recency_model = fit_logistic(train, ["recency_days"], [])
    scores: dict[str, np.ndarray] = {}
    probabilities: dict[str, np.ndarray] = {}
    p = logistic.predict(test)
    scores[PUBLISHABLE_MODEL], probabilities[PUBLISHABLE_MODEL] = p, p
    if with_reference:
        reference = _fit_reference(train, logistic.numeric, seed)
        p = reference.predict_proba(test[logistic.numeric].to_numpy(dtype=float))[:, 1]
        scores[REFERENCE_MODEL], probabilities[REFERENCE_MODEL] = p, p
    scores[RECENCY] = test["recency_days"].to_numpy(dtype=float)
    probabilities[RECENCY] = recency_model.predict(test)
    if use_bgnbd:
        scores[BGNBD] = -test["bgnbd_expected_purchases"].to_numpy(dtype=float)
        probabilities[BGNBD] = test["bgnbd_p_no_purchase"].to_numpy(dtype=float)

    aucs, cov = delong_auc(y, scores)
    rows = []
    for name, score in scores.items():
        metrics = classification_metrics(y, score, probabilities[name])
        for metric, value in metrics.items():
            lo = hi = se = float("nan")
            if metric == "roc_auc":
                lo, hi, se = _interval(value, cov.loc[name, name])
            rows.append((name, name in BASELINE_NAMES, metric, value, lo, hi, se))
    for model in [m for m in CANDIDATE_NAMES if m in scores]:
        for baseline in [b for b in BASELINE_NAMES if b in scores]:
            point = aucs[model] - aucs[baseline]
            variance = (
                cov.loc[model, model]
                + cov.loc[baseline, baseline]
                - 2 * cov.loc[model, baseline]
            )
            lo, hi, se = _interval(point, variance)
            metric = f"roc_auc_difference_vs_{baseline}"
            rows.append((model, False, metric, point, lo, hi, se))
    table = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    info = {"logistic": logistic, "use_bgnbd": use_bgnbd}
    return table, probabilities, info


# --------------------------------------------------------------------------- #
# main entry points
# --------------------------------------------------------------------------- #
@dataclass
class ChurnFit:
    """Outcome of :func:`fit_churn`.

    - ``coefficients``: the published model's coefficient table (scored in SQL).
    - ``published_model``: logistic_regression, or the baseline published
      instead (``reason`` says why).
    - ``evaluations``: holdout metrics (:data:`METRIC_COLUMNS` + is_selected).
    - ``calibration``: model_name, bin, n, mean_predicted, observed_rate.
    - ``backtest``: :func:`backtest` rows.
    - ``params``: the run log (JSON-ready).
    """

    coefficients: pd.DataFrame
    published_model: str
    reason: str
    evaluations: pd.DataFrame
    calibration: pd.DataFrame
    backtest: pd.DataFrame
    features: list[str]
    params: dict
    training_rows: int
    holdout_rows: int


def _check_training(frame: pd.DataFrame) -> None:
    if frame.empty:
        raise ValueError("no customer bought on or before the training date")
    if frame[LABEL].nunique() < 2:
        raise ValueError("churn labels have a single class; cannot train a classifier")


def _differences(table: pd.DataFrame) -> pd.DataFrame:
    """The logistic model's AUC difference rows, one per (origin, baseline)."""
    rows = table[
        (table["model_name"] == PUBLISHABLE_MODEL)
        & table["metric"].str.startswith("roc_auc_difference_vs_")
    ]
    return rows.assign(
        baseline=rows["metric"].str.removeprefix("roc_auc_difference_vs_")
    )


def publish_decision(
    evaluations: pd.DataFrame, backtest_rows: pd.DataFrame
) -> tuple[str, str]:
    """Which model scores churn_scores, and why.

    The evidence is out of time when the backtest has origins (every origin
    with both baselines), else the holdout. logistic_regression is published
    when the 95% interval of its AUC difference lies above 0 against every
    baseline at every origin of the evidence; otherwise the baseline with the
    higher holdout AUC (ties: recency first).
    """
    evidence = _differences(backtest_rows) if len(backtest_rows) else None
    source = "at every backtest origin"
    if evidence is None or evidence.empty:
        evidence = _differences(evaluations)
        source = "on the holdout"
    text = "; ".join(
        f"vs {row.baseline}"
        + (
            f" at {pd.Timestamp(row.origin_date).date()}"
            if "origin_date" in row._fields
            else ""
        )
        + f" {row.value:+.4f} (95% CI {row.ci_lower:+.4f} to {row.ci_upper:+.4f})"
        for row in evidence.itertuples(index=False)
    )
    both = set(evidence["baseline"]) == set(BASELINE_NAMES)
    if both and (evidence["ci_lower"] > 0).all():
        return PUBLISHABLE_MODEL, f"AUC beats every baseline clearly {source}: {text}"
    auc = evaluations[
        evaluations["is_baseline"] & (evaluations["metric"] == "roc_auc")
    ].set_index("model_name")["value"]
    best = max(auc.index, key=lambda m: (auc[m], -BASELINE_NAMES.index(m)))
    return best, (
        f"logistic_regression does not beat every baseline clearly {source} "
        f"({text}); publishing the best baseline, {best} "
        f"(holdout AUC {auc[best]:.4f})"
    )


def fit_churn(
    frame: pd.DataFrame,
    numeric: list[str],
    random_state: int = 42,
) -> ChurnFit:
    """Fit, evaluate, backtest and decide the churn model on the sampled rows.

    ``frame``: the churn sample of the feature table at every feature date with
    a label (feature_date_index >= 1): customer_id, feature_date_index,
    feature_date, label_window_end_date, is_holdout, churn_label, the
    ``numeric`` columns, lifecycle_stage and the BG/NBD columns.
    """
    frame = frame.sort_values(
        ["feature_date_index", "customer_id"], kind="mergesort"
    ).reset_index(drop=True)
    training = frame[frame["feature_date_index"] == 1].reset_index(drop=True)
    _check_training(training)
    train = training[~training["is_holdout"].astype(bool)].reset_index(drop=True)
    hold = training[training["is_holdout"].astype(bool)].reset_index(drop=True)
    if train[LABEL].nunique() < 2 or hold[LABEL].nunique() < 2:
        raise ValueError("the train part or the holdout has a single churn class")
    categorical = [STAGE_COLUMN]

    # One BLAS/OpenMP thread whatever runs beside the fit (customer_lifecycle.threads).
    with one_numeric_thread():
        evaluations, probabilities, info = _evaluate(
            train, hold, numeric, categorical, random_state, True
        )
        backtest_rows = backtest(frame, numeric, random_state)
        published, reason = publish_decision(evaluations, backtest_rows)
        evaluations["is_selected"] = evaluations["model_name"] == published
        if published == PUBLISHABLE_MODEL:
            final = fit_logistic(training, info["logistic"].numeric, categorical)
            coefficients = final.coefficients
            features = final.numeric + final.categorical
        elif published == RECENCY:
            final = fit_logistic(training, ["recency_days"], [])
            coefficients, features = final.coefficients, ["recency_days"]
        else:
            coefficients = _passthrough_table("bgnbd_p_no_purchase")
            features = ["bgnbd_p_no_purchase"]

    calibration = []
    for name, prob in probabilities.items():
        cal = calibration_table(hold[LABEL], prob, hold["customer_id"])
        cal.insert(0, "model_name", name)
        calibration.append(cal)
    training_date = pd.Timestamp(training["feature_date"].iloc[0]).date()
    params = {
        "training_feature_date": str(training_date),
        "label_definition": (
            "1 = no non-refund purchase with feature_date < order date <= "
            "label_window_end_date"
        ),
        "sample": "int_churn_customer_sample (salted md5 of customer_id)",
        "random_state": int(random_state),
        "intervals": "DeLong 95% (normal), paired for AUC differences",
        "numeric_features": info["logistic"].numeric,
        "categorical_features": info["logistic"].categorical,
        "bgnbd_features_used": bool(info["use_bgnbd"]),
        "published_model": published,
        "publish_rule": (
            "logistic_regression when the 95% interval of its AUC difference is "
            "above 0 against every baseline at every backtest origin (the holdout "
            "when there is no origin); else the baseline with the higher holdout AUC"
        ),
        "reason": reason,
        "reference_model": (
            f"{REFERENCE_MODEL}: evaluated only, never published (not SQL-scorable)"
        ),
        "backtest_origins": sorted(
            str(pd.Timestamp(d).date()) for d in backtest_rows["origin_date"].unique()
        ),
        "training_rows_train_part": len(train),
        "holdout_rows": len(hold),
        "rows_fitted_final": len(training),
        "train_positive_rate": float(train[LABEL].mean()),
        "holdout_positive_rate": float(hold[LABEL].mean()),
    }
    return ChurnFit(
        coefficients=coefficients,
        published_model=published,
        reason=reason,
        evaluations=evaluations,
        calibration=pd.concat(calibration, ignore_index=True),
        backtest=backtest_rows,
        features=features,
        params=params,
        training_rows=len(training),
        holdout_rows=len(hold),
    )


def backtest(
    frame: pd.DataFrame, numeric: list[str], random_state: int
) -> pd.DataFrame:
    """Rolling-origin, out-of-time evaluation at every origin j >= 1.

    At origin j the logistic model (and the recency model) is fitted on the rows
    at feature date index j + 1 and evaluated on the rows at j, beside the
    baselines; metrics with DeLong 95% intervals and the paired AUC
    differences. Origins with fewer than :data:`MIN_ROWS` rows or one class on
    either side are skipped, and so are origins whose training date lies
    within one window of the first purchase (no training customer has a
    tenure of a full window: the window features are not yet defined, and a
    model fitted on first-week buyers only says nothing about later ones). Returns origin_index, origin_date (features of the
    evaluated rows), training_feature_date, label_window_end_date and
    :data:`METRIC_COLUMNS`.
    """
    parts = []
    indexes = sorted(frame["feature_date_index"].unique())
    for j in indexes:
        if j < 1 or j + 1 not in indexes:
            continue
        train = frame[frame["feature_date_index"] == j + 1].reset_index(drop=True)
        test = frame[frame["feature_date_index"] == j].reset_index(drop=True)
        window_days = (
            pd.Timestamp(train["label_window_end_date"].iloc[0])
            - pd.Timestamp(train["feature_date"].iloc[0])
        ).days
        if (
            min(len(train), len(test)) < MIN_ROWS
            or train[LABEL].nunique() < 2
            or test[LABEL].nunique() < 2
            or train["tenure_days"].max() < window_days
        ):
            continue
        table, _, _ = _evaluate(
            train, test, numeric, [STAGE_COLUMN], random_state, False
        )
        table.insert(0, "origin_index", int(j))
        table.insert(1, "origin_date", test["feature_date"].iloc[0])
        table.insert(2, "training_feature_date", train["feature_date"].iloc[0])
        table.insert(3, "label_window_end_date", test["label_window_end_date"].iloc[0])
        parts.append(table)
    columns = [
        "origin_index",
        "origin_date",
        "training_feature_date",
        "label_window_end_date",
        *METRIC_COLUMNS,
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def evaluate_against_truth(scores: pd.DataFrame, truth_alive_flags) -> dict[str, float]:
    """Compare churn scores with simulator truth.

    ``truth_alive_flags``: a DataFrame with ``customer_id`` and
    ``is_alive_at_end`` (bool), or a boolean Series indexed by customer_id.
    The positive class is "not alive" (truly churned).  Only customers present
    in both are used.  Returns ``classification_metrics`` of
    ``churn_probability`` against the truth (note that "dead at the end of
    the simulation" and "no purchase in the next window" are different
    targets; this is a sanity check, not the training objective).
    """
    if isinstance(truth_alive_flags, pd.DataFrame):
        truth = truth_alive_flags.set_index(
            truth_alive_flags["customer_id"].astype(str)
        )["is_alive_at_end"]
    else:
        truth = pd.Series(truth_alive_flags)
        truth.index = truth.index.astype(str)
    s = scores.set_index(scores["customer_id"].astype(str))["churn_probability"]
    common = s.index.intersection(truth.index).sort_values()
    y = (~truth.loc[common].astype(bool)).astype(int).to_numpy()
    p = s.loc[common].to_numpy(dtype=float)
    return classification_metrics(y, p, p)
