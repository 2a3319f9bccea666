"""KMeans customer segments as of as_of_date: one run.

Thin dbt Python model: reads the 'scoring' features (as of as_of_date) of
int_customer_features_at_churn_dates and calls
``customer_lifecycle.segmentation.segment_customers`` once (doc block
customer_segmentation). A dbt Python model returns one table, so the outputs of
the run are stacked, told apart by ``record_type``:

* 'assignment': one row per customer (segment, label, distance to the centroid);
* 'profile': one row per segment (size, share, silhouettes, centroid in original
  units);
* 'silhouette': one row per k tried (the curve the choice of k was made on);
* 'run': the run log (parameters, features, package versions, fit duration).

A run that cannot be made (fewer customers than segments) gives one 'run' row
with ``status = 'failed'`` and the reason, never a failed build. Published by the
marts customer_segments, segment_profiles, model_evaluations and model_runs.
Only ``fit_seconds`` differs between two builds on the same input.
"""

import hashlib
import json
import math
import time

import numpy as np
import pandas as pd
import pyarrow as pa

from customer_lifecycle.clv import package_versions
from customer_lifecycle.segmentation import PROFILE_COLUMNS, segment_customers

MODEL_NAME = "kmeans"
CENTROID_COLUMNS = {c: f"centroid_{c}" for c in PROFILE_COLUMNS}
SCHEMA = {
    "record_type": "string",
    "model_run_id": "string",
    "model_version": "string",
    "as_of_date": pd.ArrowDtype(pa.date32()),
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
    "status": "string",
    "message": "string",
    "training_rows": "Int64",
    "parameters": "string",
    "features": "string",
    "package_versions": "string",
    "fit_seconds": "Float64",
}


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
    features = (
        dbt.ref("int_customer_features_at_churn_dates")
        .filter("feature_role = 'scoring'")
        .project(", ".join(["customer_id", *PROFILE_COLUMNS]))
        .order("customer_id")
        .df()
    )
    as_of = pd.Timestamp(context["as_of_date"])
    fixed_k = context["segment_k"]
    settings = {
        "k": None if pd.isna(fixed_k) else int(fixed_k),
        "k_range": (int(context["segment_k_min"]), int(context["segment_k_max"])),
        "silhouette_sample": int(context["segment_silhouette_sample"]),
        "random_state": int(context["random_seed"]),
    }

    started = time.perf_counter()
    try:
        result = segment_customers(features, **settings)
        error = None
    except ValueError as exc:
        result, error = None, f"segmentation not fitted: {exc}"
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
        parameters = _json(result.params)
        how = "best silhouette" if settings["k"] is None else "fixed by var segment_k"
        run = {
            "status": "fitted",
            "message": (
                f"k = {result.k} ({how}); KMeans fitted on "
                f"{result.params['fit_sample']} of {result.params['n_customers']} "
                "customers"
            ),
            "model_version": f"{MODEL_NAME}-k{result.k}-v1",
            "training_rows": int(result.params["fit_sample"]),
            "features": ", ".join(result.params["model_columns"]),
        }
        parts.append(result.assignments.assign(record_type="assignment"))
        parts.append(
            result.profiles.rename(columns=CENTROID_COLUMNS).assign(
                record_type="profile"
            )
        )
        curve = pd.DataFrame(
            {
                "k": sorted(result.silhouette_by_k),
                "silhouette": [
                    result.silhouette_by_k[k] for k in sorted(result.silhouette_by_k)
                ],
            }
        )
        curve["is_selected"] = curve["k"] == result.k
        parts.append(curve.assign(record_type="silhouette"))
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
