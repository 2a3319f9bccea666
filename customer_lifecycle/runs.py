"""One model run as one table: the glue between the package and dbt Python models.

A dbt Python model returns a single table, so a model run (churn, KMeans) returns
its outputs stacked, told apart by ``record_type``, with the run-level columns
(``model_run_id``, ``model_version``, ``as_of_date``) on every row and a final
'run' record: the run log (status, parameters, features, package versions, fit
duration). The SQL marts split the records again.

- :func:`point_in_time_features`: the churn dates' feature table;
- :func:`churn_run` and :func:`segmentation_run`: fit once, stack everything;
- :func:`to_json`, :func:`model_run_id`, :func:`stack_records`: the helpers.

``model_run_id`` is ``<model>-<as_of>-<8 hex digits of md5(parameters)>``, so two
builds on the same input and vars give the same id; only ``fit_seconds`` differs.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from customer_lifecycle import btyd, churn
from customer_lifecycle.clv import package_versions
from customer_lifecycle.features import FEATURE_COLUMNS, build_customer_features
from customer_lifecycle.segmentation import PROFILE_COLUMNS, segment_customers

DATE = pd.ArrowDtype(pa.date32())
BGNBD_COLUMNS = ["bgnbd_p_alive", "bgnbd_expected_purchases", "bgnbd_p_no_purchase"]

RUN_SCHEMA = {
    "record_type": "string",
    "model_run_id": "string",
    "model_version": "string",
    "as_of_date": DATE,
    "model_name": "string",
    "status": "string",
    "message": "string",
    "training_rows": "Int64",
    "parameters": "string",
    "features": "string",
    "package_versions": "string",
    "fit_seconds": "Float64",
}

CHURN_SCHEMA = {
    **{k: RUN_SCHEMA[k] for k in ("record_type", "model_run_id", "model_version")},
    "as_of_date": DATE,
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
    **{k: RUN_SCHEMA[k] for k in list(RUN_SCHEMA)[5:]},
}

CENTROID_COLUMNS = {c: f"centroid_{c}" for c in PROFILE_COLUMNS}
SEGMENTATION_SCHEMA = {
    **{k: RUN_SCHEMA[k] for k in ("record_type", "model_run_id", "model_version")},
    "as_of_date": DATE,
    "customer_id": "string",
    "segment_id": "Int64",
    "segment_label": "string",
    "distance_to_centroid": "Float64",
    "customers": "Int64",
    "share": "Float64",
    "silhouette": "Float64",
    "segment_silhouette": "Float64",
    **dict.fromkeys(CENTROID_COLUMNS.values(), "Float64"),
    "k": "Int64",
    "is_selected": "boolean",
    "model_name": "string",
    **{k: RUN_SCHEMA[k] for k in list(RUN_SCHEMA)[5:]},
}


def _plain(value):
    """JSON-ready copy: numpy scalars to Python, NaN / inf to null."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(value) -> str:
    """Deterministic JSON text (sorted keys; numpy scalars plain; NaN -> null)."""
    return json.dumps(_plain(value), sort_keys=True)


def model_run_id(model_name: str, as_of: pd.Timestamp, parameters: str) -> str:
    """``<model>-<as_of>-<md5(parameters)[:8]>``: equal for equal runs."""
    digest = hashlib.md5(parameters.encode()).hexdigest()[:8]
    return f"{model_name}-{as_of.date()}-{digest}"


