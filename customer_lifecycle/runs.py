"""One model run as one table: the glue between the package and dbt Python models.

A dbt Python model returns a single table, so a model run (churn, KMeans) returns
its outputs stacked, told apart by ``record_type``, with the run-level columns
(``model_run_id``, ``model_version``, ``as_of_date``) on every row and a final
'run' record: the run log (status, parameters, features, package versions, fit
duration). The SQL marts split the records again.

- :func:`churn_run` and :func:`segmentation_run`: fit once on the sample, stack
  the parameters (coefficients, centroids), evaluations and the run log;
- the run-log helpers (:func:`to_json`, :func:`model_run_id`, the 'run'
  record) live in the leaf module :mod:`customer_lifecycle.run_log`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import pandas as pd

from customer_lifecycle import btyd, churn
from customer_lifecycle.run_log import (
    DATE,
    RUN_SCHEMA,
    failed_run,
    finish_run,
    to_json,
)
from customer_lifecycle.segmentation import segment_customers

CHURN_SCHEMA = {
    **{k: RUN_SCHEMA[k] for k in ("record_type", "model_run_id", "model_version")},
    "as_of_date": DATE,
    "customer_id": "string",
    "term": "string",
    "term_kind": "string",
    "feature": "string",
    "category_value": "string",
    "impute_value": "Float64",
    "center": "Float64",
    "scale": "Float64",
    "coefficient": "Float64",
    "model_name": "string",
    "is_baseline": "boolean",
    "is_selected": "boolean",
    "metric": "string",
    "metric_value": "Float64",
    "ci_lower": "Float64",
    "ci_upper": "Float64",
    "standard_error": "Float64",
    "evaluated_on": "string",
    "origin_index": "Int64",
    "origin_date": DATE,
    "training_feature_date": DATE,
    "label_window_end_date": DATE,
    "calibration_bin": "Int64",
    "bin_customers": "Int64",
    "mean_predicted_probability": "Float64",
    "observed_churn_rate": "Float64",
    **{k: RUN_SCHEMA[k] for k in list(RUN_SCHEMA)[5:]},
}

SEGMENTATION_SCHEMA = {
    **{k: RUN_SCHEMA[k] for k in ("record_type", "model_run_id", "model_version")},
    "as_of_date": DATE,
    "segment_id": "Int64",
    "segment_label": "string",
    "silhouette": "Float64",
    "segment_silhouette": "Float64",
    "feature": "string",
    "center": "Float64",
    "impute_value": "Float64",
    "impute_with": "string",
    "is_clipped_at_zero": "boolean",
    "is_log1p": "boolean",
    "mean": "Float64",
    "scale": "Float64",
    "k": "Int64",
    "is_selected": "boolean",
    "model_name": "string",
    **{k: RUN_SCHEMA[k] for k in list(RUN_SCHEMA)[5:]},
}


def _timed_fit(fit, label: str):
    """Run ``fit()``; return (result or None, error message or None, seconds)."""
    started = time.perf_counter()
    try:
        result, error = fit(), None
    except (ValueError, btyd.FitError) as exc:
        result, error = None, f"{label} not fitted: {exc}"
    return result, error, time.perf_counter() - started


def churn_run(
    frame: pd.DataFrame,
    as_of: pd.Timestamp,
    settings: Mapping[str, object],
) -> pd.DataFrame:
    """Fit, evaluate, decide and backtest the churn model once; stacked records.

    ``frame``: the churn sample of int_customer_features_at_feature_dates at the
    labelled dates. Records: 'coefficient' (the published model's terms, scored
    in SQL by int_churn_scores), 'evaluation' (model x metric on the holdout,
    with 95% intervals), 'calibration' (model x bin), 'backtest' (origin x
    model x metric) and 'run'. A run that cannot be made gives one 'run' record
    with status 'failed' and the reason, never an exception. ``settings``: the
    keyword arguments of :func:`churn.fit_churn`.
    """
    result, error, fit_seconds = _timed_fit(
        lambda: churn.fit_churn(frame, **settings), "churn model"
    )

    parts: list[pd.DataFrame] = []
    if result is None:
        parameters = to_json({"as_of": str(as_of.date()), **settings})
        run = failed_run(error)
    else:
        version = f"churn-{result.published_model}-v2"
        parameters = to_json({**result.params, "model_version": version})
        run = {
            "status": "fitted",
            "message": (
                f"published {result.published_model}: {result.reason}; fitted on "
                f"{result.training_rows} sampled training customers, evaluated on "
                f"{result.holdout_rows} holdout customers"
            ),
            "model_version": version,
            "training_rows": int(result.training_rows),
            "features": ", ".join(result.features),
        }
        parts.append(
            result.coefficients.assign(
                record_type="coefficient", model_name=result.published_model
            )
        )
        evaluations = result.evaluations.rename(columns={"value": "metric_value"})
        parts.append(
            evaluations.assign(record_type="evaluation", evaluated_on="holdout")
        )
        parts.append(
            result.calibration.rename(
                columns={
                    "bin": "calibration_bin",
                    "n": "bin_customers",
                    "mean_predicted": "mean_predicted_probability",
                    "observed_rate": "observed_churn_rate",
                }
            ).assign(record_type="calibration", evaluated_on="holdout")
        )
        backtest = result.backtest.rename(columns={"value": "metric_value"})
        parts.append(
            backtest.assign(record_type="backtest", evaluated_on="out_of_time")
        )
    return finish_run(parts, run, "churn", as_of, parameters, fit_seconds, CHURN_SCHEMA)


def segmentation_run(
    features: pd.DataFrame, as_of: pd.Timestamp, settings: Mapping[str, object]
) -> pd.DataFrame:
    """Fit the KMeans segmentation once; stacked records.

    ``features``: the KMeans fit sample. Records: 'profile' (one per segment:
    label and silhouettes), 'centroid' (segment x model column, standardised
    space), 'scaling' (model column: imputation, transform, mean and scale),
    'silhouette' (one per k tried) and 'run'; int_customer_segments assigns every
    customer to the nearest centroid in SQL. Too few
    customers gives one failed 'run' record. ``settings``: the keyword arguments
    of :func:`segment_customers`.
    """
    result, error, fit_seconds = _timed_fit(
        lambda: segment_customers(features, **settings), "segmentation"
    )

    parts: list[pd.DataFrame] = []
    if result is None:
        parameters = to_json({"as_of": str(as_of.date()), **settings})
        run = failed_run(error)
    else:
        parameters = to_json(result.params)
        how = (
            "best silhouette" if settings.get("k") is None else "fixed by var segment_k"
        )
        run = {
            "status": "fitted",
            "message": (
                f"k = {result.k} ({how}); KMeans fitted and labelled on a "
                f"fixed-seed sample of {result.params['n_customers']} customers; "
                "every customer assigned to the nearest centroid in SQL"
            ),
            "model_version": f"kmeans-k{result.k}-v1",
            "training_rows": int(result.params["fit_sample"]),
            "features": ", ".join(result.params["model_columns"]),
        }
        parts.append(
            result.profiles[
                ["segment_id", "segment_label", "silhouette", "segment_silhouette"]
            ].assign(record_type="profile")
        )
        parts.append(result.centroids.assign(record_type="centroid"))
        parts.append(result.scaling.assign(record_type="scaling"))
        ks = sorted(result.silhouette_by_k)
        curve = pd.DataFrame(
            {"k": ks, "silhouette": [result.silhouette_by_k[k] for k in ks]}
        )
        curve["is_selected"] = curve["k"] == result.k
        parts.append(curve.assign(record_type="silhouette"))
    return finish_run(
        parts, run, "kmeans", as_of, parameters, fit_seconds, SEGMENTATION_SCHEMA
    )
