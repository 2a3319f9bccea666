"""Run logs: the records every model run writes, shared by every fitter.

A leaf module (it imports nothing from the rest of the package), so the fitters
(:mod:`customer_lifecycle.clv`, :mod:`customer_lifecycle.runs`) can all use it
without import cycles.

- :data:`RUN_SCHEMA`: the columns of a 'run' record (status, parameters,
  features, package versions, fit duration);
- :func:`to_json`, :func:`model_run_id`, :func:`package_versions`: its values;
- :func:`stack_records`, :func:`finish_run`, :func:`failed_run`: one model run
  as one table, the record types told apart by ``record_type``.

``model_run_id`` is ``<model>-<as_of>-<8 hex digits of md5(parameters)>``, so two
builds on the same input and vars give the same id; only ``fit_seconds`` differs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from importlib import metadata

import numpy as np
import pandas as pd
import pyarrow as pa

DATE = pd.ArrowDtype(pa.date32())

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


def package_versions() -> str:
    """JSON text of the versions of the packages a fit depends on."""
    names = ["numpy", "scipy", "pandas", "scikit-learn", "duckdb"]
    return json.dumps({name: metadata.version(name) for name in names}, sort_keys=True)


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


def finish_run(
    parts: list[pd.DataFrame],
    run: dict,
    model_name: str,
    as_of: pd.Timestamp,
    parameters: str,
    fit_seconds: float,
    schema: Mapping[str, object],
) -> pd.DataFrame:
    """Complete ``run`` as the 'run' record, append it to ``parts``, stack all."""
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


def failed_run(message: str) -> dict:
    """The run-level columns of a run that could not be made."""
    return {
        "status": "failed",
        "message": message,
        "model_version": None,
        "training_rows": None,
        "features": None,
    }
