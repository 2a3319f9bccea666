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
   that can be published: it is scored in SQL from its coefficients; BG/NBD
   ``p_alive`` and expected purchases are among its inputs, so it starts where
   BG/NBD is) and ``hist_gradient_boosting`` (a non-linear reference,
   evaluated, never published).
2. Baselines on the same holdout rows: ``recency`` (score = days since the last
   purchase) and ``bgnbd_expected_purchases`` (score = - BG/NBD expected
   purchases in the window). The probability of each is a one-feature logistic
   regression on its input (monotone in it, so it ranks as the score does) and
   is SQL-scorable like the model.
3. Intervals (:func:`~customer_lifecycle.churn_metrics.delong_auc`): DeLong 95%
   intervals of every AUC and of the paired differences model - baseline.
4. Rolling-origin backtest (:func:`~customer_lifecycle.churn_selection.backtest`):
   at every origin j = 1..K the models are fitted at ``d_{j+1}`` and evaluated
   out of time at ``d_j``.
5. Publish rule (:func:`~customer_lifecycle.churn_selection.publish_decision`):
   the AUC differences are pooled over the origins (mean over origins, 95%
   interval clustered by customer); the best baseline is the one with the
   higher pooled AUC; the logistic regression is published only when its
   pooled interval lies above 0 against both baselines, else the best baseline.
6. The published model is refitted on every sampled row at j = 1 (train part and
   holdout) and returned as a coefficient table.

Everything is deterministic: rows sorted by customer, fixed seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_lifecycle.churn_bgnbd import bgnbd_pattern_features
from customer_lifecycle.churn_logistic import (
    LABEL,
    coefficient_table,
    fit_logistic,
    predict_from_coefficients,
    signed_log1p,
)
from customer_lifecycle.churn_metrics import (
    calibration_table,
    classification_metrics,
    delong_auc,
    pooled_auc_differences,
    top_decile_lift,
)
from customer_lifecycle.churn_selection import (
    BASELINE_FEATURES,
    BASELINE_NAMES,
    CANDIDATE_NAMES,
    PUBLISHABLE_MODEL,
    REFERENCE_MODEL,
    STAGE_COLUMN,
    backtest,
    evaluate_models,
    publish_decision,
    rolling_origins,
)
from customer_lifecycle.threads import one_numeric_thread

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
    "pooled_auc_differences",
    "predict_from_coefficients",
    "publish_decision",
    "signed_log1p",
    "top_decile_lift",
]

PUBLISH_RULE = (
    "AUC differences pooled over the backtest origins (the holdout when there "
    "is none): mean over origins, normal 95% interval clustered by customer. "
    "Best baseline = higher pooled AUC (bgnbd_expected_purchases on a tie). "
    "logistic_regression is published when its pooled interval is above 0 "
    "against both baselines; else the best baseline"
)


@dataclass
class ChurnFit:
    """Outcome of :func:`fit_churn`.

    - ``coefficients``: the published model's coefficient table (scored in SQL).
    - ``published_model``: logistic_regression, or the baseline published
      instead (``reason`` says why).
    - ``evaluations``: holdout metrics (METRIC_COLUMNS + is_selected).
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


def _split_training(frame: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """Rows at j = 1, and their train part and holdout; errors with a reason."""
    training = frame[frame["feature_date_index"] == 1].reset_index(drop=True)
    if training.empty:
        raise ValueError("no customer bought on or before the training date")
    if training[LABEL].nunique() < 2:
        raise ValueError("churn labels have a single class; cannot train a classifier")
    is_holdout = training["is_holdout"].astype(bool)
    train = training[~is_holdout].reset_index(drop=True)
    hold = training[is_holdout].reset_index(drop=True)
    if train[LABEL].nunique() < 2 or hold[LABEL].nunique() < 2:
        raise ValueError("the train part or the holdout has a single churn class")
    return training, train, hold


def _poolable(origin_sets: list, holdout_set) -> list:
    """The origins evaluated on every baseline the holdout has (an origin whose
    BG/NBD fit failed has no BG/NBD baseline and cannot be pooled with them)."""
    baselines = set(BASELINE_NAMES) & set(holdout_set[2])
    return [s for s in origin_sets if baselines <= set(s[2])]


def _final_model(
    published: str, training: pd.DataFrame, logistic_numeric: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The published model refitted on every training row: (coefficients, inputs)."""
    if published == PUBLISHABLE_MODEL:
        final = fit_logistic(training, logistic_numeric, [STAGE_COLUMN])
    else:
        final = fit_logistic(training, [BASELINE_FEATURES[published]], [])
    return final.coefficients, final.numeric + final.categorical


def _calibration(hold: pd.DataFrame, probabilities: dict) -> pd.DataFrame:
    parts = []
    for name, prob in probabilities.items():
        cal = calibration_table(hold[LABEL], prob, hold["customer_id"])
        cal.insert(0, "model_name", name)
        parts.append(cal)
    return pd.concat(parts, ignore_index=True)


def _run_log(
    training: pd.DataFrame,
    train: pd.DataFrame,
    hold: pd.DataFrame,
    info: dict,
    decision: dict,
    random_state: int,
) -> dict:
    """The run's parameters and choices (JSON-ready)."""
    training_date = pd.Timestamp(training["feature_date"].iloc[0]).date()
    pooled = decision["pooled"].drop(columns=["origins"]).round(6)
    return {
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
        "published_model": decision["published"],
        "publish_rule": PUBLISH_RULE,
        "selection_evidence": decision["source"],
        "pooled_auc_differences": pooled.to_dict("records"),
        "reason": decision["reason"],
        "reference_model": (
            f"{REFERENCE_MODEL}: evaluated only, never published (not SQL-scorable)"
        ),
        "backtest_origins": decision["origins"],
        "training_rows_train_part": len(train),
        "holdout_rows": len(hold),
        "rows_fitted_final": len(training),
        "train_positive_rate": float(train[LABEL].mean()),
        "holdout_positive_rate": float(hold[LABEL].mean()),
    }


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
    training, train, hold = _split_training(frame)
    # One BLAS/OpenMP thread whatever runs beside the fit (customer_lifecycle.threads).
    with one_numeric_thread():
        evaluations, probabilities, info, holdout_set = evaluate_models(
            train, hold, numeric, random_state, True
        )
        backtest_rows, origin_sets = rolling_origins(frame, numeric, random_state)
        same = _poolable(origin_sets, holdout_set)
        source = f"{len(same)} backtest origin(s)" if same else "the holdout"
        published, reason, pooled = publish_decision(same or [holdout_set], source)
        evaluations["is_selected"] = evaluations["model_name"] == published
        coefficients, features = _final_model(
            published, training, info["logistic"].numeric
        )
    origins = backtest_rows["origin_date"].unique()
    decision = {
        "published": published,
        "reason": reason,
        "pooled": pooled,
        "source": source,
        "origins": sorted(str(pd.Timestamp(d).date()) for d in origins),
    }
    return ChurnFit(
        coefficients=coefficients,
        published_model=published,
        reason=reason,
        evaluations=evaluations,
        calibration=_calibration(hold, probabilities),
        backtest=backtest_rows,
        features=features,
        params=_run_log(training, train, hold, info, decision, random_state),
        training_rows=len(training),
        holdout_rows=len(hold),
    )


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