def stack_records(
    parts: list[pd.DataFrame], run: dict, schema: Mapping[str, object]
) -> pd.DataFrame:
    """Stack record frames under ``schema``; the run-level columns on every row.

    Every column of the schema is present with its dtype (null where a record
    type has no value), so DuckDB sees typed columns even when all are null.
    """
    frames = [p for p in parts if len(p)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out = out.reset_index(drop=True)
    for column, dtype in schema.items():
        if column in ("model_run_id", "model_version", "as_of_date"):
            out[column] = pd.Series(run[column], index=out.index, dtype=dtype)
        elif column in out:
            out[column] = out[column].astype(dtype)
        else:
            out[column] = pd.Series(None, index=out.index, dtype=dtype)
    return out[list(schema)]


def _finish(
    parts: list[pd.DataFrame],
    run: dict,
    model_name: str,
    as_of: pd.Timestamp,
    parameters: str,
    fit_seconds: float,
    schema: Mapping[str, object],
) -> pd.DataFrame:
    run.update(
        record_type="run",
        model_name=model_name,
        parameters=parameters,
        package_versions=package_versions(),
        fit_seconds=fit_seconds,
        as_of_date=as_of.date(),
        model_run_id=model_run_id(model_name, as_of, parameters),
    )
    parts.append(pd.DataFrame([run]).drop(columns=["model_run_id", "as_of_date"]))
    return stack_records(parts, run, schema)


def _failed(message: str) -> dict:
    return {
        "status": "failed",
        "message": message,
        "model_version": None,
        "training_rows": None,
        "features": None,
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
    orders: pd.DataFrame,
    surveys: pd.DataFrame,
    stages: pd.DataFrame,
    as_of: pd.Timestamp,
    settings: Mapping[str, object],
) -> pd.DataFrame:
    """Train, select, evaluate and score the churn model once; stacked records.

    Records: 'score' (one per customer who bought on or before as_of),
    'evaluation' (candidate or baseline x metric; holdout metrics and the
    train-part cross-validated log-loss used for the selection), 'calibration'
    (model x bin, holdout) and 'run'. A run that cannot be made gives one 'run'
    record with status 'failed' and the reason, never an exception.
    ``settings``: the keyword arguments of :func:`churn.train_and_score`.
    """
    result, error, fit_seconds = _timed_fit(
        lambda: churn.train_and_score(
            orders, as_of, surveys=surveys, stages=stages, **settings
        ),
        "churn model",
    )

    parts: list[pd.DataFrame] = []
    if result is None:
        parameters = to_json({"as_of": str(as_of.date()), **settings})
        run = _failed(error)
    else:
        parameters = to_json(
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
    return _finish(parts, run, "churn", as_of, parameters, fit_seconds, CHURN_SCHEMA)


def segmentation_run(
    features: pd.DataFrame, as_of: pd.Timestamp, settings: Mapping[str, object]
) -> pd.DataFrame:
    """Fit the KMeans segmentation once; stacked records.

    Records: 'assignment' (one per customer), 'profile' (one per segment, centroid
    in original units), 'silhouette' (one per k tried) and 'run'. Too few
    customers gives one failed 'run' record. ``settings``: the keyword arguments
    of :func:`segment_customers`.
    """
    result, error, fit_seconds = _timed_fit(
        lambda: segment_customers(features, **settings), "segmentation"
    )

    parts: list[pd.DataFrame] = []
    if result is None:
        parameters = to_json({"as_of": str(as_of.date()), **settings})
        run = _failed(error)
    else:
        parameters = to_json(result.params)
        how = (
            "best silhouette" if settings.get("k") is None else "fixed by var segment_k"
        )
        run = {
            "status": "fitted",
            "message": (
                f"k = {result.k} ({how}); KMeans fitted on "
                f"{result.params['fit_sample']} of {result.params['n_customers']} "
                "customers"
            ),
            "model_version": f"kmeans-k{result.k}-v1",
            "training_rows": int(result.params["fit_sample"]),
            "features": ", ".join(result.params["model_columns"]),
        }
        parts.append(result.assignments.assign(record_type="assignment"))
        parts.append(
            result.profiles.rename(columns=CENTROID_COLUMNS).assign(
                record_type="profile"
            )
        )
        ks = sorted(result.silhouette_by_k)
        curve = pd.DataFrame(
            {"k": ks, "silhouette": [result.silhouette_by_k[k] for k in ks]}
        )
        curve["is_selected"] = curve["k"] == result.k
        parts.append(curve.assign(record_type="silhouette"))
    return _finish(
        parts, run, "kmeans", as_of, parameters, fit_seconds, SEGMENTATION_SCHEMA
    )


def canonical_inputs(orders, surveys, stages):
    """The churn inputs as frames in a canonical order, from DuckDB relations.

    orders: int_orders_as_of; surveys: int_survey_responses_as_of; stages:
    int_lifecycle_stages_at_churn_dates (with ``period_end_exclusive``, as
    :func:`build_customer_features` expects). The dbt Python models pass the
    relations (their ``dbt.ref`` calls must stay in the model for dbt's graph).
    """
    return (
        orders.project("order_id, customer_id, ordered_at, amount, is_refund")
        .order("customer_id, ordered_at, order_id")
        .df(),
        surveys.order("customer_id, response_id").df(),
        stages.project("customer_id, period_start, period_end_exclusive, stage")
        .distinct()
        .order("customer_id, period_start")
        .df(),
    )


def _features_at(orders, date, surveys, stages, window_days, time_unit, with_bgnbd):
    features = build_customer_features(orders, date, surveys=surveys, stages=stages)
    if with_bgnbd:
        bgnbd, _ = churn.bgnbd_features(orders, date, window_days, time_unit)
        features = features.merge(bgnbd, on="customer_id", how="left")
    else:
        features = features.assign(**dict.fromkeys(BGNBD_COLUMNS, float("nan")))
    return features.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def point_in_time_features(
    orders: pd.DataFrame,
    surveys: pd.DataFrame,
    stages: pd.DataFrame,
    as_of: pd.Timestamp,
    cutoff: pd.Timestamp,
    window_days: int,
    time_unit: str,
    holdout_share: float,
    random_seed: int,
) -> pd.DataFrame:
    """Customer features at the two dates of the churn model, as train_and_score
    builds them: 'training' rows at ``cutoff`` (with the churn label of the window
    (cutoff, as_of] and the holdout flag) and 'scoring' rows at ``as_of``.

    Every input is filtered to the feature date before anything is computed
    (:func:`build_customer_features`); the BG/NBD columns are kept only when the
    fit succeeds at both dates, as in the package.
    """
    frames: dict[str, pd.DataFrame] = {}
    for with_bgnbd in (True, False):
        try:
            for role, date in (("training", cutoff), ("scoring", as_of)):
                frames[role] = _features_at(
                    orders, date, surveys, stages, window_days, time_unit, with_bgnbd
                )
            break
        except btyd.FitError:
            continue

    training = frames["training"]
    training["churn_label"] = pd.array(
        churn.churn_labels(orders, training["customer_id"], cutoff, as_of).to_numpy(),
        dtype="Int64",
    )
    training["is_holdout"] = pd.array(
        churn.holdout_mask(training["customer_id"], holdout_share, random_seed),
        dtype="boolean",
    )
    scoring = frames["scoring"]
    scoring["churn_label"] = pd.Series(None, index=scoring.index, dtype="Int64")
    scoring["is_holdout"] = pd.Series(None, index=scoring.index, dtype="boolean")

    parts = []
    for role, date, frame in (
        ("training", cutoff, training),
        ("scoring", as_of, scoring),
    ):
        frame.insert(0, "feature_role", role)
        frame.insert(
            1, "feature_date", pd.Series(date.date(), index=frame.index, dtype=DATE)
        )
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    columns = [
        "feature_role",
        "feature_date",
        *FEATURE_COLUMNS,  # ends with stage_at_cutoff, the stage at feature_date
        *BGNBD_COLUMNS,
        "churn_label",
        "is_holdout",
    ]
    return out[columns].rename(columns={"stage_at_cutoff": "lifecycle_stage"})
