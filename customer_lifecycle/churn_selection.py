"""Evaluation of the churn candidates and baselines, backtest and publish rule.

:func:`evaluate_models` fits on one set of rows and evaluates on another: the
logistic regression (BG/NBD ``p_alive`` and expected purchases are among its
inputs, so it starts where BG/NBD is), the gradient-boosting reference and the
two baselines, with DeLong 95% intervals. :func:`rolling_origins` does it at
every backtest origin, out of time. :func:`publish_decision` pools the origins
(:func:`customer_lifecycle.churn_metrics.pooled_auc_differences`) and decides:

1. the **best baseline** is the one with the higher pooled AUC (BG/NBD
   expected purchases when the pooled difference BG/NBD - recency is >= 0,
   else recency): one origin's few thousandths decide nothing alone;
2. the **logistic regression** is published only when the 95% interval of its
   pooled AUC difference lies above 0 against both baselines ("wins clearly");
   otherwise the best baseline is published.

The evidence is the backtest origins (out of time, as the model is used); the
holdout when no origin is usable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_lifecycle.churn_logistic import LABEL, fit_logistic, fit_reference
from customer_lifecycle.churn_metrics import (
    classification_metrics,
    delong_auc,
    normal_interval,
    pooled_auc_differences,
)

__all__ = [
    "BASELINE_FEATURES",
    "BASELINE_NAMES",
    "BGNBD",
    "CANDIDATE_NAMES",
    "METRIC_COLUMNS",
    "MIN_ROWS",
    "PUBLISHABLE_MODEL",
    "RECENCY",
    "REFERENCE_MODEL",
    "STAGE_COLUMN",
    "EvaluationSet",
    "backtest",
    "evaluate_models",
    "has_bgnbd",
    "publish_decision",
    "rolling_origins",
]

PUBLISHABLE_MODEL = "logistic_regression"
REFERENCE_MODEL = "hist_gradient_boosting"
CANDIDATE_NAMES: tuple[str, ...] = (PUBLISHABLE_MODEL, REFERENCE_MODEL)
RECENCY = "recency"
BGNBD = "bgnbd_expected_purchases"
BASELINE_NAMES: tuple[str, ...] = (RECENCY, BGNBD)
#: The one input of each baseline: its score ranks by it (recency days up,
#: expected purchases down) and its probability is a one-feature logistic
#: regression on it, monotone in it, so the published baseline ranks as it does.
BASELINE_FEATURES: dict[str, str] = {
    RECENCY: "recency_days",
    BGNBD: "bgnbd_expected_purchases",
}
STAGE_COLUMN = "lifecycle_stage"
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
#: (customer_ids, labels, scores by model): the rows one evaluation was made on.
EvaluationSet = tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]


def has_bgnbd(frame: pd.DataFrame) -> bool:
    """True when every row has the BG/NBD predictions (the fit did not fail)."""
    return bool(frame["bgnbd_p_no_purchase"].notna().all()) and len(frame) > 0


def _scores(
    train: pd.DataFrame,
    test: pd.DataFrame,
    numeric: list[str],
    seed: int,
    with_reference: bool,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict]:
    """Ranking scores and probabilities on ``test`` of every model fitted on
    ``train`` (BG/NBD inputs and baseline only when both sides have them)."""
    use_bgnbd = has_bgnbd(train) and has_bgnbd(test)
    feats = [f for f in numeric if use_bgnbd or not f.startswith("bgnbd_")]
    logistic = fit_logistic(train, feats, [STAGE_COLUMN])
    p = logistic.predict(test)
    scores = {PUBLISHABLE_MODEL: p}
    probabilities = {PUBLISHABLE_MODEL: p}
    if with_reference:
        reference = fit_reference(train, logistic.numeric, seed)
        p = reference.predict_proba(test[logistic.numeric].to_numpy(dtype=float))[:, 1]
        scores[REFERENCE_MODEL], probabilities[REFERENCE_MODEL] = p, p
    for baseline in BASELINE_NAMES if use_bgnbd else (RECENCY,):
        feature = BASELINE_FEATURES[baseline]
        sign = 1.0 if baseline == RECENCY else -1.0
        scores[baseline] = sign * test[feature].to_numpy(dtype=float)
        probabilities[baseline] = fit_logistic(train, [feature], []).predict(test)
    return scores, probabilities, {"logistic": logistic, "use_bgnbd": use_bgnbd}


def evaluate_models(
    train: pd.DataFrame,
    test: pd.DataFrame,
    numeric: list[str],
    seed: int,
    with_reference: bool,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict, EvaluationSet]:
    """Fit on ``train``, evaluate on ``test``: metrics with 95% intervals.

    Returns (metrics: :data:`METRIC_COLUMNS`, with DeLong intervals for roc_auc
    and the paired AUC differences ``roc_auc_difference_vs_<baseline>``), the
    probabilities per model (for calibration), the fitted logistic model and
    whether BG/NBD was used, and the evaluation set (for pooling).
    """
    y = test[LABEL].to_numpy(dtype=int)
    scores, probabilities, info = _scores(train, test, numeric, seed, with_reference)
    aucs, cov = delong_auc(y, scores)
    rows = []
    for name, score in scores.items():
        metrics = classification_metrics(y, score, probabilities[name])
        for metric, value in metrics.items():
            lo = hi = se = float("nan")
            if metric == "roc_auc":
                lo, hi, se = normal_interval(value, cov.loc[name, name])
            rows.append((name, name in BASELINE_NAMES, metric, value, lo, hi, se))
    for model in [m for m in CANDIDATE_NAMES if m in scores]:
        for baseline in [b for b in BASELINE_NAMES if b in scores]:
            point = aucs[model] - aucs[baseline]
            variance = (
                cov.loc[model, model]
                + cov.loc[baseline, baseline]
                - 2 * cov.loc[model, baseline]
            )
            lo, hi, se = normal_interval(point, variance)
            metric = f"roc_auc_difference_vs_{baseline}"
            rows.append((model, False, metric, point, lo, hi, se))
    table = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    evaluation_set = (test["customer_id"].to_numpy(), y, scores)
    return table, probabilities, info, evaluation_set


def _usable_origin(train: pd.DataFrame, test: pd.DataFrame) -> bool:
    """Enough rows, both classes, and a training date a full window after the
    first purchase (else the window features are not yet defined)."""
    window_days = (
        pd.Timestamp(train["label_window_end_date"].iloc[0])
        - pd.Timestamp(train["feature_date"].iloc[0])
    ).days
    return not (
        min(len(train), len(test)) < MIN_ROWS
        or train[LABEL].nunique() < 2
        or test[LABEL].nunique() < 2
        or train["tenure_days"].max() < window_days
    )


def rolling_origins(
    frame: pd.DataFrame, numeric: list[str], random_state: int
) -> tuple[pd.DataFrame, list[EvaluationSet]]:
    """Rolling-origin, out-of-time evaluation at every origin j >= 1.

    At origin j the logistic model (and the baselines' probability models) is
    fitted on the rows at feature date index j + 1 and evaluated on the rows at
    j, beside the baselines; metrics with DeLong 95% intervals and the paired
    AUC differences. Origins with fewer than :data:`MIN_ROWS` rows or one class
    on either side are skipped, and so are origins whose training date lies
    within one window of the first purchase (no training customer has a tenure
    of a full window: the window features are not yet defined, and a model
    fitted on first-week buyers only says nothing about later ones). Returns
    the table (origin_index, origin_date (features of the evaluated rows),
    training_feature_date, label_window_end_date and :data:`METRIC_COLUMNS`)
    and the evaluation set of every origin kept.
    """
    parts, sets = [], []
    indexes = sorted(frame["feature_date_index"].unique())
    for j in indexes:
        if j < 1 or j + 1 not in indexes:
            continue
        train = frame[frame["feature_date_index"] == j + 1].reset_index(drop=True)
        test = frame[frame["feature_date_index"] == j].reset_index(drop=True)
        if not _usable_origin(train, test):
            continue
        table, _, _, evaluation_set = evaluate_models(
            train, test, numeric, random_state, False
        )
        table.insert(0, "origin_index", int(j))
        table.insert(1, "origin_date", test["feature_date"].iloc[0])
        table.insert(2, "training_feature_date", train["feature_date"].iloc[0])
        table.insert(3, "label_window_end_date", test["label_window_end_date"].iloc[0])
        parts.append(table)
        sets.append(evaluation_set)
    columns = [
        "origin_index",
        "origin_date",
        "training_feature_date",
        "label_window_end_date",
        *METRIC_COLUMNS,
    ]
    if not parts:
        return pd.DataFrame(columns=columns), sets
    return pd.concat(parts, ignore_index=True)[columns], sets


def backtest(
    frame: pd.DataFrame, numeric: list[str], random_state: int
) -> pd.DataFrame:
    """The table of :func:`rolling_origins` (``churn_backtest_by_cutoff``)."""
    return rolling_origins(frame, numeric, random_state)[0]


def _describe(row) -> str:
    return (
        f"{row.model_name} - {row.baseline} {row.value:+.4f} "
        f"(95% CI {row.ci_lower:+.4f} to {row.ci_upper:+.4f})"
    )


def publish_decision(
    evaluation_sets: list[EvaluationSet], source: str
) -> tuple[str, str, pd.DataFrame]:
    """Which model scores churn_scores, why, and the pooled evidence.

    ``evaluation_sets``: the backtest origins (or the holdout alone), all with
    the same models; ``source`` says which, for the reason. Rule: see the
    module docstring. Returns (published model, reason, pooled differences of
    :func:`pooled_auc_differences` for logistic_regression against each
    baseline and BG/NBD against recency).
    """
    models = set(evaluation_sets[0][2])
    pairs = [(PUBLISHABLE_MODEL, b) for b in BASELINE_NAMES if b in models]
    if BGNBD in models:
        pairs.append((BGNBD, RECENCY))
    pooled = pooled_auc_differences(evaluation_sets, pairs)
    text = "; ".join(_describe(row) for row in pooled.itertuples(index=False))
    versus = pooled[pooled["model_name"] == BGNBD]
    best = BGNBD if len(versus) and versus["value"].iloc[0] >= 0 else RECENCY
    logistic = pooled[pooled["model_name"] == PUBLISHABLE_MODEL]
    where = f"pooled AUC differences over {source}: {text}"
    if (logistic["ci_lower"] > 0).all() and len(logistic) == len(BASELINE_NAMES):
        return PUBLISHABLE_MODEL, f"beats both baselines clearly, {where}", pooled
    reason = (
        "logistic_regression does not beat both baselines clearly; publishing "
        f"the best baseline, {best}; {where}"
    )
    return best, reason, pooled
