"""Churn models trained, selected, evaluated on a holdout and scored: one run.

Thin dbt Python model: loads the inputs up to as_of_date (the same frames as
int_customer_features_at_churn_dates) and calls
``customer_lifecycle.churn.train_and_score`` once (doc block churn_model). A dbt
Python model returns one table, so the outputs of that single run are stacked,
told apart by ``record_type``:

* 'score': one row per customer who bought on or before as_of_date;
* 'evaluation': one row per candidate or baseline and metric (holdout metrics,
  and the train-part cross-validated log-loss used for the selection);
* 'calibration': one row per model and calibration bin (holdout);
* 'run': the run log (parameters, features, package versions, fit duration).

A run that cannot be made (too few customers, a single churn class) gives one
'run' row with ``status = 'failed'`` and the reason, never a failed build. The
marts churn_scores, model_evaluations, model_calibration and model_runs publish it.
Only ``fit_seconds`` differs between two builds on the same input.
"""

import hashlib
import json
import math
import time

import numpy as np
import pandas as pd
import pyarrow as pa

from customer_lifecycle import btyd, churn
from customer_lifecycle.clv import package_versions

MODEL_NAME = "churn"
SCHEMA = {
    "record_type": "string",
    "model_run_id": "string",
    "model_version": "string",
    "as_of_date": pd.ArrowDtype(pa.date32()),
    "customer_id": "string",
    "churn_probability": "Float64",
    "risk_decile": "Int64",
    "model_name": "string",
    "is_baseline": "boolean",
    "is_selected": "boolean",
    "metric": "string",
    "metric_value": "Float64",
    "evaluated_on": "string",
    "calibration_bin": "Int64",
    "bin_customers": "Int64",
    "mean_predicted_probability": "Float64",
    "observed_churn_rate": "Float64",
    "status": "string",
    "message": "string",
    "training_rows": "Int64",
    "parameters": "string",
    "features": "string",
    "package_versions": "string",
    "fit_seconds": "Float64",
}


def _load_inputs(dbt):
    """Orders and surveys up to as_of_date, stage periods, in a canonical order."""
    orders = (
        dbt.ref("int_orders_as_of")
        .project("order_id, customer_id, ordered_at, amount, is_refund")
        .order("customer_id, ordered_at, order_id")
        .df()
    )
    surveys = (
        dbt.ref("int_survey_responses_as_of").order("customer_id, response_id").df()
    )
    stages = (
        dbt.ref("int_lifecycle_stages_at_churn_dates")
        .project("customer_id, period_start, period_end_exclusive as period_end, stage")
        .distinct()
        .order("customer_id, period_start")
        .df()
    )
    return orders, surveys, stages


def _plain(value):
    """JSON-ready copy: numpy scalars to Python, NaN / inf to null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json(value) -> str:
    return json.dumps(_plain(value), sort_keys=True)


def _stack(parts: list[pd.DataFrame], run: dict) -> pd.DataFrame:
    """Stack the record parts under SCHEMA, run-level columns on every row."""
    frames = [p for p in parts if len(p)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out = out.reset_index(drop=True)
    for column, dtype in SCHEMA.items():
        if column in ("model_run_id", "model_version", "as_of_date"):
            out[column] = pd.Series(run[column], index=out.index, dtype=dtype)
        elif column in out:
            out[column] = out[column].astype(dtype)
        else:
            out[column] = pd.Series(None, index=out.index, dtype=dtype)
    return out[list(SCHEMA)]


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    orders, surveys, stages = _load_inputs(dbt)
    as_of = pd.Timestamp(context["as_of_date"])
    settings = {
        "window_days": int(context["churn_window_days"]),
        "holdout_share": float(context["churn_holdout_share"]),
        "random_state": int(context["random_seed"]),
        "time_unit": str(context["time_unit"]),
    }

    started = time.perf_counter()
    try:
        result = churn.train_and_score(
            orders, as_of, surveys=surveys, stages=stages, **settings
        )
        error = None
    except (ValueError, btyd.FitError) as exc:
        result, error = None, f"churn model not fitted: {exc}"
    fit_seconds = time.perf_counter() - started

    parts = []
    if result is None:
        parameters = _json({"as_of": str(as_of.date()), **settings})
        run = {
            "status": "failed",
            "message": error,
            "model_version": None,
            "training_rows": None,
            "features": None,
        }
    else:
        parameters = _json(
            {
                **result.params,
                "train_part_rows": result.training_rows,
                "holdout_rows": result.holdout_rows,
                "model_version": result.model_version,
            }
        )
        run = {
            "status": "fitted",
            "message": (
                f"selected {result.selected_model} by {churn.CV_FOLDS}-fold CV "
                f"log-loss on {result.training_rows} train-part customers; evaluated "
                f"on {result.holdout_rows} holdout customers"
            ),
            "model_version": result.model_version,
            "training_rows": int(result.params["rows_fitted_final"]),
            "features": ", ".join(result.features),
        }
        parts.append(result.scores.assign(record_type="score"))
        evaluations = result.evaluations.rename(columns={"value": "metric_value"})
        evaluations["evaluated_on"] = np.where(
            evaluations["metric"] == "train_cv_log_loss",
            "train_cross_validation",
            "holdout",
        )
        parts.append(evaluations.assign(record_type="evaluation"))
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
    run.update(
        record_type="run",
        model_name=MODEL_NAME,
        parameters=parameters,
        package_versions=package_versions(),
        fit_seconds=fit_seconds,
        as_of_date=as_of.date(),
        model_run_id=(
            f"{MODEL_NAME}-{as_of.date()}-"
            f"{hashlib.md5(parameters.encode()).hexdigest()[:8]}"
        ),
    )
    parts.append(pd.DataFrame([run]).drop(columns=["model_run_id", "as_of_date"]))
    return _stack(parts, run)
